from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..tools import payloads
from .common import PrsCacheCase


@tagged("post_install", "-at_install", "prs", "prs_cache_sync")
class TestOutbox(PrsCacheCase):
    def _rows(self, states=("pending", "failed")):
        return self.env["prs.cache.outbox"].search(
            [("target_id", "=", self.target.id), ("state", "in", states)]
        )

    def _published_keys(self):
        """The data keys publishing ``self.flow`` writes: each step's default-language key
        and its ``<step key>:<lang>`` keys, and the program index (the catalogue aside)."""
        steps = {key for step in self.flow.step_ids for key in self.step_keys(step)}
        return steps | {self.program_key()}

    def _catalogue_key(self):
        return payloads.catalogue_key(self.target._prs_get_prefix())

    def _run_cron_later(self):
        """Let the backoff elapse, then run the delivery cron."""
        self._rows().sudo().write({"next_attempt": fields.Datetime.now()})
        self.env.ref("prs_cache_sync.ir_cron_prs_cache_deliver").method_direct_trigger()
        self.env.invalidate_all()

    def test_redis_down_save_succeeds_and_converges(self):
        """Redis down: publishing succeeds, writes wait with backoff, then converge."""
        self.redis.stop()
        with self.assertLogs("odoo.addons.prs_cache_sync", level="WARNING"):
            self.publish()
        self.assertEqual(self.flow.state, "published")
        rows = self._rows()
        self.assertEqual(set(rows.mapped("key")), self._published_keys() | {self._catalogue_key()})
        self.assertEqual(set(rows.mapped("state")), {"failed"})
        self.assertEqual(rows.mapped("attempts"), [1] * len(rows))
        self.assertTrue(all(row.next_attempt > fields.Datetime.now() for row in rows))
        self.assertTrue(self.target.last_error)
        self.redis.start()
        self.redis_client = self.redis.client()
        self.assertEqual(self.data_keys(), set())
        self._run_cron_later()
        self.assertFalse(self._rows())
        self.assertEqual(self.data_keys(), self._published_keys())
        self.assertTrue(self.redis_client.exists(self._catalogue_key()))
        self.assertFalse(self.target.last_error)

    def test_backoff_grows(self):
        """Each failed attempt doubles the wait before the next one."""
        self.redis.stop()
        with self.assertLogs("odoo.addons.prs_cache_sync", level="WARNING"):
            self.publish()
            row = self._rows()[0]
            first_wait = row.next_attempt - fields.Datetime.now()
            self._run_cron_later()
        self.assertEqual(row.attempts, 2)
        self.assertGreater(row.next_attempt - fields.Datetime.now(), first_wait)

    def test_cron_skips_rows_not_due(self):
        """The cron leaves a failed write alone until its next attempt is due."""
        self.redis.stop()
        with self.assertLogs("odoo.addons.prs_cache_sync", level="WARNING"):
            self.publish()
        self.redis.start()
        self.redis_client = self.redis.client()
        self.env["prs.cache.outbox"]._cron_deliver()
        self.assertEqual(self.data_keys(), set())
        self.target.action_retry_now()
        self.assertEqual(self.data_keys(), self._published_keys())

    def test_newer_write_supersedes_pending(self):
        """A newer write of the same key supersedes the older undelivered one."""
        self.redis.stop()
        with self.assertLogs("odoo.addons.prs_cache_sync", level="WARNING"):
            self.publish()
        older = self._rows()
        self.event.name = "Renamed"
        self.env.cr.flush()  # the ORM flush and the precommit hooks
        self.assertEqual(set(older.mapped("state")), {"superseded"})
        newer = self._rows()
        self.assertEqual(len(newer), len(older))
        self.redis.start()
        self.redis_client = self.redis.client()
        self.commit_hooks()
        self._run_cron_later()
        self.assertEqual(self.get_json(self.program_key())["program"]["name"], "Renamed")

    def test_older_version_never_overwrites_newer(self):
        """Delivering an older write after a newer one leaves the newer in Redis."""
        outbox = self.env["prs.cache.outbox"].with_context(prs_cache_no_immediate=True)
        entry = {"key": "prs:t:99999", "kind": "program", "program_id": 99999, "op": "set"}
        old = outbox._prs_enqueue(self.target, [dict(entry, payload='"old"', checksum="a")])
        # the older row was already claimed by another worker when the new one arrived
        old_state = {"state": old.state}
        new = outbox._prs_enqueue(self.target, [dict(entry, payload='"new"', checksum="b")])
        old.write(old_state)
        self.assertGreater(new.version, old.version)
        new._prs_deliver()
        old._prs_deliver()
        self.assertEqual(self.redis_client.get("prs:t:99999"), '"new"')
        self.assertEqual(old.state, "done")
        self.assertTrue(old.note)
        self.assertEqual(new.key_id.pushed_checksum, "b")

    def test_delete_is_versioned_too(self):
        """An older set delivered after a newer delete does not bring the key back."""
        outbox = self.env["prs.cache.outbox"].with_context(prs_cache_no_immediate=True)
        entry = {"key": "prs:t:88888", "kind": "program", "program_id": 88888}
        old = outbox._prs_enqueue(self.target, [dict(entry, op="set", payload="1", checksum="a")])
        old.write({"state": "pending"})
        new = outbox._prs_enqueue(self.target, [dict(entry, op="delete", payload=None)])
        old.write({"state": "pending"})
        new._prs_deliver()
        old._prs_deliver()
        self.assertFalse(self.redis_client.exists("prs:t:88888"))

    def _count_round_trips(self, count):
        """Deliver ``count`` keys and return how many times the client wrote to Redis."""
        import redis

        outbox = self.env["prs.cache.outbox"].with_context(prs_cache_no_immediate=True)
        rows = outbox._prs_enqueue(
            self.target,
            [
                {
                    "key": f"prs:t:{70000 + i}",
                    "kind": "program",
                    "program_id": 70000 + i,
                    "op": "set",
                    "payload": f'"{i}"',
                    "checksum": str(i),
                }
                for i in range(count)
            ],
        )
        # warm up: connection open and script loaded
        outbox._prs_enqueue(
            self.target,
            [{"key": "prs:t:warm", "kind": "other", "op": "set", "payload": "1", "checksum": "1"}],
        )._prs_deliver()
        real_send = redis.connection.Connection.send_packed_command
        calls = []

        def counting_send(connection, command, check_health=True):
            calls.append(1)
            return real_send(connection, command, check_health)

        with patch.object(redis.connection.Connection, "send_packed_command", counting_send):
            rows._prs_deliver()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        return len(calls)

    def test_round_trips_do_not_grow_with_keys(self):
        """Delivering 60 keys takes as many round trips as delivering 3."""
        few = self._count_round_trips(3)
        many = self._count_round_trips(60)
        self.assertEqual(few, many)
        self.assertLessEqual(many, 3)
        self.assertEqual(len(self.data_keys()), 61)  # 60 keys (the 3 among them) + warm-up

    def test_after_commit_delivery_in_batches(self):
        """After the commit, more writes than one batch are all delivered."""
        from ..models import prs_cache_outbox

        entries = [
            {
                "key": f"prs:t:{60000 + i}",
                "kind": "program",
                "program_id": 60000 + i,
                "op": "set",
                "payload": "1",
                "checksum": "1",
            }
            for i in range(12)
        ]
        with patch.object(prs_cache_outbox, "BATCH_SIZE", 5):
            self.env["prs.cache.outbox"]._prs_enqueue(self.target, entries)
            self.commit_hooks()
        self.assertEqual(len(self.data_keys()), 12)
        self.assertFalse(self._rows())

    def test_claim_skips_rows_locked_elsewhere(self):
        """Claiming uses FOR UPDATE SKIP LOCKED (multi-worker safety)."""
        outbox = self.env["prs.cache.outbox"].with_context(prs_cache_no_immediate=True)
        queries = []
        real_execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(query))
            return real_execute(cr, query, params, log_exceptions)

        row = outbox._prs_enqueue(
            self.target,
            [
                {
                    "key": "prs:t:1",
                    "kind": "program",
                    "program_id": 1,
                    "op": "set",
                    "payload": "1",
                    "checksum": "1",
                }
            ],
        )
        with patch.object(type(self.env.cr), "execute", spy):
            row._prs_deliver()
        self.assertTrue(any("FOR UPDATE SKIP LOCKED" in query for query in queries))

    def test_gc_forgets_old_deleted_keys(self):
        """Keys deleted long ago are forgotten; present keys are kept."""
        self.publish()
        self.flow.action_unpublish()
        self.commit_hooks()
        keys = self.env["prs.cache.key"].search([("target_id", "=", self.target.id)])
        # the catalogue stays (now empty): a present key
        catalogue = keys.filtered(lambda key: key.name == self._catalogue_key())
        self.assertEqual(catalogue.pushed_op, "set")
        deleted = keys - catalogue
        self.assertEqual(set(deleted.mapped("pushed_op")), {"delete"})
        self.env["prs.cache.key"]._gc_deleted_keys()
        self.assertTrue(deleted.exists(), "recent deletions are kept")
        keys.write({"pushed_at": fields.Datetime.now() - timedelta(days=31)})
        self.env["prs.cache.key"]._gc_deleted_keys()
        self.assertFalse(deleted.exists())
        self.assertTrue(catalogue.exists(), "present keys are kept")
