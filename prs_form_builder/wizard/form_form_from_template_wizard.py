from odoo import fields, models


class FormFormFromTemplateWizard(models.TransientModel):
    _name = "form.form.from.template.wizard"
    _description = "New Form from Template"

    template_id = fields.Many2one(
        "form.form",
        required=True,
        ondelete="cascade",
        domain=[("is_template", "=", True)],
    )
    name = fields.Char(required=True)
    code = fields.Char(required=True)

    def action_create(self):
        """Create the form, copying the template's pages, sections, fields and rules."""
        self.ensure_one()
        form = self.template_id._prs_copy_from_template(self.name, self.code)
        return {
            "type": "ir.actions.act_window",
            "res_model": "form.form",
            "res_id": form.id,
            "view_mode": "form",
            "target": "current",
        }
