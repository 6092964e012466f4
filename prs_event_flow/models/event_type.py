from odoo import fields, models

# Fields of a program template whose change makes a new template version.
PRS_TEMPLATE_FIELDS = {"prs_flow_ids", "prs_form_mode"}


class EventType(models.Model):
    _inherit = "event.type"

    prs_type_code = fields.Char(
        string="Program Type Code",
        help="Stable code of the program type, read by skip conditions as program.type "
        "(e.g. retreat, workshop).",
    )
    prs_flow_ids = fields.One2many(
        "event.type.flow", "event_type_id", string="Template Flows", copy=True
    )
    prs_form_mode = fields.Selection(
        [("link", "Link the template's forms"), ("copy", "Copy the forms into each program")],
        string="Forms in New Programs",
        default="link",
        required=True,
        help="Link: programs share the template's forms (a new form version reaches every "
        "program on republish). Copy: each program gets its own draft copy of each form.",
    )
    prs_template_version = fields.Integer(
        string="Template Version",
        default=1,
        readonly=True,
        copy=False,
        help="Incremented on every change of the template's flows; programs record the "
        "version they were created from.",
    )
    prs_program_count = fields.Integer(
        string="Programs Count", compute="_compute_prs_program_count"
    )

    def _compute_prs_program_count(self):
        data = self.env["event.event"]._read_group(
            [("prs_template_id", "in", self.ids)], ["prs_template_id"], ["__count"]
        )
        counts = {template.id: count for template, count in data}
        for template in self:
            template.prs_program_count = counts.get(template.id, 0)

    def write(self, vals):
        bump = bool(PRS_TEMPLATE_FIELDS & set(vals))
        # One version per save: template flow/step writes made by this save do not bump.
        records = self.with_context(prs_template_bumped=True) if bump else self
        res = super(EventType, records).write(vals)
        if bump:
            self._prs_bump_template_version()
        return res

    def _prs_bump_template_version(self):
        if self.env.context.get("prs_template_bumped"):
            return
        for template in self:
            template.prs_template_version += 1
