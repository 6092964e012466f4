from . import form_field_template_add_wizard
from . import form_form_from_template_wizard
from . import form_version_compare_wizard
