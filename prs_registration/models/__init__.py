from . import event_registration_mixin
from . import event_registration
from . import event_registration_submission
from . import event_event
from . import form_field
from . import form_field_template
from . import prs_reveal_log
from . import prs_intake_log
