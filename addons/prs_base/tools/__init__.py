from . import codes, config
