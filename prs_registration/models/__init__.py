from . import event_registration_mixin
from . import event_registration
from . import event_registration_submission
from . import event_event
from . import prs_reveal_log
from . import prs_intake_log
from . import event_registration_intake_log
