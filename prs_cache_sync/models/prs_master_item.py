from odoo import models


class PrsMasterItem(models.Model):
    _name = "prs.master.item"
    _inherit = ["prs.master.item", "prs.cache.mixin"]

    def _prs_cache_scope(self):
        return {"master_ids": self.master_id.ids}
