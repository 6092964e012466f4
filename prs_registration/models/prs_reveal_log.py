from odoo import fields, models


class PrsRevealLog(models.Model):
    """Who revealed which sensitive answers of which registration, and when."""

    _name = "prs.reveal.log"
    _description = "Sensitive Answer Reveal Log"
    _order = "create_date desc, id desc"
    _rec_name = "registration_id"

    registration_id = fields.Many2one(
        "event.registration", required=True, readonly=True, ondelete="cascade", index=True
    )
    event_id = fields.Many2one(
        related="registration_id.event_id", string="Program", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", string="Revealed By", required=True, readonly=True, ondelete="restrict"
    )
    field_codes = fields.Char(string="Fields", readonly=True)
    purpose = fields.Char(readonly=True, help="Where the values were revealed (view, export).")
    create_date = fields.Datetime(string="Revealed On", readonly=True)
