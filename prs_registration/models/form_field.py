from odoo import fields, models

# maps_to values: the registration column each fills (tools/intake.py MAPPED_COLUMNS)
MAPS_TO = [
    ("name", "Name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("date_of_birth", "Date of birth"),
    ("country", "Country"),
    ("city", "City"),
    ("language", "Language"),
    ("gender", "Gender"),
    ("company_name", "Company"),
]
# uninstalling prs_registration empties the mapping: no column receives it any more
MAPS_TO_ONDELETE = {value: "set null" for value, __ in MAPS_TO}


class FormField(models.Model):
    _inherit = "form.field"

    maps_to = fields.Selection(selection_add=MAPS_TO, ondelete=MAPS_TO_ONDELETE)
