from odoo import fields, models


class FormFormVersion(models.Model):
    _name = "form.form.version"
    _description = "Published Form Version"
    _order = "form_id, version desc"

    form_id = fields.Many2one("form.form", required=True, ondelete="cascade", index=True)
    version = fields.Integer(required=True, readonly=True)
    tree = fields.Json(readonly=True, help="The form tree as published (the Redis contract).")
    checksum = fields.Char(readonly=True, index=True)
    published_by_id = fields.Many2one(
        "res.users", readonly=True, ondelete="restrict", default=lambda self: self.env.user
    )
    published_at = fields.Datetime(readonly=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("version_uniq", "unique(form_id, version)", "A form has one version per number."),
    ]
