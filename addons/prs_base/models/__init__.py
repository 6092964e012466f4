from . import res_groups
from . import res_users
from . import prs_metrics
