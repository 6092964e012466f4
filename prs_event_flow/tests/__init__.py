from . import test_navigation_tools
from . import test_navigation
from . import test_program
from . import test_flow_publish
from . import test_template
from . import test_flow_access
from . import test_theme
from . import test_program_tour
