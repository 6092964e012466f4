import logging

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tools import redis_io

from .common import RedisServer


@tagged("post_install", "-at_install", "prs", "prs_cache")
class TestDeliveryRace(TransactionCase):
    """The delivery cron races the after-commit delivery: a due row the other
    transaction changed after the cron's snapshot makes PostgreSQL refuse the cron's
    lock (serialisation failure). The cron claims nothing this run, quietly, and the
    next run delivers what is left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis = RedisServer().start()
        cls.addClassCleanup(cls.redis.stop)
        cls.addClassCleanup(redis_io.drop_clients)

    def setUp(self):
        super().setUp()
        prs_cache_target._DOWN_UNTIL.clear()
        # committed fixtures: the racing transactions must see them (removed after)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"prs_cache_no_initial_sync": True})
            target = env["prs.cache.target"].create(
                {"name": "Race Redis", "url": self.redis.url, "key_prefix": "prs:race"}
            )
            key = env["prs.cache.key"].create(
                {"name": "prs:race:master:k", "target_id": target.id, "kind": "master"}
            )
            row = env["prs.cache.outbox"].create(
                {
                    "target_id": target.id,
                    "key_id": key.id,
                    "key": key.name,
                    "op": "set",
                    "payload": '{"n": 1}',
                    "version": 1000,
                }
            )
            self.target_id, self.row_id = target.id, row.id
        self.addCleanup(self._drop_fixtures)

    def _drop_fixtures(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["prs.cache.target"].browse(
                self.target_id
            ).unlink()  # the key and the outbox row go by cascade

    def test_cron_racing_the_after_commit_delivery_claims_nothing_quietly(self):
        with self.registry.cursor() as cron_cr:
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            cron_cr.execute("SELECT 1")  # the cron's snapshot is taken
            with self.registry.cursor() as other_cr:  # the after-commit delivery
                other_cr.execute(
                    "UPDATE prs_cache_outbox SET attempts = attempts + 1 WHERE id = %s",
                    [self.row_id],
                )
            with self.assertNoLogs("odoo.addons.prs_cache_sync", level=logging.INFO):
                processed = cron_env["prs.cache.outbox"].browse(self.row_id)._prs_deliver()
            self.assertFalse(processed)
            cron_cr.execute("SELECT 1")  # the transaction is still usable
        with self.registry.cursor() as next_cr:  # the next run
            rows = api.Environment(next_cr, SUPERUSER_ID, {})["prs.cache.outbox"]
            self.assertEqual(rows.browse(self.row_id)._prs_deliver().ids, [self.row_id])
        self.assertEqual(self.redis.client().get("prs:race:master:k"), '{"n": 1}')
