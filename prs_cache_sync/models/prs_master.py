from odoo import models

from ..tools import payloads


class PrsMaster(models.Model):
    _name = "prs.master"
    _inherit = ["prs.master", "prs.cache.mixin"]

    def _prs_cache_entries(self, prefix):
        """Outbox entries (``list``) of these masters' Redis lists; inactive masters and
        masters without active items have none (their list is deleted)."""
        entries = []
        # Items created in this transaction sit in the cache in creation order: reread
        # them in display order.
        self.env["prs.master.item"].flush_model()
        self.invalidate_recordset(["item_ids"])
        for master in self.filtered(lambda m: m.active and m.code):
            items = payloads.build_master_items(master.item_ids.filtered("active"))
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

    def _prs_cache_scope(self):
        return {"master_ids": self.ids, "master_codes": self.mapped("code")}

    def action_prs_cache_publish(self):
        """Rewrite these masters' Redis lists."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        rows = self._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)
