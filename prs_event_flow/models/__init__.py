from . import event_type
from . import event_type_flow
from . import event_type_flow_step
from . import event_event
from . import event_flow
from . import event_flow_step
from . import event_flow_journey
