from odoo import api, models

from ..tools import payloads


class PrsMaster(models.Model):
    _inherit = "prs.master"

    def _prs_cache_entries(self, prefix):
        """Outbox entries (``list``) of these masters' Redis lists; inactive masters and
        masters without active items have none (their list is deleted)."""
        entries = []
        # Items created in this transaction sit in the cache in creation order: reread
        # them in display order.
        self.env["prs.master.item"].flush_model()
        self.invalidate_recordset(["item_ids"])
        for master in self.filtered(lambda m: m.active and m.code):
            items = payloads.build_master_items(master._prs_items_payload())
            if not items:
                continue
            entries.append(
                {
                    "key": payloads.master_key(prefix, master.code),
                    "op": "list",
                    "payload": payloads.encode_list(items),
                    "checksum": payloads.list_checksum(items),
                    "kind": "master",
                    "master_code": master.code,
                }
            )
        return entries

    def _prs_cache_sync(self, force=False, extra_codes=()):
        """Queue these masters' list writes now; returns the outbox rows."""
        return self.env["prs.cache.key"]._prs_sync_masters(
            self, force=force, extra_codes=extra_codes
        )

    def _prs_cache_sync_later(self, extra_codes=()):
        """Queue these masters' list writes once, just before the commit."""
        self.env["prs.cache.key"]._prs_defer(master_ids=self.ids, master_codes=extra_codes)

    @api.model_create_multi
    def create(self, vals_list):
        masters = super().create(vals_list)
        masters._prs_cache_sync_later()
        return masters

    def write(self, vals):
        old_codes = set(self.mapped("code")) if "code" in vals else set()
        result = super().write(vals)
        if {"code", "active", "item_ids"} & set(vals):
            self._prs_cache_sync_later(extra_codes=old_codes)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_prs_cache_keys(self):
        """A deleted master loses its Redis list."""
        self.env["prs.cache.key"]._prs_defer(master_codes=self.mapped("code"))

    def action_prs_cache_publish(self):
        """Rewrite these masters' Redis lists."""
        rows = self._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)
