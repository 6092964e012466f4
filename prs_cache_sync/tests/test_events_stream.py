"""Integration events on the Redis stream ``<prefix>:events`` (README "Redis contract",
*Events*): queued in the outbox by ``event.event._prs_on_registration_events`` in the
transaction, appended after the commit, capped, in order per registration, and read
with a consumer group across a Redis restart."""

import json
import logging
import os
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tools import events as events_tools
from odoo.addons.prs_cache_sync.tools import redis_io

from .common import CommittedOutboxCase, PrsCacheCase, free_port

GROUP = "erp"


class EventsCase(PrsCacheCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stream = events_tools.stream_key(cls.target._prs_get_prefix())
        cls.Outbox = cls.env["prs.cache.outbox"]

    def facts(self, registration_id, seq, old_state="in_progress", new_state="submitted", **extra):
        """The facts prs_registration hands to the hook for one event."""
        step = self.flow.step_ids.sorted("sequence")[0]
        return {
            "type": "state_changed",
            "registration_id": registration_id,
            "seq": seq,
            "program_id": self.event.id,
            "program_code": self.event.prs_code,
            "flow_id": self.flow.id,
            "flow_code": self.flow.code,
            "step_id": step.id,
            "step_code": step.code,
            "next_step_id": False,
            "next_step_code": "",
            "old_state": old_state,
            "new_state": new_state,
            "occurred_at": "2026-12-02T10:00:00Z",
            "is_test": False,
            "payment": None,
            **extra,
        }

    def emit(self, *facts):
        self.env["event.event"]._prs_on_registration_events(list(facts))

    def stream_events(self):
        """The events on the stream, oldest first."""
        return [
            json.loads(entry[events_tools.ENTRY_FIELD])
            for __, entry in self.redis_client.xrange(self.stream)
        ]

    def event_rows(self):
        return self.Outbox.search([("op", "=", "xadd"), ("target_id", "=", self.target.id)])


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestEventsStream(EventsCase):
    def test_events_are_written_after_commit(self):
        """An event is an outbox row in the transaction and a stream entry only after
        the commit; the entry is valid ``prs.event/1`` and the row is done."""
        self.emit(self.facts(7, 1, old_state=None, new_state="in_progress"))
        rows = self.event_rows()
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows.state, rows.key, rows.registration_id), ("pending", self.stream, 7))
        self.assertFalse(rows.key_id)
        self.assertEqual(self.redis_client.exists(self.stream), 0)
        self.commit_hooks()
        [event] = self.stream_events()
        self.assertValid(event, "prs.event.1.json")
        self.assertEqual(
            (event["type"], event["registration_id"], event["seq"], event["old_state"]),
            ("state_changed", 7, 1, None),
        )
        self.assertEqual(event["program"], {"id": self.event.id, "code": self.event.prs_code})
        self.assertEqual(rows.state, "done")

    def test_no_event_on_rollback(self):
        """Events of a rolled-back transaction (here a savepoint) never reach Redis."""
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.emit(self.facts(8, 1))
            self.assertEqual(len(self.event_rows()), 1)
            raise RuntimeError("rolled back")
        self.assertFalse(self.event_rows())
        self.commit_hooks()
        self.assertEqual(self.redis_client.xlen(self.stream), 0)

    def test_each_event_is_one_entry_in_order(self):
        """Nothing is coalesced: every event of a registration is its own entry, in
        the order of its seq; one INSERT queues a burst."""
        with self.assertQueryCount(1):
            self.emit(
                self.facts(9, 2, "in_progress", "submitted"),
                self.facts(9, 3, "submitted", "confirmed"),
                self.facts(10, 2, "submitted", "waitlisted"),
                self.facts(9, 4, "confirmed", "cancelled"),
            )
        self.commit_hooks()
        events = self.stream_events()
        self.assertEqual(
            [(e["registration_id"], e["seq"], e["new_state"]) for e in events],
            [(9, 2, "submitted"), (9, 3, "confirmed"), (10, 2, "waitlisted"), (9, 4, "cancelled")],
        )
        self.assertEqual(len({e["id"] for e in events}), 4)
        for event in events:
            self.assertValid(event, "prs.event.1.json")

    def test_payment_event(self):
        """A recorded payment is a ``payment_recorded`` event carrying the payment."""
        payment = {"id": 3, "reference": "PAY-1", "provider": "stripe", "amount": 120.0}
        self.emit(
            self.facts(
                11,
                2,
                "in_progress",
                "in_progress",
                type="payment_recorded",
                payment=dict(payment, currency="EUR"),
            )
        )
        self.commit_hooks()
        [event] = self.stream_events()
        self.assertValid(event, "prs.event.1.json")
        self.assertEqual(event["type"], "payment_recorded")
        self.assertEqual(event["payment"], dict(payment, currency="EUR"))

    def test_maxlen_trims_the_stream(self):
        """The stream is capped: XADD with MAXLEN ~ events_maxlen (here 10) keeps at
        least 10 entries and trims whole nodes beyond (100 entries each)."""
        with patch.dict(os.environ, {"PRS_EVENTS_MAXLEN": "10"}):
            self.assertEqual(events_tools.stream_maxlen(), 10)
            self.emit(*[self.facts(12, seq) for seq in range(1, 301)])
            self.commit_hooks()
        self.assertEqual(len(self.event_rows().filtered(lambda r: r.state == "done")), 300)
        length = self.redis_client.xlen(self.stream)
        self.assertGreaterEqual(length, 10)
        self.assertLess(length, 110)
        # the newest entries are kept
        self.assertEqual(self.stream_events()[-1]["seq"], 300)

    def test_stream_maxlen_setting(self):
        """events_maxlen of odoo.conf [prs_cache_sync], PRS_EVENTS_MAXLEN over it, the
        default for a missing or invalid value."""
        self.assertEqual(events_tools.stream_maxlen({}, {}), events_tools.DEFAULT_MAXLEN)
        self.assertEqual(events_tools.stream_maxlen({"events_maxlen": "500"}, {}), 500)
        self.assertEqual(
            events_tools.stream_maxlen({"events_maxlen": "500"}, {"PRS_EVENTS_MAXLEN": "50"}), 50
        )
        self.assertEqual(
            events_tools.stream_maxlen({"events_maxlen": "-3"}, {}), events_tools.DEFAULT_MAXLEN
        )

    def test_verify_leaves_the_stream_alone(self):
        """Verify does not take the events stream for a foreign key (Repair would
        delete foreign keys)."""
        self.publish()
        self.sync_all()
        self.emit(self.facts(14, 1))
        self.commit_hooks()
        action = self.env["prs.cache.verify"]._prs_open(self.target)
        wizard = self.env["prs.cache.verify"].browse(action["res_id"])
        self.assertFalse(wizard.line_ids)
        self.assertEqual(self.redis_client.xlen(self.stream), 1)

    def test_one_row_per_active_target(self):
        """Each active target gets its own row on its own prefix's stream; an archived
        target none."""
        other = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Region 2", "url": self.redis.url, "key_prefix": "prs:region2"})
        )
        archived = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Off", "url": self.redis.url, "key_prefix": "prs:off"})
        )
        archived.action_archive()
        self.emit(self.facts(13, 1))
        rows = self.Outbox.search([("op", "=", "xadd"), ("registration_id", "=", 13)])
        self.assertEqual(sorted(rows.mapped("key")), sorted([self.stream, "prs:region2:events"]))
        self.commit_hooks()
        self.assertEqual(self.redis_client.xlen("prs:region2:events"), 1)
        self.assertEqual(self.redis_client.xlen(self.stream), 1)
        self.assertEqual(self.redis_client.exists("prs:off:events"), 0)
        other.action_archive()


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestEventsAcrossRestart(EventsCase):
    redis_persistent = True

    def consume(self, client, start=">", count=100):
        """XREADGROUP of consumer ``c1`` in the group: ``[(entry id, event)]``."""
        reply = client.xreadgroup(GROUP, "c1", {self.stream: start}, count=count)
        return [
            (entry_id, json.loads(entry[events_tools.ENTRY_FIELD]))
            for __, entries in reply
            for entry_id, entry in entries
        ]

    def test_consumer_group_reads_in_order_across_a_restart(self):
        """A consumer group reads the events in order; Redis crashes (kill -9) with an
        entry read and not acknowledged; the events of that time wait in the outbox
        (in order per registration, none sent before an older one); after the restart
        the pending entry is still pending, reading goes on, and no event is lost."""
        client = self.redis_client
        client.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        self.emit(self.facts(21, 1, None, "in_progress"), self.facts(21, 2))
        self.emit(self.facts(22, 1, None, "in_progress"))
        self.commit_hooks()
        read = self.consume(client, count=2)
        self.assertEqual([(e["registration_id"], e["seq"]) for __, e in read], [(21, 1), (21, 2)])
        client.xack(self.stream, GROUP, read[0][0])  # (21, 2) stays pending

        self.redis.kill()
        self.emit(self.facts(21, 3, "submitted", "confirmed"), self.facts(22, 2))
        self.commit_hooks()  # the delivery fails: the rows wait with a backoff
        failed = self.event_rows().filtered(lambda r: r.state == "failed")
        self.assertEqual(len(failed), 2)
        self.emit(self.facts(21, 4, "confirmed", "cancelled"))
        self.commit_hooks()  # the target is known down: left to the cron
        self.assertEqual(len(self.event_rows().filtered(lambda r: r.state == "pending")), 1)

        self.redis.start()
        prs_cache_target._DOWN_UNTIL.clear()
        client = self.redis.client()
        pending = client.xpending(self.stream, GROUP)
        self.assertEqual((pending["pending"], pending["min"]), (1, read[1][0]))
        # (21, 4) is due but (21, 3) waits for its backoff: the cron sends neither
        self.Outbox._cron_deliver()
        self.assertEqual(client.xlen(self.stream), 3)
        failed.write({"next_attempt": fields.Datetime.now() - timedelta(seconds=1)})
        self.Outbox._cron_deliver()
        self.assertFalse(self.event_rows().filtered(lambda r: r.state != "done"))

        # the consumer first re-reads its own pending entry, then goes on
        again = self.consume(client, start="0")
        self.assertEqual([e["seq"] for __, e in again], [2])
        client.xack(self.stream, GROUP, again[0][0])
        rest = self.consume(client)
        client.xack(self.stream, GROUP, *[entry_id for entry_id, __ in rest])
        self.assertEqual(
            [(e["registration_id"], e["seq"]) for __, e in rest],
            [(22, 1), (21, 3), (22, 2), (21, 4)],
        )
        seen = {(e["registration_id"], e["seq"]) for __, e in read + rest}
        self.assertEqual(seen, {(21, 1), (21, 2), (21, 3), (21, 4), (22, 1), (22, 2)})
        self.assertEqual(client.xpending(self.stream, GROUP)["pending"], 0)


@tagged("post_install", "-at_install", "prs", "prs_cache")
class TestOutboxDuringAnOutage(CommittedOutboxCase):
    """Redis is down and two deliveries (the cron, an after-commit hook) record their
    failures on the same key: the one whose snapshot predates the other's write gets a
    serialisation failure on the key's summary. That is a database clash, not a Redis
    failure: no ERROR, the target's error is Redis', the rows wait with backoff."""

    def test_outbox_concurrent_bookkeeping_is_not_a_redis_failure(self):
        target_id, (row_id,) = self.commit_outbox("Down Redis", "prs:down", [("k", '{"n": 1}')])
        with self.registry.cursor() as cr:
            # nothing listens there: every Redis call fails
            cr.execute(
                "UPDATE prs_cache_target SET url = %s WHERE id = %s",
                [f"redis://127.0.0.1:{free_port()}/0", target_id],
            )
        redis_io.drop_clients()
        with self.registry.cursor() as cron_cr:
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            cron_cr.execute("SELECT 1")  # the cron's snapshot is taken
            with self.registry.cursor() as other_cr:  # the other delivery's bookkeeping
                other_cr.execute(
                    "UPDATE prs_cache_key SET last_error = 'other delivery' WHERE target_id = %s",
                    [target_id],
                )
            with self.assertNoLogs("odoo.addons.prs_cache_sync.models", level=logging.ERROR):
                processed = cron_env["prs.cache.outbox"].browse(row_id)._prs_deliver(force=True)
            self.assertEqual(processed.ids, [row_id])
            row = processed
            self.assertEqual(row.state, "failed")
            self.assertTrue(row.next_attempt)
            # the Redis error ("Error 111 connecting to ..."), never the database's
            self.assertIn("connecting", row.last_error)
            self.assertNotIn("serializ", row.last_error.lower())
            target = cron_env["prs.cache.target"].browse(target_id)
            self.assertNotIn("serializ", (target.last_error or "").lower())
        redis_io.drop_clients()
