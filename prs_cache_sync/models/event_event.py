from odoo import api, models

from ..tools import payloads


class EventEvent(models.Model):
    _name = "event.event"
    _inherit = ["event.event", "prs.cache.mixin"]

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

    def _prs_cache_scope(self):
        # sudo: whoever may edit a program keeps Redis in line, even without access to
        # the cache keys or flows; only whether keys or published flows exist is read.
        with_keys = (
            self.env["prs.cache.key"].sudo().search_count([("program_id", "in", self.ids)], limit=1)
        )
        if with_keys or self.sudo()._prs_cache_published_flows():
            return {"program_ids": self.ids}
        return {}

    # Theme ------------------------------------------------------------------------------

    def _prs_theme_logo_urls(self):
        """``{program id: public logo URL}`` for the programs with a logo."""
        # sudo: only the checksums of these programs' logo attachments are read.
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search_read(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "prs_theme_logo"),
                    ("res_id", "in", self.ids),
                ],
                ["res_id", "checksum"],
            )
        )
        return {
            row["res_id"]: payloads.theme_logo_url(row["res_id"], row["checksum"])
            for row in attachments
        }

    def _prs_theme_payloads(self):
        """``{program id: theme dict}`` of these programs (the ``theme`` member of the
        program index payload). Texts are given for every installed language; a missing
        translation falls back as in the backend."""
        logos = self._prs_theme_logo_urls()
        texts = {program.id: {} for program in self}
        text_fields = list(payloads.THEME_TEXT_FIELDS.values())
        for lang, __ in self.env["res.lang"].get_installed():
            for row in self.with_context(lang=lang).read(text_fields):
                texts[row["id"]][lang] = row
        return {
            program.id: payloads.build_theme(program, logos.get(program.id), texts[program.id])
            for program in self
        }

    def _prs_theme_payload(self):
        """The theme dict of one program."""
        self.ensure_one()
        return self._prs_theme_payloads()[self.id]
