from . import form_tree
from . import serializer
from . import form_checks
from . import tree_diff
from . import expression
from . import validation
from . import preview
