from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class FormField(models.Model):
    _name = "form.field"
    _description = "Registration Form Field"
    _inherit = ["form.node.mixin", "form.field.settings.mixin"]
    _order = "sequence, id"

    _prs_code_source = "label"
    _prs_code_fallback = "field"

    section_id = fields.Many2one("form.section", required=True, ondelete="cascade", index=True)
    page_id = fields.Many2one(related="section_id.page_id", store=True, index=True)
    form_id = fields.Many2one(related="section_id.page_id.form_id", store=True, index=True)
    form_state = fields.Selection(related="form_id.state", string="Form Status")
    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        compute="_compute_code",
        store=True,
        readonly=False,
        copy=True,
        help="Stable name of the answer, used in expressions; generated from the label.",
    )
    required_if = fields.Char(
        string="Required If", help="JEXL expression; the field is required when true."
    )
    condition = fields.Char(help="JEXL expression over field codes; the field shows when true.")
    active = fields.Boolean(default=True)
    choice_ids = fields.One2many("form.field.choice", "field_id", string="Choices", copy=True)
    message_ids = fields.One2many(
        "form.field.message", "field_id", string="Custom Messages", copy=True
    )
    template_id = fields.Many2one(
        "form.field.template",
        string="From Template",
        ondelete="set null",
        copy=False,
        help="Field library entry this field was created from.",
    )

    @api.model
    def _prs_forms_from_vals(self, vals_list):
        section_ids = {vals.get("section_id") for vals in vals_list if vals.get("section_id")}
        sections = self.env["form.section"].browse(section_ids)
        form_of = {section.id: section.form_id.id for section in sections}
        return {i: form_of.get(vals.get("section_id")) for i, vals in enumerate(vals_list)}

    def _prs_node_name(self):
        return _("Field %s", self.code or self.label)

    @api.constrains("code", "section_id")
    def _check_code(self):
        self.env["form.form"]._prs_check_codes(self, _("Field"))

    @api.constrains("maps_to", "section_id", "active")
    def _check_maps_to_unique(self):
        """One field per form feeds each static registration column."""
        mapped = self.filtered("maps_to")
        if not mapped:
            return
        rows = self.search_read(
            [("form_id", "in", mapped.form_id.ids), ("maps_to", "!=", False)],
            ["form_id", "maps_to", "code"],
            load=None,
        )
        seen = {}
        for row in rows:
            key = (row["form_id"], row["maps_to"])
            if key in seen:
                raise ValidationError(
                    _(
                        "Fields %(first)s and %(second)s both map to the %(column)s column.",
                        first=seen[key],
                        second=row["code"],
                        column=row["maps_to"],
                    )
                )
            seen[key] = row["code"]

    @api.depends("code", "label")
    def _compute_display_name(self):
        for field in self:
            field.display_name = f"{field.label} ({field.code})" if field.code else field.label
