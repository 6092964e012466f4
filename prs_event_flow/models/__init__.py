from . import event_event
from . import event_flow
from . import event_flow_step
