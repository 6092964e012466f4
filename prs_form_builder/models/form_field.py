from odoo import fields, models

FIELD_TYPES = [
    ("text", "Text"),
    ("textarea", "Text Area"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("integer", "Integer"),
    ("decimal", "Decimal"),
    ("currency", "Currency"),
    ("percentage", "Percentage"),
    ("date", "Date"),
    ("time", "Time"),
    ("datetime", "Date and Time"),
    ("select", "Select"),
    ("radio", "Radio"),
    ("checkboxes", "Checkboxes"),
    ("multi_select", "Multi-select"),
    ("boolean", "Yes/No"),
    ("consent", "Consent"),
    ("file", "File"),
    ("country", "Country"),
    ("state", "State"),
    ("master", "Master List"),
    ("hidden", "Hidden"),
    ("static", "Static Text"),
]


class FormField(models.Model):
    _name = "form.field"
    _description = "Registration Form Field"
    _order = "sequence, id"

    section_id = fields.Many2one("form.section", required=True, ondelete="cascade", index=True)
    form_id = fields.Many2one(related="section_id.page_id.form_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    field_type = fields.Selection(FIELD_TYPES, required=True, default="text")
    label = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    placeholder = fields.Char(translate=True)
    required = fields.Boolean()
    required_if = fields.Char(help="JEXL expression; the field is required when true.")
    condition = fields.Char(help="JEXL expression over field codes; the field shows when true.")
    default_value = fields.Char()
    active = fields.Boolean(default=True)
    choice_ids = fields.One2many("form.field.choice", "field_id", string="Choices", copy=True)
