from odoo import models

from ..tools import payloads


class EventFlowStep(models.Model):
    _name = "event.flow.step"
    _inherit = ["event.flow.step", "prs.cache.mixin"]

    def _prs_cache_scope(self):
        published = self.flow_id.filtered(lambda flow: flow.state == "published")
        return {"program_ids": published.event_id.ids}

    def _prs_cache_form_tree(self, lang=None):
        """The published form tree of this step (the ``form`` of its Redis payload) in
        ``lang`` (default: as published), or None for a step without a form or whose form
        has no published version."""
        self.ensure_one()
        version = self.form_id.current_version_id
        if self.step_type != "form" or not version:
            return None
        # not copied: the payload builders only read the tree (it is serialized as is)
        return version._prs_get_tree(lang=lang, copy_tree=False)

    def _prs_cache_step_payload(self, published_at, lang):
        """The step payload (``prs.step/1``) of this step in ``lang``: every text read in
        that language (call on records in that language's context)."""
        self.ensure_one()
        flow, event = self.flow_id, self.flow_id.event_id
        return payloads.build_step_payload(
            payloads.program_info(event.id, event.prs_code, event.name),
            payloads.flow_info(flow.id, flow.code, flow.name, flow.kind),
            self._prs_cache_step_info(),
            self._prs_cache_form_tree(lang),
            published_at,
            lang=lang,
        )

    def _prs_cache_step_info(self):
        """The ``step`` member of this step's payloads (texts in the context language)."""
        self.ensure_one()
        return payloads.step_info(
            self.id,
            self.code,
            self.name,
            self.step_type,
            self.sequence,
            self.condition,
            self.required,
        )
