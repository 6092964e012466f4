from odoo import api, models

from odoo.addons.prs_event_flow.models.event_event_theme import THEME_FIELDS

from ..tools import payloads

# Fields of a program that appear in its Redis payloads.
PRS_CACHE_FIELDS = {"name", "prs_code", "active", *THEME_FIELDS}


class EventEvent(models.Model):
    _inherit = "event.event"

    def _prs_cache_published_flows(self):
        """Flows of these programs that belong in Redis, in journey order."""
        return self.flow_ids.filtered(
            lambda flow: flow.state == "published" and flow.active and flow.event_id.active
        ).sorted(lambda flow: (flow.event_id.id, flow.sequence, flow.id))

    def _prs_cache_entries(self, prefix, published_at):
        """Outbox entries (``set``) of every step key and program index key of these
        programs under ``prefix``; programs without a published flow have none."""
        entries = []
        flows_by_event = self._prs_cache_published_flows().grouped("event_id")
        themes = self.browse([event.id for event in flows_by_event])._prs_theme_payloads()
        for event in self:
            flows = flows_by_event.get(event)
            if not flows:
                continue
            program = payloads.program_info(event.id, event.prs_code, event.name)
            index_flows = []
            for flow in flows:
                flow_info = payloads.flow_info(flow.id, flow.code, flow.name, flow.kind)
                index_steps = []
                for step in flow.step_ids.sorted(lambda s: (s.sequence, s.id)):
                    step_info = payloads.step_info(
                        step.id,
                        step.code,
                        step.name,
                        step.step_type,
                        step.sequence,
                        step.condition,
                        step.required,
                    )
                    key = payloads.step_key(prefix, event.id, flow.id, step.id)
                    payload = payloads.build_step_payload(
                        program, flow_info, step_info, step._prs_cache_form_tree(), published_at
                    )
                    entries.append(
                        self._prs_cache_entry(key, "step", payload, event.id, flow.id, step.id)
                    )
                    index_steps.append((step_info, key))
                index_flows.append((flow_info, index_steps))
            payload = payloads.build_program_payload(
                program, index_flows, published_at, theme=themes[event.id]
            )
            entries.append(
                self._prs_cache_entry(
                    payloads.program_key(prefix, event.id), "program", payload, event.id
                )
            )
        return entries

    @api.model
    def _prs_cache_entry(self, key, kind, payload, program_id, flow_id=0, step_id=0):
        return {
            "key": key,
            "op": "set",
            "payload": payloads.canonical_json(payload),
            "checksum": payload["checksum"],
            "kind": kind,
            "program_id": program_id,
            "flow_id": flow_id,
            "step_id": step_id,
        }

    def _prs_cache_sync(self, force=False):
        """Queue the Redis writes of these programs now (delivered after commit, to every
        active target); returns the outbox rows."""
        return self.env["prs.cache.key"]._prs_sync_programs(self.ids, force=force)

    def _prs_cache_sync_later(self):
        """Queue the Redis writes of these programs once, just before the commit."""
        self.env["prs.cache.key"]._prs_defer(program_ids=self.ids)

    def action_prs_cache_publish(self):
        """Server action "Publish to Redis": rewrite these programs' keys."""
        rows = self._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)

    def write(self, vals):
        result = super().write(vals)
        if PRS_CACHE_FIELDS & set(vals):
            # sudo: whoever may edit a program keeps Redis in line, even without access
            # to the cache keys or flows; only whether keys or published flows exist is read.
            with_keys = (
                self.env["prs.cache.key"]
                .sudo()
                .search_count([("program_id", "in", self.ids)], limit=1)
            )
            if with_keys or self.sudo()._prs_cache_published_flows():
                self._prs_cache_sync_later()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_prs_cache_keys(self):
        """Deleting a program deletes its keys (its flows go by cascade, unseen)."""
        program_ids = self.ids
        # The records are still there: sync with an empty expectation by id afterwards.
        self.env["prs.cache.key"]._prs_sync_programs_gone(program_ids)
