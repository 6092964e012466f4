from odoo import models


class EventType(models.Model):
    _name = "event.type"
    _inherit = ["event.type", "prs.cache.fact.source"]
