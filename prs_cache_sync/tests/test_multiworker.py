import json
import subprocess
import sys
import threading
import time

from psycopg2 import errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tools import config

from .common import CommittedOutboxCase

WRITES = 300
BATCH = 20
WORKERS = 2

# One delivery worker in its own OS process (as an Odoo prefork worker): loads the
# registry, says "ready", waits for "go", drains the rows, prints the ids it delivered.
PROCESS_WORKER = """
import json, sys, time
import odoo
from odoo import SUPERUSER_ID, api
from psycopg2.extensions import TransactionRollbackError

conf, dbname, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
row_ids = json.loads(sys.stdin.readline())
odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])
registry = odoo.modules.registry.Registry(dbname)
print("ready", flush=True)
sys.stdin.readline()
processed = []
while True:
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            outbox = env["prs.cache.outbox"].browse(row_ids)
            ids = outbox._prs_deliver(limit=batch, force=True).ids
            left = outbox.search_count(
                [("id", "in", row_ids), ("state", "in", ("pending", "failed"))]
            )
    except TransactionRollbackError:
        continue
    processed.extend(ids)
    if not left:
        break
    if not ids:
        time.sleep(0.01)
print(json.dumps(processed), flush=True)
"""


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_multiworker")
class TestMultiWorkerDelivery(CommittedOutboxCase):
    """Two delivery workers, each with its own database connection and transactions
    (as two Odoo prefork workers or cron workers), drain one committed outbox: every
    write reaches Redis exactly once, none is lost."""

    def setUp(self):
        super().setUp()
        # Committed fixtures (the workers' transactions must see them), removed after.
        __, self.row_ids = self.commit_outbox(
            "Multi-worker Redis",
            "prs:mw",
            [(f"k{index}", f'{{"n": {index}}}') for index in range(WRITES)],
        )
        self.redis.client().config_resetstat()

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

    def test_two_processes_deliver_each_write_once(self):
        """Two OS processes (each its own registry and connections) drain the outbox
        together: every write is delivered once, by one of them."""
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    PROCESS_WORKER,
                    config.rcfile,
                    self.env.cr.dbname,
                    str(BATCH),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for __ in range(WORKERS)
        ]
        try:
            for process in processes:
                process.stdin.write(json.dumps(self.row_ids) + "\n")
                process.stdin.flush()
            for process in processes:
                self.assertEqual(process.stdout.readline().strip(), "ready")
            for process in processes:  # start together
                process.stdin.write("go\n")
                process.stdin.flush()
            outputs = [process.communicate(timeout=120) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
        for out, err in outputs:
            self.assertTrue(out.strip(), f"a worker process failed: {err[-2000:]}")
        processed = [json.loads(out) for out, __ in outputs]
        self.assertTrue(processed[0] and processed[1], "both processes should deliver")
        self.assertEqual(sorted(processed[0] + processed[1]), sorted(self.row_ids))
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
