import logging

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .common import CommittedOutboxCase


@tagged("post_install", "-at_install", "prs", "prs_cache")
class TestDeliveryRace(CommittedOutboxCase):
    """The delivery cron races the after-commit delivery: a due row the other
    transaction changed after the cron's snapshot makes PostgreSQL refuse the cron's
    lock (serialisation failure). The cron claims nothing this run, quietly, and the
    next run delivers what is left."""

    def setUp(self):
        super().setUp()
        # committed fixtures: the racing transactions must see them (removed after)
        __, (self.row_id,) = self.commit_outbox("Race Redis", "prs:race", [("k", '{"n": 1}')])

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
