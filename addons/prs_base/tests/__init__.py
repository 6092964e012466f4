from . import test_prs_base
