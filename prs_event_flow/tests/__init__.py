from . import test_flow_access
