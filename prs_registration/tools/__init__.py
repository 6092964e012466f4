from . import answer_search
from . import caller
from . import capacity
from . import export
from . import intake
from . import privacy
from . import review
from . import tree_cache
