from . import res_groups
from . import res_users
