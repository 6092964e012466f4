from . import intake
from . import privacy
