from odoo import api, models

# Fields of an item that appear in its master's Redis list.
PRS_CACHE_FIELDS = {"master_id", "sequence", "value", "label", "parent_value", "active"}


class PrsMasterItem(models.Model):
    _inherit = "prs.master.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items.master_id._prs_cache_sync_later()
        return items

    def write(self, vals):
        masters = self.master_id
        result = super().write(vals)
        if PRS_CACHE_FIELDS & set(vals):
            (masters | self.master_id)._prs_cache_sync_later()
        return result

    def unlink(self):
        masters = self.master_id
        result = super().unlink()
        masters._prs_cache_sync_later()
        return result
