from odoo import api, fields, models

from odoo.addons.prs_base.tools.codes import slugify_code

from .event_flow import FLOW_KINDS


class EventTypeFlow(models.Model):
    _name = "event.type.flow"
    _description = "Program Template Flow"
    _order = "event_type_id, sequence, id"

    event_type_id = fields.Many2one(
        "event.type", string="Program Template", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    kind = fields.Selection(FLOW_KINDS, default="standard", required=True)
    step_ids = fields.One2many("event.type.flow.step", "type_flow_id", string="Steps", copy=True)

    _sql_constraints = [
        (
            "code_uniq",
            "unique(event_type_id, code)",
            "The flow code must be unique per program template.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        flows.event_type_id._prs_bump_template_version()
        return flows

    def write(self, vals):
        templates = self.event_type_id
        res = super().write(vals)
        (templates | self.event_type_id)._prs_bump_template_version()
        return res

    def unlink(self):
        templates = self.event_type_id
        res = super().unlink()
        templates.exists()._prs_bump_template_version()
        return res

    def _prs_prepare_flow_values(self, event, forms_map):
        """Values to create the program flow copied from this template flow."""
        self.ensure_one()
        return {
            "event_id": event.id,
            "sequence": self.sequence,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "step_ids": [
                (0, 0, step._prs_prepare_step_values(forms_map)) for step in self.step_ids
            ],
        }

    def _prs_instantiate(self, event):
        """Create the program flows of ``event`` from these template flows.

        Forms are linked, or copied once per program when the template says so.
        """
        if not self:
            return self.env["event.flow"]
        forms = self.step_ids.form_id
        forms_map = {form.id: form.id for form in forms}
        if self.event_type_id[:1].prs_form_mode == "copy":
            # form codes are lower-case identifiers: "RET-2030" -> "ret_2030"
            suffix = slugify_code(event.prs_code, "program") if event.prs_code else event.id
            for form in forms:
                code = f"{form.code}_{suffix}"
                copy = form.copy({"code": code, "name": form.name})
                forms_map[form.id] = copy.id
        return self.env["event.flow"].create(
            [flow._prs_prepare_flow_values(event, forms_map) for flow in self]
        )
