from odoo import _, api, fields, models


class FormPage(models.Model):
    _name = "form.page"
    _description = "Registration Form Page"
    _inherit = ["form.node.mixin"]
    _order = "sequence, id"

    _prs_code_source = "title"
    _prs_code_fallback = "page"

    form_id = fields.Many2one("form.form", required=True, ondelete="cascade", index=True)
    form_state = fields.Selection(related="form_id.state", string="Form Status")
    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        compute="_compute_code",
        store=True,
        readonly=False,
        copy=True,
        help="Stable name of the page, unique within the form; generated from the title.",
    )
    title = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    condition = fields.Char(help="JEXL expression over field codes; the page shows when true.")
    active = fields.Boolean(default=True)
    section_ids = fields.One2many("form.section", "page_id", string="Sections", copy=True)
    field_ids = fields.One2many("form.field", "page_id", string="Fields")
    section_count = fields.Integer(compute="_compute_counts", string="Sections #")
    field_count = fields.Integer(compute="_compute_counts", string="Fields #")

    @api.depends("section_ids", "field_ids")
    def _compute_counts(self):
        for page in self:
            page.section_count = len(page.section_ids)
            page.field_count = len(page.field_ids)

    @api.model
    def _prs_forms_from_vals(self, vals_list):
        return {i: vals.get("form_id") for i, vals in enumerate(vals_list)}

    @api.constrains("code", "form_id")
    def _check_code(self):
        self.env["form.form"]._prs_check_codes(self, _("Page"))
