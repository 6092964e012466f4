from odoo import fields, models


class EventFlowStep(models.Model):
    _name = "event.flow.step"
    _description = "Program Registration Flow Step"
    _order = "flow_id, sequence, id"

    flow_id = fields.Many2one("event.flow", required=True, ondelete="cascade", index=True)
    event_id = fields.Many2one(related="flow_id.event_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    step_type = fields.Selection(
        [
            ("form", "Form"),
            ("payment", "Payment"),
            ("review", "Review"),
            ("confirmation", "Confirmation"),
        ],
        string="Type",
        default="form",
        required=True,
    )
    form_id = fields.Many2one("form.form", ondelete="restrict")
    condition = fields.Char(
        string="Skip Condition",
        help="JEXL expression over earlier answers (<step>.<field>) and program.<field>; "
        "the step is shown only when it is true.",
    )
    required = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(flow_id, code)", "The step code must be unique within its flow."),
    ]
