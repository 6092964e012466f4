from . import test_publish
from . import test_outbox
from . import test_verify
from . import test_target
from . import test_security
from . import test_theme
from . import test_health
from . import test_sentinel
