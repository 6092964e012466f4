from . import form_form
from . import form_page
from . import form_section
from . import form_field
from . import form_field_choice
from . import form_form_version
