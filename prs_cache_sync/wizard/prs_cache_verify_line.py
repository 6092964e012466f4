from odoo import fields, models


class PrsCacheVerifyLine(models.TransientModel):
    _name = "prs.cache.verify.line"
    _description = "Redis Cache Verification Line"
    _order = "target_id, status, key"

    verify_id = fields.Many2one("prs.cache.verify", required=True, ondelete="cascade")
    target_id = fields.Many2one("prs.cache.target", ondelete="cascade")
    key = fields.Char(readonly=True)
    status = fields.Selection(
        [
            ("missing", "Missing in Redis"),
            ("stale", "Stale (differs from the database)"),
            ("foreign", "Foreign (not published by this database)"),
        ],
        readonly=True,
    )
    expected_checksum = fields.Char(readonly=True)
    actual_checksum = fields.Char(readonly=True)
