from odoo import fields, models


class FormPage(models.Model):
    _name = "form.page"
    _description = "Registration Form Page"
    _order = "sequence, id"

    form_id = fields.Many2one("form.form", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    title = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    condition = fields.Char(help="JEXL expression over field codes; the page shows when true.")
    active = fields.Boolean(default=True)
    section_ids = fields.One2many("form.section", "page_id", string="Sections", copy=True)
