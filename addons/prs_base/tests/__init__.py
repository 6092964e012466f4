from . import test_prs_base
from . import test_audit
