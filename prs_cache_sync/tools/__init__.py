from . import payloads
from . import settings
