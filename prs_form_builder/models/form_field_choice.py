from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.prs_base.tools.codes import slugify_code


class FormFieldChoice(models.Model):
    _name = "form.field.choice"
    _description = "Registration Form Field Choice"
    _inherit = ["form.node.mixin"]
    _order = "sequence, id"

    field_id = fields.Many2one("form.field", required=True, ondelete="cascade", index=True)
    form_id = fields.Many2one(related="field_id.form_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    value = fields.Char(
        required=True,
        compute="_compute_value",
        store=True,
        readonly=False,
        copy=True,
        help="Stored answer; conditions compare against it. Generated from the label.",
    )
    label = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)

    @api.depends("label")
    def _compute_value(self):
        for choice in self:
            choice.value = choice.value or (choice.label and slugify_code(choice.label, "choice"))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("value") and vals.get("label"):
                vals["value"] = slugify_code(vals["label"], "choice")
        return super().create(vals_list)

    @api.constrains("value", "field_id", "active")
    def _check_value_unique(self):
        rows = self.with_context(active_test=False).search_read(
            [("field_id", "in", self.field_id.ids)], ["field_id", "value"]
        )
        seen = set()
        for row in rows:
            key = (row["field_id"][0], row["value"])
            if key in seen:
                field = self.env["form.field"].browse(key[0])
                raise ValidationError(
                    _(
                        "Field %(field)s: the choice value %(value)r is used twice.",
                        field=field.code,
                        value=key[1],
                    )
                )
            seen.add(key)
