from odoo import fields, models

from ..tools.serializer import MESSAGE_RULES


class FormFieldMessage(models.Model):
    _name = "form.field.message"
    _description = "Registration Form Field Custom Message"
    _inherit = ["form.node.mixin"]
    _order = "field_id, rule"

    field_id = fields.Many2one("form.field", required=True, ondelete="cascade", index=True)
    form_id = fields.Many2one(related="field_id.form_id", store=True, index=True)
    rule = fields.Selection(
        [(code, code.replace("_", " ").capitalize()) for code in MESSAGE_RULES],
        required=True,
        help="Validation rule (error code) the message replaces the default text of.",
    )
    message = fields.Char(required=True, translate=True)

    _sql_constraints = [
        ("rule_uniq", "unique(field_id, rule)", "A field has one custom message per rule."),
    ]
