from odoo import fields, models


class EventFlow(models.Model):
    _name = "event.flow"
    _description = "Program Registration Flow"
    _inherit = ["mail.thread"]
    _order = "event_id, sequence, id"

    event_id = fields.Many2one(
        "event.event", string="Program", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, tracking=True)
    name = fields.Char(required=True, translate=True, tracking=True)
    kind = fields.Selection(
        [("standard", "Standard"), ("quick", "Quick"), ("health", "Health"), ("other", "Other")],
        default="standard",
        required=True,
    )
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    active = fields.Boolean(default=True)
    step_ids = fields.One2many("event.flow.step", "flow_id", string="Steps", copy=True)

    _sql_constraints = [
        ("code_uniq", "unique(event_id, code)", "The flow code must be unique per program."),
    ]
