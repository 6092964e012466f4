import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools import payloads

_logger = logging.getLogger(__name__)

SYNC_BATCH = 50  # programs per batch of a resync (progress is logged per batch)
DEFER_KEY = "prs_cache_sync.deferred"
# Payloads are built in one language whoever publishes, so that the same database state
# always gives the same payload (Verify compares checksums). Form trees keep the
# language they were published in.
PAYLOAD_LANG = "en_US"


class PrsCacheKey(models.Model):
    """The state of one Redis key of one target: what was last queued (desired) and
    what was last written (pushed). It also tells which keys a program owns, so that
    unpublishing deletes exactly the keys that were written."""

    _name = "prs.cache.key"
    _description = "Redis Cache Key"
    _order = "target_id, name"

    name = fields.Char(string="Key", required=True, readonly=True, index=True)
    target_id = fields.Many2one(
        "prs.cache.target", required=True, ondelete="cascade", index=True, readonly=True
    )
    kind = fields.Selection(
        [
            ("step", "Step"),
            ("program", "Program Index"),
            ("master", "Master List"),
            ("other", "Other"),
        ],
        required=True,
        readonly=True,
    )
    program_id = fields.Integer(string="Program ID", index=True, readonly=True)
    flow_id = fields.Integer(string="Flow ID", readonly=True)
    step_id = fields.Integer(string="Step ID", readonly=True)
    master_code = fields.Char(readonly=True, index=True)
    op = fields.Selection(
        [("set", "Set"), ("delete", "Delete"), ("list", "List")],
        string="Last Queued Operation",
        readonly=True,
    )
    checksum = fields.Char(string="Queued Checksum", readonly=True)
    # program index keys: the capacity state of the payload last queued, so that the
    # catalogue reuses it instead of recounting every program's registrations (empty:
    # not known yet, the catalogue counts that program)
    capacity_state = fields.Char(string="Queued Capacity State", readonly=True)
    version = fields.Float(string="Queued Version", digits=(16, 0), readonly=True)
    pushed_op = fields.Selection(
        [("set", "Set"), ("delete", "Delete"), ("list", "List")],
        string="Last Pushed Operation",
        readonly=True,
    )
    pushed_checksum = fields.Char(readonly=True)
    pushed_version = fields.Float(string="Last Version Pushed", digits=(16, 0), readonly=True)
    pushed_at = fields.Datetime(string="Last Pushed On", readonly=True)
    last_error = fields.Char(readonly=True)
    outbox_ids = fields.One2many("prs.cache.outbox", "key_id", string="Writes")
    pending_count = fields.Integer(compute="_compute_pending_count", string="Pending Writes")
    sync_state = fields.Selection(
        [("synced", "Synced"), ("pending", "Pending"), ("failed", "Failing")],
        compute="_compute_pending_count",
    )

    _sql_constraints = [
        ("name_target_uniq", "unique(target_id, name)", "A key appears once per target."),
    ]

    def _compute_pending_count(self):
        groups = self.env["prs.cache.outbox"]._read_group(
            [("key_id", "in", self.ids), ("state", "in", ("pending", "failed"))],
            ["key_id", "state"],
            ["__count"],
        )
        counts = defaultdict(dict)
        for key, state, count in groups:
            counts[key.id][state] = count
        for key in self:
            pending = counts[key.id]
            key.pending_count = sum(pending.values())
            key.sync_state = (
                "failed" if pending.get("failed") else "pending" if pending else "synced"
            )

    def action_retry_now(self):
        rows = self.env["prs.cache.outbox"].search(
            [("key_id", "in", self.ids), ("state", "in", ("pending", "failed"))]
        )
        return rows.action_retry_now()

    # Bookkeeping (SQL in one statement per call: no query per key) -----------------------

    @api.model
    def _prs_get_or_create(self, target, entries):
        names = [entry["key"] for entry in entries]
        keys = self.search([("target_id", "=", target.id), ("name", "in", names)])
        known = set(keys.mapped("name"))
        missing = [entry for entry in entries if entry["key"] not in known]
        if missing:
            keys |= self.create(
                [
                    {
                        "name": entry["key"],
                        "target_id": target.id,
                        "kind": entry["kind"],
                        "program_id": entry.get("program_id") or 0,
                        "flow_id": entry.get("flow_id") or 0,
                        "step_id": entry.get("step_id") or 0,
                        "master_code": entry.get("master_code") or False,
                    }
                    for entry in missing
                ]
            )
        return keys

    def _prs_update_values(self, columns, rows):
        """``UPDATE prs_cache_key SET <columns> FROM (VALUES ...)`` for ``rows`` of
        ``(id, value...)``."""
        if not rows:
            return
        self.env.flush_all()
        # Column names come from the callers below, never from user input.
        casts = {"version": "float8", "pushed_version": "float8", "pushed_at": "timestamp"}
        query = SQL(
            """
            UPDATE prs_cache_key k SET %(assignments)s
              FROM (SELECT id::int AS id, %(typed)s
                      FROM (VALUES %(values)s) AS raw(id, %(names)s)) v
             WHERE k.id = v.id
            """,
            assignments=SQL(", ").join(
                SQL("%s = v.%s", SQL.identifier(column), SQL.identifier(column))
                for column in columns
            ),
            typed=SQL(", ").join(
                SQL(
                    "%s::%s AS %s",
                    SQL.identifier(column),
                    SQL(casts.get(column, "varchar")),
                    SQL.identifier(column),
                )
                for column in columns
            ),
            values=SQL(", ").join(
                SQL("(%s)", SQL(", ").join(None if value is False else value for value in row))
                for row in rows
            ),
            names=SQL(", ").join(SQL.identifier(column) for column in columns),
        )
        self.env.cr.execute(query)
        self.invalidate_model(list(columns))

    @api.model
    def _prs_set_desired(self, rows):
        """``rows``: ``(key id, op, checksum, version, capacity state)`` just queued."""
        self._prs_update_values(("op", "checksum", "version", "capacity_state"), rows)

    @api.model
    def _prs_set_pushed(self, rows):
        """``rows``: ``(key id, op, checksum, version, pushed_at)`` written to Redis."""
        self._prs_update_values(
            ("pushed_op", "pushed_checksum", "pushed_version", "pushed_at"), rows
        )
        if rows:
            self.browse([row[0] for row in rows]).filtered("last_error").write(
                {"last_error": False}
            )

    # Sync: database -> outbox ---------------------------------------------------------

    @api.model
    def _prs_targets(self, targets=None):
        # sudo: publishing is open to configurators; targets are read only to address keys.
        return (
            (targets or self.env["prs.cache.target"])
            .sudo()
            .search([("id", "in", targets.ids)] if targets else [])
        )

    @api.model
    def _prs_defer(self, program_ids=(), master_ids=(), master_codes=(), index_program_ids=()):
        """Sync these programs/masters once, just before the transaction commits (a loop
        writing many items of one master queues one write, not one per item);
        ``index_program_ids``: programs whose index (and the catalogue) only is synced."""
        data = self.env.cr.precommit.data
        deferred = data.get(DEFER_KEY)
        if deferred is None:
            deferred = data[DEFER_KEY] = {
                "programs": set(),
                "masters": set(),
                "codes": set(),
                "indexes": set(),
            }
            self.env.cr.precommit.add(self._prs_run_deferred)
        deferred["programs"].update(program_ids)
        deferred["indexes"].update(index_program_ids)
        deferred["masters"].update(master_ids)
        deferred["codes"].update(code for code in master_codes if code)

    def _prs_run_deferred(self):
        deferred = self.env.cr.precommit.data.get(DEFER_KEY)
        if not deferred:
            return
        # sudo: the hooks that deferred these syncs ran for users allowed to publish.
        key_model_sudo = self.sudo()
        indexes_only = deferred["indexes"] - deferred["programs"]
        if deferred["programs"]:
            key_model_sudo._prs_sync_programs(deferred["programs"], catalogue=not indexes_only)
        if indexes_only:
            key_model_sudo._prs_sync_programs(indexes_only, index_only=True)
        deferred["indexes"].clear()
        if deferred["masters"] or deferred["codes"]:
            masters = self.env["prs.master"].browse(deferred["masters"]).exists()
            key_model_sudo._prs_sync_masters(masters, extra_codes=deferred["codes"])
        deferred["programs"].clear()
        deferred["masters"].clear()
        deferred["codes"].clear()
        # precommit hooks run after the ORM flush: write what they created now
        self.env.flush_all()

    @api.model
    def _prs_published_at(self):
        return fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    @api.model
    def _prs_apply(self, target, entries, known_keys, force=False):
        """Queue the writes that bring ``target`` to ``entries`` for the scope of
        ``known_keys`` (keys of the same programs/masters): sets for changed entries,
        deletes for known keys no longer expected."""
        by_name = {entry["key"]: entry for entry in entries}
        known = {key.name: key for key in known_keys}
        writes = []
        remembered = []
        for entry in entries:
            key = known.get(entry["key"])
            if (
                not force
                and key
                and key.op == entry["op"]
                and key.checksum == entry["checksum"]
                and key.pushed_checksum == entry["checksum"]
            ):
                # unchanged: only a capacity state not remembered yet is stored
                state = entry.get("capacity_state")
                if state and key.capacity_state != state:
                    remembered.append((key.id, state))
                continue
            writes.append(entry)
        self._prs_update_values(("capacity_state",), remembered)
        for name, key in known.items():
            if name not in by_name and key.op != "delete":
                writes.append(
                    {
                        "key": name,
                        "op": "delete",
                        "payload": None,
                        "checksum": False,
                        "kind": key.kind,
                        "program_id": key.program_id,
                        "flow_id": key.flow_id,
                        "step_id": key.step_id,
                        "master_code": key.master_code,
                    }
                )
        return self.env["prs.cache.outbox"]._prs_enqueue(target, writes)

    @api.model
    def _prs_apply_targets(self, targets, known_keys, build_entries, force=False):
        """Queue on each target the writes that bring it to ``build_entries(prefix)``
        (built once per key prefix: targets sharing a prefix share the payloads) for the
        scope of ``known_keys``; returns the outbox rows."""
        rows = self.env["prs.cache.outbox"]
        entries_by_prefix = {}
        for target in targets:
            prefix = target._prs_get_prefix()
            if prefix not in entries_by_prefix:
                entries_by_prefix[prefix] = build_entries(prefix)
            rows |= self._prs_apply(
                target,
                entries_by_prefix[prefix],
                known_keys.filtered(lambda key, target=target: key.target_id == target),
                force=force,
            )
        return rows

    @api.model
    def _prs_sync_programs(
        self, program_ids, targets=None, force=False, index_only=False, catalogue=True
    ):
        """Bring the step and program index keys of these programs (event ids) in line
        with the database on every active target (or ``targets``): published flows are
        written, everything else these programs had in Redis (everything, for deleted
        programs) is deleted. ``index_only``: the program index keys only; ``catalogue``:
        the catalogue too."""
        program_ids = sorted(set(program_ids))
        targets = self._prs_targets(targets)
        if not program_ids or not targets:
            return self.env["prs.cache.outbox"]
        # sudo: the payload is the published configuration, the same whoever publishes;
        # the caller is a hook or an action its user was allowed to run.
        events = (
            self.env["event.event"]
            .sudo()
            .with_context(active_test=False, lang=PAYLOAD_LANG)
            .browse(program_ids)
            .exists()
        )
        # sudo: key bookkeeping is infrastructure, read here only to address the writes.
        known_keys = self.sudo().search(
            [
                ("target_id", "in", targets.ids),
                ("kind", "in", ("program",) if index_only else ("step", "program")),
                ("program_id", "in", program_ids),
            ]
        )
        published_at = self._prs_published_at()
        capacity = {}

        def build(prefix):
            entries = events._prs_cache_entries(prefix, published_at, index_only)
            capacity.update(
                (entry["program_id"], entry["capacity_state"])
                for entry in entries
                if entry.get("capacity_state")
            )
            return entries

        rows = self._prs_apply_targets(targets, known_keys, build, force=force)
        if catalogue:
            # these programs' capacity states were just counted: the catalogue reuses
            # them (and the other programs' last queued ones)
            rows |= self._prs_sync_catalogue(targets, force=force, capacity=capacity)
        return rows

    @api.model
    def _prs_known_capacity(self, program_ids):
        """``{program id: capacity state}`` last queued in the program index keys of
        these programs (any target: the state depends on the database only). The
        capacity state follows registrations (``event.event._prs_on_capacity_changed``
        rebuilds the index of every program whose registrations took or freed a place,
        and a write of a capacity field re-publishes the program), so the queued state
        is the current one; a program without one is counted."""
        if not program_ids:
            return {}
        self.flush_model(["kind", "program_id", "capacity_state", "op"])
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (program_id) program_id, capacity_state
              FROM prs_cache_key
             WHERE kind = 'program' AND op = 'set' AND capacity_state IS NOT NULL
               AND program_id = ANY(%s)
             ORDER BY program_id, version DESC NULLS LAST
            """,
            [list(program_ids)],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _prs_catalogue_builder(self, published_at, capacity=None):
        """A function ``prefix -> [catalogue entry]`` (the facts are read once).
        ``capacity``: ``{program id: capacity state}`` just counted; the other programs
        reuse the state last queued in their index key (``_prs_known_capacity``) and only
        those without one are counted: a publish never recounts the registrations of
        every program."""
        # sudo: the catalogue lists the published configuration, whoever triggers it.
        flows = self.env["event.flow"].sudo().search([("state", "=", "published")])
        events = flows.event_id.filtered("active").with_context(active_test=False)
        known = dict(capacity or {})
        known.update(self._prs_known_capacity([i for i in events.ids if i not in known]))
        facts = events._prs_program_facts(capacity=known, conditions=False) if events else {}

        def build(prefix):
            entries = []
            for event in events:
                fact = facts[event.id]
                program = dict(
                    payloads.program_info(
                        event.id, event.prs_code, fact["names"].get(fact["default_language"])
                    ),
                    **fact,
                )
                entries.append(payloads.catalogue_entry(program, prefix))
            payload = payloads.build_catalogue(entries, published_at)
            return [
                {
                    "key": payloads.catalogue_key(prefix),
                    "op": "set",
                    "payload": payloads.payload_text(payload),
                    "checksum": payload["checksum"],
                    "kind": "other",
                    "program_id": 0,
                    "flow_id": 0,
                    "step_id": 0,
                }
            ]

        return build

    @api.model
    def _prs_sync_catalogue(self, targets=None, force=False, capacity=None):
        """Write the catalogue ``<prefix>:programs`` (the programs with a published
        flow) on every active target (or ``targets``); unchanged, nothing is queued.
        ``capacity``: capacity states just counted (``_prs_catalogue_builder``)."""
        targets = self._prs_targets(targets)
        if not targets:
            return self.env["prs.cache.outbox"]
        published_at = self._prs_published_at()
        build = self._prs_catalogue_builder(published_at, capacity=capacity)
        # sudo: key bookkeeping is infrastructure, read here only to address the writes.
        known_keys = self.sudo().search(
            [
                ("target_id", "in", targets.ids),
                ("name", "in", [payloads.catalogue_key(t._prs_get_prefix()) for t in targets]),
            ]
        )
        return self._prs_apply_targets(targets, known_keys, build, force=force)

    @api.model
    def _prs_sync_masters(self, masters=None, targets=None, force=False, extra_codes=()):
        """Write master lists (all masters when ``masters`` is None) as Redis lists;
        delete the lists of masters that are gone or inactive, and of ``extra_codes``
        (former codes) unless a master still uses them."""
        targets = self._prs_targets(targets)
        if not targets:
            return self.env["prs.cache.outbox"]
        # sudo: master lists are published configuration, built the same for every user.
        master_model = (
            self.env["prs.master"].sudo().with_context(active_test=False, lang=PAYLOAD_LANG)
        )
        scope = (
            masters.sudo().with_context(active_test=False, lang=PAYLOAD_LANG)
            if masters is not None
            else None
        )
        all_masters = master_model.search([]) if scope is None else scope
        domain = [("target_id", "in", targets.ids), ("kind", "=", "master")]
        if scope is not None:
            codes = {code for code in scope.mapped("code") if code} | set(extra_codes)
            domain.append(("master_code", "in", list(codes)))
        # sudo: key bookkeeping is infrastructure, read here only to address the writes.
        known_keys = self.sudo().search(domain)
        return self._prs_apply_targets(targets, known_keys, all_masters._prs_cache_entries, force)

    @api.model
    def _prs_sync_all(self, targets=None, force=True):
        """Resync: every program with a published flow or a known key, and every
        master, in batches of programs (progress is logged per batch)."""
        targets = self._prs_targets(targets)
        # sudo: a resync covers every program, whoever (an administrator) starts it.
        flows = self.env["event.flow"].sudo().search([("state", "=", "published")])
        known = self.sudo().search(
            [("target_id", "in", targets.ids), ("kind", "in", ("step", "program"))]
        )
        program_ids = sorted(set(flows.event_id.ids) | set(known.mapped("program_id")))
        rows = self.env["prs.cache.outbox"]
        for start in range(0, len(program_ids), SYNC_BATCH):
            batch = program_ids[start : start + SYNC_BATCH]
            rows |= self._prs_sync_programs(batch, targets=targets, force=force, catalogue=False)
            _logger.info(
                "Redis resync of target(s) %s: %s/%s programs queued",
                targets.ids,
                min(start + SYNC_BATCH, len(program_ids)),
                len(program_ids),
            )
        rows |= self._prs_sync_catalogue(targets=targets, force=force)
        rows |= self._prs_sync_masters(targets=targets, force=force)
        _logger.info("Redis resync of target(s) %s: %s writes queued", targets.ids, len(rows))
        return rows

    @api.model
    def _prs_notify_queued(self, rows):
        return self.env["prs.cache.target"]._prs_notify(
            _("%s Redis write(s) queued; they are delivered after the save.", len(rows)),
            "success",
        )

    @api.autovacuum
    def _gc_deleted_keys(self):
        """Forget keys deleted from Redis more than 30 days ago with nothing pending
        (a later write starts again from a time-based version, so order is kept)."""
        limit = fields.Datetime.now() - timedelta(days=30)
        keys = self.search(
            [("op", "=", "delete"), ("pushed_op", "=", "delete"), ("pushed_at", "<", limit)]
        )
        keys.filtered(lambda key: not key.pending_count).unlink()
