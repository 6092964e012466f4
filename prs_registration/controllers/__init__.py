from . import export
from . import main
from . import rpc
