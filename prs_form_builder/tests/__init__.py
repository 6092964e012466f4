from . import test_security
from . import test_expression
from . import test_expression_node
