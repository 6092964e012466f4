from . import test_intake
from . import test_intake_rpc
from . import test_lifecycle
from . import test_review
from . import test_intake_log
from . import test_api_key
from . import test_default_groups
from . import test_review_tour
