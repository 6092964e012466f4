from odoo import fields, models


class FormFieldChoice(models.Model):
    _name = "form.field.choice"
    _description = "Registration Form Field Choice"
    _order = "sequence, id"

    field_id = fields.Many2one("form.field", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    value = fields.Char(required=True)
    label = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
