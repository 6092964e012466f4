from . import prs_cache_verify
from . import prs_cache_verify_line
