from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

STEP_TYPES = [
    ("form", "Form"),
    ("payment", "Payment"),
    ("review", "Review"),
    ("confirmation", "Confirmation"),
]
# Fields of a step that only change how it looks in the back office.
STEP_COSMETIC_FIELDS = {"name"}
# Fields whose changes are logged in the flow's chatter.
STEP_LOGGED_FIELDS = ("sequence", "code", "name", "step_type", "form_id", "condition", "required")


class EventFlowStep(models.Model):
    _name = "event.flow.step"
    _description = "Program Registration Flow Step"
    _order = "flow_id, sequence, id"

    flow_id = fields.Many2one("event.flow", required=True, ondelete="cascade", index=True)
    event_id = fields.Many2one(related="flow_id.event_id", store=True, index=True)
    flow_state = fields.Selection(related="flow_id.state", string="Flow State")
    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        help="Identifier used in later conditions as <step code>.<field code>.",
    )
    name = fields.Char(required=True, translate=True)
    step_type = fields.Selection(STEP_TYPES, string="Type", default="form", required=True)
    form_id = fields.Many2one("form.form", ondelete="restrict", index=True)
    form_version = fields.Integer(related="form_id.version", string="Form Version")
    condition = fields.Char(
        string="Skip Condition",
        help="JEXL expression over earlier answers (<step>.<field>) and program.<field>; "
        "the step is shown only when it is true.",
    )
    required = fields.Boolean(
        default=True,
        help="The participant must complete this step when it is shown. An optional step "
        "may be skipped: the participant submits a later step instead (the next required "
        "one or any shown step before it).",
    )

    _sql_constraints = [
        ("code_uniq", "unique(flow_id, code)", "The step code must be unique within its flow."),
    ]

    @api.depends("flow_id", "name", "code")
    def _compute_display_name(self):
        for step in self:
            step.display_name = f"{step.flow_id.code} / {step.name}"

    @api.onchange("step_type")
    def _onchange_step_type(self):
        if self.step_type != "form":
            self.form_id = False

    def _prs_check_flow_editable(self, flows):
        published = flows.filtered(lambda f: f.state == "published")
        if published:
            raise UserError(
                _(
                    "The flow %s is published: unpublish it to change its steps.",
                    ", ".join(published.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        flow_ids = {vals.get("flow_id") for vals in vals_list if vals.get("flow_id")}
        self._prs_check_flow_editable(self.env["event.flow"].browse(flow_ids))
        steps = super().create(vals_list)
        steps._prs_log_on_flows("added")
        return steps

    def write(self, vals):
        if set(vals) - STEP_COSMETIC_FIELDS:
            self._prs_check_flow_editable(self.flow_id)
            if vals.get("flow_id"):
                self._prs_check_flow_editable(self.env["event.flow"].browse(vals["flow_id"]))
        res = super().write(vals)
        changed = [
            self._fields[name].get_description(self.env)["string"]
            for name in STEP_LOGGED_FIELDS
            if name in vals
        ]
        if changed:
            self._prs_log_on_flows("changed", ", ".join(changed))
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published_flow(self):
        self._prs_check_flow_editable(self.flow_id)

    def unlink(self):
        if not self.env.context.get(MODULE_UNINSTALL_FLAG):
            self._prs_log_on_flows("removed")
        return super().unlink()

    def _prs_log_on_flows(self, change, fields_changed=""):
        """Log in each flow's chatter that these steps were added, changed or removed."""
        for flow in self.flow_id:
            codes = ", ".join(self.filtered(lambda s, f=flow: s.flow_id == f).mapped("code"))
            if change == "added":
                body = _("Steps added: %s", codes)
            elif change == "removed":
                body = _("Steps removed: %s", codes)
            else:
                body = _(
                    "Steps changed (%(fields)s): %(steps)s", fields=fields_changed, steps=codes
                )
            flow._message_log(body=body)
