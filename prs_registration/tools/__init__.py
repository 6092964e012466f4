from . import caller
from . import capacity
from . import export
from . import intake
from . import privacy
from . import review
