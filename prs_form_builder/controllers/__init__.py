from . import preview
