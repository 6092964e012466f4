from . import navigation
