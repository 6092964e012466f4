from odoo import _, api, fields, models


class FormRule(models.Model):
    _name = "form.rule"
    _description = "Registration Form Cross-field Rule"
    _inherit = ["form.node.mixin"]
    _order = "sequence, id"

    _prs_code_source = "message"
    _prs_code_fallback = "rule"

    form_id = fields.Many2one(
        "form.form",
        required=True,
        ondelete="cascade",
        index=True,
        compute="_compute_form_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    section_id = fields.Many2one(
        "form.section",
        ondelete="cascade",
        index=True,
        help="Empty for a rule on the whole form.",
    )
    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        compute="_compute_code",
        store=True,
        readonly=False,
        copy=True,
        help="Error code reported when the rule fails; generated from the message.",
    )
    expr = fields.Char(
        string="Expression",
        required=True,
        help="JEXL expression over field codes that must be true, e.g. end_date >= start_date.",
    )
    message = fields.Char(required=True, translate=True, help="Shown when the rule fails.")
    active = fields.Boolean(default=True)

    @api.depends("section_id")
    def _compute_form_id(self):
        for rule in self:
            rule.form_id = rule.section_id.form_id or rule.form_id

    @api.model
    def _prs_forms_from_vals(self, vals_list):
        section_ids = {vals.get("section_id") for vals in vals_list if vals.get("section_id")}
        form_of = {s.id: s.form_id.id for s in self.env["form.section"].browse(section_ids)}
        return {
            i: form_of.get(vals.get("section_id")) or vals.get("form_id")
            for i, vals in enumerate(vals_list)
        }

    @api.constrains("code", "form_id")
    def _check_code(self):
        self.env["form.form"]._prs_check_codes(self, _("Rule"))
