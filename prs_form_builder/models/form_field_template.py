from odoo import fields, models


class FormFieldTemplate(models.Model):
    _name = "form.field.template"
    _description = "Registration Form Field Template"
    _inherit = ["form.field.settings.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, help="Name in the field library.")
    code = fields.Char(help="Code given to fields added from this template (else from label).")
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    choice_ids = fields.One2many(
        "form.field.template.choice", "template_id", string="Choices", copy=True
    )

    def _prs_node_name(self):
        return self.name or self.label

    def _prs_prepare_field_values(self, section):
        """Create values of a form.field in ``section`` copying this template."""
        self.ensure_one()
        values = self._prs_settings_values()
        values.update(
            {
                "section_id": section.id,
                "template_id": self.id,
                "choice_ids": [
                    (0, 0, {"sequence": c.sequence, "value": c.value, "label": c.label})
                    for c in self.choice_ids
                ],
            }
        )
        if self.code:
            values["code"] = self.code
        return values
