from . import test_publish
