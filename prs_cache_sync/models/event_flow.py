from odoo import models


class EventFlow(models.Model):
    _name = "event.flow"
    _inherit = ["event.flow", "prs.cache.mixin"]

    def _prs_cache_scope(self):
        published = self.filtered(lambda flow: flow.state == "published")
        return {"program_ids": published.event_id.ids}

    def _prs_on_flow_published(self):
        """Published (or published again): write the flows' step keys and program index."""
        result = super()._prs_on_flow_published()
        self.event_id._prs_cache_sync_later()
        return result

    def _prs_on_flow_unpublished(self):
        """Unpublished or archived: delete the flows' keys, rewrite the program index."""
        result = super()._prs_on_flow_unpublished()
        self.event_id._prs_cache_sync_later()
        return result

    def action_prs_cache_publish(self):
        """Server action "Publish to Redis": rewrite the programs of these flows."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        rows = self.event_id._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)
