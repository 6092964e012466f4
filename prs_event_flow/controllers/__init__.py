from . import theme
