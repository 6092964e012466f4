from odoo import fields, models

from .form_field import MAPS_TO, MAPS_TO_ONDELETE


class FormFieldTemplate(models.Model):
    _inherit = "form.field.template"

    maps_to = fields.Selection(selection_add=MAPS_TO, ondelete=MAPS_TO_ONDELETE)
