from . import test_suite
from . import test_demo_confirm
from . import test_demo_registrations
