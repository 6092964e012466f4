from . import prs_demo
