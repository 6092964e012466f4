import threading
import time

from psycopg2 import errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tools import redis_io

from .common import RedisServer

WRITES = 300
BATCH = 20
WORKERS = 2


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_multiworker")
class TestMultiWorkerDelivery(TransactionCase):
    """Two delivery workers, each with its own database connection and transactions
    (as two Odoo prefork workers or cron workers), drain one committed outbox: every
    write reaches Redis exactly once, none is lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis = RedisServer().start()
        cls.addClassCleanup(cls.redis.stop)
        cls.addClassCleanup(redis_io.drop_clients)

    def setUp(self):
        super().setUp()
        prs_cache_target._DOWN_UNTIL.clear()
        # Committed fixtures (the workers' transactions must see them), removed after.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"prs_cache_no_initial_sync": True})
            target = env["prs.cache.target"].create(
                {"name": "Multi-worker Redis", "url": self.redis.url, "key_prefix": "prs:mw"}
            )
            keys = env["prs.cache.key"].create(
                [
                    {"name": f"prs:mw:master:k{index}", "target_id": target.id, "kind": "master"}
                    for index in range(WRITES)
                ]
            )
            rows = env["prs.cache.outbox"].create(
                [
                    {
                        "target_id": target.id,
                        "key_id": key.id,
                        "key": key.name,
                        "op": "set",
                        "payload": f'{{"n": {index}}}',
                        "version": 1000 + index,
                    }
                    for index, key in enumerate(keys)
                ]
            )
            self.target_id, self.row_ids = target.id, rows.ids
        self.addCleanup(self._drop_fixtures)
        self.redis.client().config_resetstat()

    def _drop_fixtures(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["prs.cache.target"].browse(
                self.target_id
            ).unlink()  # keys and outbox rows go by cascade

    def _worker(self, barrier, processed, retries):
        """Deliver batches in fresh transactions until no row is left, retrying a
        transaction PostgreSQL refuses for concurrency (as Odoo's cron would)."""
        barrier.wait()
        while True:
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    outbox = env["prs.cache.outbox"].browse(self.row_ids)
                    batch = outbox._prs_deliver(limit=BATCH, force=True)
                    ids = batch.ids
                    left = outbox.search_count(
                        [("id", "in", self.row_ids), ("state", "in", ("pending", "failed"))]
                    )
            except TransactionRollbackError as error:
                self.assertIn(
                    error.pgcode, (errorcodes.SERIALIZATION_FAILURE, errorcodes.DEADLOCK_DETECTED)
                )
                retries.append(error.pgcode)
                continue
            processed.extend(ids)
            if not left:
                return
            if not ids:
                time.sleep(0.01)  # the other worker holds the remaining rows

    def _run_workers(self):
        barrier = threading.Barrier(WORKERS)
        processed = [[] for __ in range(WORKERS)]
        retries = []
        threads = [
            threading.Thread(
                target=self._worker, args=(barrier, processed[index], retries), daemon=True
            )
            for index in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
            self.assertFalse(thread.is_alive(), "a delivery worker hung")
        return processed, retries

    def _redis_deliveries(self):
        """Scripts run by the Redis server: one per write sent (counted server-side)."""
        stats = self.redis.client().info("commandstats")
        return sum(
            stats.get(name, {}).get("calls", 0) for name in ("cmdstat_evalsha", "cmdstat_eval")
        )

    def test_two_workers_deliver_each_write_once(self):
        """Both workers take part; each write is processed by one of them, once."""
        processed, __ = self._run_workers()
        everything = processed[0] + processed[1]
        self.assertEqual(sorted(everything), sorted(self.row_ids), "lost or duplicated writes")
        self.assertTrue(processed[0] and processed[1], "both workers should deliver")
        self.assertEqual(self._redis_deliveries(), WRITES)

    def test_every_write_in_redis_once(self):
        """Redis holds every key with its payload; every row is done after one attempt."""
        self._run_workers()
        client = self.redis.client()
        values = client.mget([f"prs:mw:master:k{index}" for index in range(WRITES)])
        self.assertEqual(values, [f'{{"n": {index}}}' for index in range(WRITES)])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT state, attempts, count(*) FROM prs_cache_outbox WHERE id IN %s"
                " GROUP BY state, attempts",
                [tuple(self.row_ids)],
            )
            self.assertEqual(cr.fetchall(), [("done", 1, WRITES)])
