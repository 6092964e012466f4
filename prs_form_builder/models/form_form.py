from odoo import api, fields, models


class FormForm(models.Model):
    _name = "form.form"
    _description = "Registration Form"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, index=True, tracking=True)
    title = fields.Char(translate=True)
    description = fields.Html(translate=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    page_ids = fields.One2many("form.page", "form_id", string="Pages", copy=True)
    version_ids = fields.One2many("form.form.version", "form_id", string="Versions")
    current_version_id = fields.Many2one(
        "form.form.version",
        string="Published Version",
        ondelete="restrict",
        copy=False,
        tracking=True,
    )
    version = fields.Integer(
        related="current_version_id.version", string="Version Number", store=True
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, ondelete="restrict"
    )

    _sql_constraints = [
        ("code_uniq", "unique(code, company_id)", "The form code must be unique."),
    ]

    @api.depends("name", "code")
    def _compute_display_name(self):
        for form in self:
            form.display_name = f"[{form.code}] {form.name}" if form.code else form.name
