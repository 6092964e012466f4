from odoo import models

# Fields of a step that appear in its Redis payloads and may change while its flow is
# published (the others are frozen by prs_event_flow until the flow is unpublished).
PRS_CACHE_FIELDS = {"name"}


class EventFlowStep(models.Model):
    _inherit = "event.flow.step"

    def write(self, vals):
        result = super().write(vals)
        if PRS_CACHE_FIELDS & set(vals):
            published = self.flow_id.filtered(lambda flow: flow.state == "published")
            if published:
                published.event_id._prs_cache_sync_later()
        return result

    def _prs_cache_form_tree(self):
        """The published form tree of this step (the ``form`` of its Redis payload), or
        None for a step without a form or whose form has no published version."""
        self.ensure_one()
        version = self.form_id.current_version_id
        if self.step_type != "form" or not version:
            return None
        if hasattr(version, "_prs_get_tree"):
            return version._prs_get_tree()
        return version.tree
