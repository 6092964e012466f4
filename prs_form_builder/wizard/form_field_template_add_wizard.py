from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.prs_base.tools.codes import slugify_code, unique_code


class FormFieldTemplateAddWizard(models.TransientModel):
    _name = "form.field.template.add.wizard"
    _description = "Add Fields from the Field Library"

    section_id = fields.Many2one("form.section", required=True, ondelete="cascade")
    template_ids = fields.Many2many("form.field.template", string="Field Templates")

    def action_add(self):
        """Create one field per chosen template in the section, settings copied."""
        self.ensure_one()
        if not self.template_ids:
            raise UserError(_("Choose at least one field template."))
        section = self.section_id
        form_fields = (
            self.env["form.field"]
            .with_context(active_test=False)
            .search([("form_id", "=", section.form_id.id)])
        )
        used = set(form_fields.mapped("code"))
        # a static column is fed by one field: a second Email keeps its settings only
        mapped = set(form_fields.mapped("maps_to"))
        last = max(section.field_ids.mapped("sequence"), default=0)
        vals_list = []
        for index, template in enumerate(self.template_ids):
            values = template._prs_prepare_field_values(section)
            code = values.get("code") or slugify_code(values.get("label"), "field")
            values["code"] = unique_code(code, used)
            values["sequence"] = last + (index + 1) * 10
            if values.get("maps_to") in mapped:
                values["maps_to"] = False
            mapped.add(values.get("maps_to"))
            vals_list.append(values)
        self.env["form.field"].create(vals_list)
        return {"type": "ir.actions.act_window_close"}
