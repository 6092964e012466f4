import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2
from psycopg2.errors import SerializationFailure

from odoo import _, api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from odoo.addons.prs_base.tools.after_commit import run_after_commit

from ..tools import events as events_tools
from ..tools import redis_io
from ..tools import settings as prs_settings

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500
BACKOFF_BASE = 30  # seconds; doubles with every failed attempt
BACKOFF_MAX = 3600
POSTCOMMIT_KEY = "prs_cache_sync.outbox_ids"


def _concurrent_update(error):
    """Whether ``error`` is PostgreSQL's refusal of a concurrent update (serialisation
    failure, deadlock, lock not available): a database clash between deliveries, never
    a Redis failure."""
    return (
        isinstance(error, psycopg2.OperationalError)
        and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY
    )


class PrsCacheOutbox(models.Model):
    """One queued Redis write. Rows are created inside the user's transaction and
    delivered after it commits (immediately, then by the cron with backoff while Redis is
    down), so a save never waits for Redis and no write is lost."""

    _name = "prs.cache.outbox"
    _description = "Redis Cache Outbox"
    _order = "id desc"
    _rec_name = "key"

    target_id = fields.Many2one(
        "prs.cache.target", required=True, ondelete="cascade", index=True, readonly=True
    )
    # every key write has its key state; a stream event (op xadd) has none
    key_id = fields.Many2one(
        "prs.cache.key",
        string="Key State",
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    key = fields.Char(required=True, readonly=True)
    op = fields.Selection(
        [("set", "Set"), ("delete", "Delete"), ("list", "List"), ("xadd", "Stream Event")],
        required=True,
        readonly=True,
    )
    registration_id = fields.Integer(
        string="Registration ID",
        index="btree_not_null",
        readonly=True,
        help="Stream events: the registration; its events are appended in order.",
    )
    payload = fields.Text(readonly=True)
    version = fields.Float(
        digits=(16, 0),
        readonly=True,
        help="Write order of the key (microseconds); Redis keeps the highest.",
    )
    checksum = fields.Char(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("failed", "Failed, Retrying"),
            ("done", "Done"),
            ("superseded", "Superseded"),
        ],
        default="pending",
        required=True,
        index=True,
        readonly=True,
    )
    attempts = fields.Integer(default=0, readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, index=True, readonly=True)
    last_error = fields.Char(readonly=True)
    done_date = fields.Datetime(readonly=True)
    note = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "key_state_required",
            "CHECK(op = 'xadd' OR key_id IS NOT NULL)",
            "A key write needs its key state.",
        ),
    ]

    # Enqueue --------------------------------------------------------------------------

    @api.model
    def _prs_enqueue(self, target, entries):
        """Queue ``entries`` for ``target`` and schedule their delivery after commit.

        ``entries``: dicts ``{key, op (set/delete/list), payload (text, None for
        delete), checksum, kind (step/program/master), program_id, flow_id, step_id,
        master_code}``. Older undelivered writes of the same keys are superseded.
        Returns the new outbox rows.
        """
        entries = list({entry["key"]: entry for entry in entries}.values())
        if not entries:
            return self.browse()
        # sudo: the outbox is infrastructure; configurators publish without reading it.
        outbox_sudo = self.sudo()
        key_model_sudo = self.env["prs.cache.key"].sudo()
        keys_sudo = key_model_sudo._prs_get_or_create(target, entries)
        by_name = {key.name: key for key in keys_sudo}
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE prs_cache_outbox SET state = 'superseded', done_date = now() at time zone 'utc'
             WHERE id IN (SELECT id FROM prs_cache_outbox
                           WHERE key_id IN %s AND state IN ('pending', 'failed')
                             FOR UPDATE SKIP LOCKED)
            """,
            [tuple(keys_sudo.ids)],
        )
        self.env.cr.execute("SELECT floor(extract(epoch from clock_timestamp()) * 1000000)")
        now_us = int(self.env.cr.fetchone()[0])
        now = fields.Datetime.now()
        vals_list = []
        for entry in entries:
            key = by_name[entry["key"]]
            version = max(now_us, int(key.version or 0) + 1)
            vals_list.append(
                {
                    "target_id": target.id,
                    "key_id": key.id,
                    "key": entry["key"],
                    "op": entry["op"],
                    "payload": entry.get("payload"),
                    "checksum": entry.get("checksum"),
                    "version": version,
                    "next_attempt": now,
                }
            )
        rows = outbox_sudo.create(vals_list)
        key_model_sudo._prs_set_desired(
            [
                (key.id, row.op, row.checksum, row.version, entry.get("capacity_state"))
                for row, entry in zip(rows, entries, strict=True)
                for key in [by_name[entry["key"]]]
            ]
        )
        self.invalidate_model(["state", "done_date"])
        rows._prs_schedule_delivery()
        return rows

    @api.model
    def _prs_enqueue_events(self, events):
        """Queue integration events (``event.event._prs_on_registration_events``) for the
        stream ``<prefix>:events`` of every active target, in one INSERT (intake's hot
        path changes states), and deliver them right after the commit. Never coalesced:
        each event is a row; a rolled-back transaction leaves none."""
        if not events:
            return self.browse()
        target_model = self.env["prs.cache.target"]
        default_prefix = prs_settings.default_prefix(self.env.cr.dbname)
        config_key = events_tools.stream_key(
            target_model._prs_config()["key_prefix"] or default_prefix
        )
        texts = [events_tools.event_text(event) for event in events]
        target_model.flush_model(["active", "use_config", "key_prefix"])
        # the key as prs.cache.target._prs_get_settings names the prefix (odoo.conf for
        # a target using it, else its own prefix, else prs:<database>)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO prs_cache_outbox
                       (target_id, key, op, payload, registration_id, state, attempts,
                        next_attempt, create_uid, create_date, write_uid, write_date)
                SELECT t.id,
                       CASE WHEN t.use_config THEN %(config_key)s
                            ELSE COALESCE(NULLIF(btrim(t.key_prefix), ''), %(prefix)s)
                                 || %(suffix)s END,
                       'xadd', e.payload, e.registration_id, 'pending', 0,
                       %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM prs_cache_target t,
                       unnest(%(texts)s::text[], %(registrations)s::int[])
                           WITH ORDINALITY AS e(payload, registration_id, position)
                 WHERE t.active
                 ORDER BY t.id, e.position
             RETURNING id
                """,
                config_key=config_key,
                prefix=default_prefix,
                suffix=":" + events_tools.STREAM_SUFFIX,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                texts=texts,
                registrations=[event["registration_id"] for event in events],
            )
        )
        rows = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        # the after-commit delivery sends them; the minutely cron retries the rest (no
        # cron trigger row on intake's hot path)
        rows._prs_schedule_delivery(trigger=False)
        return rows

    def _prs_schedule_delivery(self, trigger=True):
        """Wake the cron (unless ``trigger`` is false) and deliver these rows right after
        the commit."""
        cron = trigger and self.env.ref(
            "prs_cache_sync.ir_cron_prs_cache_deliver", raise_if_not_found=False
        )
        if cron:
            # sudo: only wakes the delivery cron (ir.cron is not readable by publishers).
            cron.sudo()._trigger()
        if self.env.context.get("prs_cache_no_immediate") or not self.env.registry.ready:
            # no immediate delivery while modules are being installed: the cron delivers
            return

        def deliver(env, ids):
            # one short transaction per batch: a large resync never holds many locks
            env["prs.cache.outbox"].browse(ids)._prs_deliver(limit=len(ids), immediate=True)

        def failed(error):  # a save must never fail because of Redis
            _logger.warning(
                "Redis delivery after commit failed, the cron will retry: %s",
                type(error).__name__,
            )

        run_after_commit(self.env, POSTCOMMIT_KEY, self.ids, deliver, BATCH_SIZE, failed)

    # Delivery ---------------------------------------------------------------------------

    @api.model
    def _cron_deliver(self):
        """Cron: deliver the due writes, batch after batch; re-trigger if more remain."""
        delivered = self.browse()._prs_deliver(limit=BATCH_SIZE * 4)
        if len(delivered) >= BATCH_SIZE * 4:
            self.env.ref("prs_cache_sync.ir_cron_prs_cache_deliver")._trigger()
        return delivered

    def _prs_claim(self, limit, now, force=False):
        """Lock due rows (these ones, or any when empty) for this transaction; rows
        another worker holds are skipped.

        When another transaction (the after-commit delivery, another worker) changed a
        due row since this transaction's snapshot, PostgreSQL refuses the lock with a
        serialisation failure: that transaction is delivering the row, so this one
        claims nothing and the rows left go with the next run (logged at debug level,
        not as an error)."""
        self.env.flush_all()
        conditions = [SQL("state IN ('pending', 'failed')")]
        if not force:
            conditions.append(SQL("(next_attempt IS NULL OR next_attempt <= %s)", now))
        if self.ids:
            conditions.append(SQL("id IN %s", tuple(self.ids)))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT id FROM prs_cache_outbox WHERE %s
                         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                        """,
                        SQL(" AND ").join(conditions),
                        limit,
                    )
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except SerializationFailure:
            _logger.debug(
                "Redis delivery: due rows changed by a concurrent delivery, left to the next run"
            )
            return self.browse()
        return self.browse(ids)

    def _prs_deliver(self, limit=BATCH_SIZE, immediate=False, force=False):
        """Deliver due writes (these rows, or any when called on an empty recordset),
        one pipeline per target and batch. ``immediate``: skip targets known to be
        down (the after-commit path). ``force``: ignore the backoff. Returns the rows
        processed."""
        now = fields.Datetime.now()
        # sudo: delivery runs for the cron, the after-commit hook or an administrator's
        # Retry now; it sends queued rows as they are and exposes nothing to the caller.
        rows = self.sudo()._prs_claim(limit, now, force=force)
        by_target = defaultdict(lambda: self.browse().sudo())
        for row in rows:
            by_target[row.target_id] |= row
        processed = self.browse()
        for target, target_rows in by_target.items():
            if not target.active or (immediate and target._prs_is_down()):
                continue
            target_rows = target_rows._prs_events_in_order(target)
            for start in range(0, len(target_rows), BATCH_SIZE):
                batch = target_rows[start : start + BATCH_SIZE]
                try:
                    with self.env.cr.savepoint():
                        batch._prs_deliver_batch(target)
                except Exception as error:  # one target's failure never blocks the others
                    self.env.invalidate_all()
                    if _concurrent_update(error):
                        # the bookkeeping rows changed under this transaction: another
                        # delivery (the cron, an after-commit hook) is on them. Not a
                        # Redis failure: the target is not marked down, the rest of its
                        # rows go with the next run.
                        _logger.info(
                            "Redis delivery to target %s: rows updated by a concurrent "
                            "delivery, left to the next run (%s)",
                            target.id,
                            type(error).__name__,
                        )
                        break
                    _logger.exception("Redis delivery to target %s failed", target.id)
                    batch._prs_mark_failed(target._prs_mark_down(error))
                processed |= batch
        return processed

    def _prs_events_in_order(self, target):
        """These claimed rows of ``target`` without the stream events that must wait: a
        registration's events go in order, so none is sent while an older event of the
        same registration is undelivered and not among these rows (failed and waiting
        for its backoff, or held by another delivery)."""
        events = self.filtered(lambda row: row.op == "xadd")
        if not events:
            return self
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT registration_id FROM prs_cache_outbox
                 WHERE target_id = %s AND op = 'xadd' AND state IN ('pending', 'failed')
                   AND registration_id IN %s AND id < %s AND id NOT IN %s
                """,
                target.id,
                tuple(set(events.mapped("registration_id"))),
                max(events.ids),
                tuple(events.ids),
            )
        )
        waiting = {row[0] for row in self.env.cr.fetchall()}
        return self - events.filtered(lambda row: row.registration_id in waiting)

    def _prs_deliver_batch(self, target):
        """One round trip: the key writes of ``self`` (same target) through the CAS
        script, then its stream events through ``XADD ... MAXLEN ~`` in order (a second
        round trip when the batch holds both)."""
        events = self.filtered(lambda row: row.op == "xadd")
        key_rows = self - events
        writes = [(row.key, row.op, int(row.version), row.payload) for row in key_rows]
        try:
            results = []
            if key_rows:
                script = target._prs_get_script()
                results = redis_io.write_many(
                    target._prs_get_client(), script, target._prs_versions_key(), writes
                )
            if events:
                appended = events_tools.xadd_many(
                    target._prs_get_client(),
                    [(row.key, row.payload) for row in events],
                    events_tools.stream_maxlen(),
                )
                # an entry id: appended (a stream event is never older than Redis' copy)
                results += [r if isinstance(r, Exception) else 1 for r in appended]
        except Exception as error:  # noqa: BLE001 - Redis down, wrong CA, bad URL, other
            # environment (UserError), a ValueError of redis-py...: this target waits
            # with backoff, the others are delivered
            message = target._prs_mark_down(error)
            self._prs_mark_failed(message)
            self.env["prs.metrics"]._prs_record_delivery(target, self.browse(), len(self))
            return
        target._prs_mark_up()
        now = fields.Datetime.now()
        applied, skipped, failed = self.browse(), self.browse(), defaultdict(self.browse)
        for row, result in zip(key_rows + events, results, strict=True):
            if isinstance(result, Exception):
                failed[target._prs_redact(str(result))[:500]] |= row
            elif result == 1:
                applied |= row
            else:
                skipped |= row
        done = applied | skipped
        if done:
            done._prs_increment_attempts()
            done.write(
                {"state": "done", "done_date": now, "last_error": False, "next_attempt": False}
            )
        if skipped:
            skipped.write({"note": _("Skipped: Redis already holds a newer version of this key.")})
        # one update per distinct error, not per refused row
        for message, rows in failed.items():
            rows._prs_mark_failed(message)
        self.env["prs.metrics"]._prs_record_delivery(
            target, done, sum(len(rows) for rows in failed.values())
        )
        # sudo: bookkeeping of what was pushed (same reason as the delivery itself).
        self.env["prs.cache.key"].sudo()._prs_set_pushed(
            [
                (row.key_id.id, row.op, row.checksum, row.version, now)
                for row in applied.filtered("key_id")
            ]
        )

    def _prs_increment_attempts(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE prs_cache_outbox SET attempts = COALESCE(attempts, 0) + 1 WHERE id IN %s",
            [tuple(self.ids)],
        )
        self.invalidate_recordset(["attempts"])

    def _prs_mark_failed(self, message):
        """Keep the rows for a later attempt, with exponential backoff."""
        self._prs_increment_attempts()
        now = fields.Datetime.now()
        for attempts, rows in self.grouped("attempts").items():
            delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
            rows.write(
                {
                    "state": "failed",
                    "last_error": message,
                    "next_attempt": now + timedelta(seconds=delay),
                }
            )
        try:
            # a key's summary is shared with the other deliveries of the key: one that
            # changed it since this transaction's snapshot wins (never an error here)
            with self.env.cr.savepoint():
                self.key_id.write({"last_error": message})
        except psycopg2.OperationalError as error:
            if not _concurrent_update(error):
                raise
            _logger.debug("Redis delivery: key summary updated by a concurrent delivery")

    def action_retry_now(self):
        """Deliver these writes now, ignoring the backoff."""
        rows = self.filtered(lambda row: row.state in ("pending", "failed"))
        if not rows:
            return self.env["prs.cache.target"]._prs_notify(_("Nothing to retry."))
        rows._prs_deliver(limit=len(rows), force=True)
        left = rows.filtered(lambda row: row.state != "done" and row.state != "superseded")
        if left:
            return self.env["prs.cache.target"]._prs_notify(
                _(
                    "%(count)s write(s) still failing: %(error)s",
                    count=len(left),
                    error=left[0].last_error,
                ),
                "warning",
            )
        return self.env["prs.cache.target"]._prs_notify(
            _("%s write(s) delivered.", len(rows)), "success"
        )

    @api.autovacuum
    def _gc_done_rows(self):
        """Forget delivered and superseded rows after 30 days (keys keep the summary)."""
        limit = fields.Datetime.now() - timedelta(days=30)
        self.search([("state", "in", ("done", "superseded")), ("done_date", "<", limit)]).unlink()
