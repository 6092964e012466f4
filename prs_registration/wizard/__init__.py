from . import event_registration_request_changes
from . import event_registration_reason_wizard
from . import event_registration_export
