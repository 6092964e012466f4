from odoo import fields, models


class FormFieldTemplateChoice(models.Model):
    _name = "form.field.template.choice"
    _description = "Registration Form Field Template Choice"
    _order = "sequence, id"

    template_id = fields.Many2one(
        "form.field.template", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    value = fields.Char(required=True)
    label = fields.Char(required=True, translate=True)
