from odoo import fields, models


class EventEvent(models.Model):
    _inherit = "event.event"

    prs_code = fields.Char(string="Program Code", index=True, copy=False, tracking=True)
    flow_ids = fields.One2many("event.flow", "event_id", string="Flows")

    _sql_constraints = [
        ("prs_code_uniq", "unique(prs_code)", "The program code must be unique."),
    ]
