from odoo import api, fields, models

from .event_flow_step import STEP_TYPES


class EventTypeFlowStep(models.Model):
    _name = "event.type.flow.step"
    _description = "Program Template Flow Step"
    _order = "type_flow_id, sequence, id"

    type_flow_id = fields.Many2one(
        "event.type.flow", string="Template Flow", required=True, ondelete="cascade", index=True
    )
    event_type_id = fields.Many2one(related="type_flow_id.event_type_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    step_type = fields.Selection(STEP_TYPES, string="Type", default="form", required=True)
    form_id = fields.Many2one("form.form", ondelete="restrict", index=True)
    condition = fields.Char(
        string="Skip Condition",
        help="JEXL expression over earlier answers (<step>.<field>) and program.<field>; "
        "the step is shown only when it is true.",
    )
    required = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_uniq",
            "unique(type_flow_id, code)",
            "The step code must be unique within its flow.",
        ),
    ]

    @api.onchange("step_type")
    def _onchange_step_type(self):
        if self.step_type != "form":
            self.form_id = False

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps.type_flow_id.event_type_id._prs_bump_template_version()
        return steps

    def write(self, vals):
        templates = self.type_flow_id.event_type_id
        res = super().write(vals)
        (templates | self.type_flow_id.event_type_id)._prs_bump_template_version()
        return res

    def unlink(self):
        templates = self.type_flow_id.event_type_id
        res = super().unlink()
        templates.exists()._prs_bump_template_version()
        return res

    def _prs_prepare_step_values(self, forms_map):
        """Values of the program step copied from this template step."""
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "code": self.code,
            "name": self.name,
            "step_type": self.step_type,
            "form_id": forms_map.get(self.form_id.id, False),
            "condition": self.condition,
            "required": self.required,
        }
