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

    def _prs_cache_entries(self, prefix, published_at, index_only=False):
        """Outbox entries (``set``) of every step key (default language and
        ``<step key>:<lang>`` for every offered language) and program index key of these
        programs under ``prefix``; programs without a published flow have none.
        ``index_only``: the program index keys only (no form tree is read)."""
        entries = []
        flows_by_event = self._prs_cache_published_flows().grouped("event_id")
        published = self.browse([event.id for event in flows_by_event])
        themes = published._prs_theme_payloads()
        facts = published._prs_program_facts()
        for event in self:
            flows = flows_by_event.get(event)
            if not flows:
                continue
            program_facts = facts[event.id]
            langs = program_facts["languages"]
            default_lang = program_facts["default_language"]
            index_flows = []
            for flow in flows:
                index_steps = []
                steps = flow.step_ids.sorted(lambda s: (s.sequence, s.id))
                for step in steps:
                    key = payloads.step_key(prefix, event.id, flow.id, step.id)
                    if index_only:
                        index_steps.append(
                            (step.with_context(lang=default_lang)._prs_cache_step_info(), key)
                        )
                        continue
                    for lang in langs:
                        payload = step.with_context(lang=lang)._prs_cache_step_payload(
                            published_at, lang
                        )
                        ids = (event.id, flow.id, step.id)
                        entries.append(
                            self._prs_cache_entry(
                                payloads.lang_key(key, lang), "step", payload, *ids
                            )
                        )
                        if lang == default_lang:
                            entries.append(self._prs_cache_entry(key, "step", payload, *ids))
                            index_steps.append((payload["step"], key))
                flow_info = payloads.flow_info(
                    flow.id, flow.code, flow.with_context(lang=default_lang).name, flow.kind
                )
                index_flows.append((flow_info, index_steps))
            program = dict(
                payloads.program_info(
                    event.id, event.prs_code, event.with_context(lang=default_lang).name
                ),
                **program_facts,
            )
            payload = payloads.build_program_payload(
                program, index_flows, published_at, theme=themes[event.id], langs=langs
            )
            entry = self._prs_cache_entry(
                payloads.program_key(prefix, event.id), "program", payload, event.id
            )
            # remembered in the key (``prs.cache.key.capacity_state``) for the catalogue
            entry["capacity_state"] = program_facts["capacity"]["state"]
            entries.append(entry)
        return entries

    def _prs_program_facts(self, capacity=None, conditions=True):
        """``{program id: facts}`` (``payloads.program_facts``) of these programs.
        ``capacity``: ``{program id: capacity state}`` already known; the programs
        missing from it are counted (``_prs_capacity_states``). ``conditions``: false
        for facts without ``condition_values`` (left empty: the catalogue lists none,
        and they are read program by program)."""
        languages = self._prs_program_languages()
        capacity = dict(capacity or {})
        uncounted = self.filtered(lambda event: event.id not in capacity)
        if uncounted:
            capacity.update(uncounted._prs_capacity_states())
        result = {}
        for event in self:
            langs, default_lang = languages[event.id]
            venue = event.address_id
            in_langs = {lang: event.with_context(lang=lang) for lang in langs}
            reasons = (
                {lang: record.prs_closed_reason or None for lang, record in in_langs.items()}
                if capacity[event.id] == "closed" and event.prs_closed_reason
                else {}
            )
            result[event.id] = payloads.program_facts(
                {
                    "date_begin": event.date_begin,
                    "date_end": event.date_end,
                    "opens_at": event.prs_registration_opens_at,
                    "closes_at": event.prs_registration_closes_at,
                    "timezone": event.date_tz,
                    "venue": venue
                    and {
                        "name": venue.name or None,
                        "city": venue.city or None,
                        "country": venue.country_id.code or None,
                    },
                    "fee": event.prs_fee,
                    "currency": event.prs_currency_id.name,
                    "capacity": capacity[event.id],
                    "reasons": reasons,
                    "languages": langs,
                    "default_language": default_lang,
                    "names": {lang: record.name or "" for lang, record in in_langs.items()},
                    "condition_values": conditions
                    and in_langs[default_lang]._prs_program_context()
                    or {},
                }
            )
        return result

    @api.model
    def _prs_cache_entry(self, key, kind, payload, program_id, flow_id=0, step_id=0):
        return {
            "key": key,
            "op": "set",
            "payload": payloads.payload_text(payload),
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
        self.check_access_rights("write")
        self.check_access_rule("write")
        rows = self._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)

    def _prs_on_capacity_changed(self):
        """Republish the program index (capacity state) and the catalogue once, just
        before the commit (delivered after it): a burst of registration changes in one
        transaction queues at most one index write per program, and none when the
        state did not change (checksums compare)."""
        result = super()._prs_on_capacity_changed()
        if self and not self.env.context.get("prs_cache_no_capacity"):
            self.env["prs.cache.key"]._prs_defer(index_program_ids=self.ids)
        return result

    @api.model
    def _prs_on_registration_events(self, events):
        """Queue the registration events for the stream ``<prefix>:events`` of every
        active target, in this transaction (one INSERT); delivered after the commit."""
        result = super()._prs_on_registration_events(events)
        if events:
            # sudo: the outbox is infrastructure; whoever changes a registration's state
            # (the intake, a coordinator) queues its event without reading the outbox
            self.env["prs.cache.outbox"].sudo()._prs_enqueue_events(events)
        return result

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
