from odoo import _, api, fields, models


class FormSection(models.Model):
    _name = "form.section"
    _description = "Registration Form Section"
    _inherit = ["form.node.mixin"]
    _order = "sequence, id"

    _prs_code_source = "title"
    _prs_code_fallback = "section"

    page_id = fields.Many2one("form.page", required=True, ondelete="cascade", index=True)
    form_id = fields.Many2one(related="page_id.form_id", store=True, index=True)
    form_state = fields.Selection(related="form_id.state", string="Form Status")
    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        compute="_compute_code",
        store=True,
        readonly=False,
        copy=True,
        help="Stable name of the section, unique within the form; generated from the title.",
    )
    title = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    condition = fields.Char(help="JEXL expression over field codes; the section shows when true.")
    active = fields.Boolean(default=True)
    field_ids = fields.One2many("form.field", "section_id", string="Fields", copy=True)
    rule_ids = fields.One2many("form.rule", "section_id", string="Rules", copy=True)
    field_count = fields.Integer(compute="_compute_field_count", string="Fields #")

    @api.depends("field_ids")
    def _compute_field_count(self):
        for section in self:
            section.field_count = len(section.field_ids)

    @api.model
    def _prs_forms_from_vals(self, vals_list):
        page_ids = {vals.get("page_id") for vals in vals_list if vals.get("page_id")}
        form_of = {page.id: page.form_id.id for page in self.env["form.page"].browse(page_ids)}
        return {i: form_of.get(vals.get("page_id")) for i, vals in enumerate(vals_list)}

    @api.constrains("code", "page_id")
    def _check_code(self):
        self.env["form.form"]._prs_check_codes(self, _("Section"))

    def action_add_from_library(self):
        """Open the field library to add fields to this section."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Add Fields from Library"),
            "res_model": "form.field.template.add.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_section_id": self.id},
        }
