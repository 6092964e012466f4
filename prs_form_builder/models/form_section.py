from odoo import fields, models


class FormSection(models.Model):
    _name = "form.section"
    _description = "Registration Form Section"
    _order = "sequence, id"

    page_id = fields.Many2one("form.page", required=True, ondelete="cascade", index=True)
    form_id = fields.Many2one(related="page_id.form_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True)
    title = fields.Char(required=True, translate=True)
    help = fields.Text(translate=True)
    condition = fields.Char(help="JEXL expression over field codes; the section shows when true.")
    active = fields.Boolean(default=True)
    field_ids = fields.One2many("form.field", "section_id", string="Fields", copy=True)
