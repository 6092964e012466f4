from odoo import models


class EventFlowStep(models.Model):
    _name = "event.flow.step"
    _inherit = ["event.flow.step", "prs.cache.mixin"]

    def _prs_cache_scope(self):
        published = self.flow_id.filtered(lambda flow: flow.state == "published")
        return {"program_ids": published.event_id.ids}

    def _prs_cache_form_tree(self):
        """The published form tree of this step (the ``form`` of its Redis payload), or
        None for a step without a form or whose form has no published version."""
        self.ensure_one()
        version = self.form_id.current_version_id
        if self.step_type != "form" or not version:
            return None
        return version._prs_get_tree()
