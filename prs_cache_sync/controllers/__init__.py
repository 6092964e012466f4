from . import health
from . import metrics
