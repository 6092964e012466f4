import json
import os
from datetime import timedelta
from unittest.mock import patch

from prometheus_client.parser import text_string_to_metric_families

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.prs_cache_sync.tools import redis_io
from odoo.addons.prs_cache_sync.tools import settings as prs_settings

from .common import PrsCacheCase, RedisServer


def snapshot(client, keys):
    """``{key: value}`` of ``keys``: strings as JSON without ``published_at`` (the
    moment of writing), lists as their items."""
    values = {}
    for key in keys:
        if client.type(key) == "list":
            values[key] = client.lrange(key, 0, -1)
        else:
            payload = json.loads(client.get(key))
            payload.pop("published_at", None)
            values[key] = payload
    return values


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_operations")
class TestRecovery(PrsCacheCase):
    def test_rebuild_after_loss(self):
        """Redis loses everything: Resync then Verify bring every key back, equal."""
        self.publish()
        self.sync_all()
        before = snapshot(self.redis_client, self.data_keys())
        self.assertGreater(len(before), 3)
        self.redis_client.flushall()
        self.assertFalse(self.data_keys())
        self.target.action_resync()
        self.commit_hooks()
        self.assertEqual(snapshot(self.redis_client, self.data_keys()), before)
        wizard = self.env["prs.cache.verify"].create({"target_ids": [(6, 0, self.target.ids)]})
        wizard._prs_run()
        self.assertFalse(wizard.line_ids, wizard.line_ids.mapped("key"))
        self.assertEqual(wizard.ok_count, wizard.checked_count)
        self.assertGreaterEqual(wizard.ok_count, len(before))


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_operations")
class TestEnvironments(PrsCacheCase):
    def test_target_environment_defaults_to_database(self):
        self.assertEqual(self.target.environment, "production")
        self.env["ir.config_parameter"].set_param("prs_cache_sync.environment", "uat")
        target = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "UAT", "url": self.redis.url})
        )
        self.assertEqual(target.environment, "uat")

    def test_other_environment_refused(self):
        """A UAT database never writes to a production target: the writes fail with a
        clear error, Test Connection refuses, nothing reaches Redis."""
        self.env["ir.config_parameter"].set_param("prs_cache_sync.environment", "uat")
        self.publish()
        self.assertFalse(self.data_keys())
        rows = self.env["prs.cache.outbox"].search([("target_id", "=", self.target.id)])
        self.assertEqual(set(rows.mapped("state")), {"failed"})
        self.assertIn("serves production, this database is uat", self.target.last_error)
        self.assertIn("serves production", self.target.environment_error)
        with self.assertRaisesRegex(UserError, "serves production"):
            self.target.action_test_connection()
        __, report = self.env["prs.cache.target"]._prs_health()
        self.assertIn("target Test Redis serves production, database is uat", report["problems"])

    def test_uat_restore_of_production(self):
        """A production backup restored on a UAT server (odoo.conf / PRS_ENVIRONMENT say
        uat, the restored system parameter and targets say production) cannot write the
        production keys until its targets are reconfigured."""
        self.env["ir.config_parameter"].set_param("prs_cache_sync.environment", "production")
        self.publish()
        key = self.step_key(self.flow.step_ids[0])
        published = self.redis_client.get(key)
        self.assertTrue(published)
        with patch.dict(os.environ, {"PRS_ENVIRONMENT": "uat"}):
            self.flow.step_ids[0].name = "Changed in UAT"
            self.commit_hooks()
            self.assertEqual(self.redis_client.get(key), published)
            self.target.action_retry_now()
            self.assertEqual(self.redis_client.get(key), published)
            # reconfigured: the target now serves UAT (its URL would change too)
            self.target.environment = "uat"
            self.target.action_retry_now()
            self.assertEqual(self.get_json(key)["step"]["name"], "Changed in UAT")

    def test_unknown_environment(self):
        self.env["ir.config_parameter"].set_param("prs_cache_sync.environment", "staging")
        self.assertIn("Unknown environment", self.target.environment_error)


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_operations")
class TestDeliveryIsolation(PrsCacheCase):
    def test_bad_config_url_does_not_block_others(self):
        """A PRS_REDIS_URL redis-py refuses (ValueError) marks its target failed with
        backoff; the next target still receives everything."""
        with patch.dict(os.environ, {"PRS_REDIS_URL": "redis://127.0.0.1:1/0?socket_timeout=x"}):
            bad = (
                self.env["prs.cache.target"]
                .with_context(prs_cache_no_initial_sync=True)
                .create({"name": "Bad conf", "use_config": True, "sequence": 0})
            )
            self.publish()
            self.assertTrue(self.redis_client.get(self.step_key(self.flow.step_ids[0])))
            rows = self.env["prs.cache.outbox"].search([("target_id", "=", bad.id)])
            self.assertEqual(set(rows.mapped("state")), {"failed"})
            self.assertTrue(all(row.next_attempt > fields.Datetime.now() for row in rows))
            self.assertIn("not accepted by redis-py", bad.last_error)
            # the cron runs through every target whatever one of them raises
            self.env["prs.cache.outbox"]._prs_deliver(force=True)

    def test_unexpected_error_isolated(self):
        """Any exception of one target (not only Redis errors) fails only its rows."""
        other = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Other", "url": self.redis.url, "key_prefix": "prs:other"})
        )
        original = type(other)._prs_versions_key

        def broken(target):
            if target == self.target:
                raise RuntimeError("boom")
            return original(target)

        with patch.object(type(other), "_prs_versions_key", broken):
            self.publish()
        self.assertTrue(self.redis_client.keys("prs:other:*"))
        self.assertFalse(self.redis_client.keys("prs:t:*"))
        self.assertIn("boom", self.target.last_error)

    def test_password_decoded_and_redacted(self):
        """Percent-encoded passwords are decoded as redis-py does; ?password= is moved
        out of the URL and masked wherever a URL is shown."""
        self.assertEqual(
            prs_settings.split_password("redis://:p%40ss%2Fw@127.0.0.1:6379/0"),
            ("redis://127.0.0.1:6379/0", "p@ss/w"),
        )
        self.assertEqual(
            prs_settings.split_password("redis://127.0.0.1:6379/0?password=s%26x&db=0"),
            ("redis://127.0.0.1:6379/0?db=0", "s&x"),
        )
        self.assertEqual(
            prs_settings.redact("rediss://h:6380/0?db=0&password=abc&x=1"),
            "rediss://h:6380/0?db=0&password=***&x=1",
        )
        secret = "p@ss/w&rd"
        server = RedisServer(password=secret).start()
        self.addCleanup(server.cleanup)
        target = (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create(
                {
                    "name": "Encoded",
                    "url": f"redis://127.0.0.1:{server.port}/0?password=p%40ss%2Fw%26rd",
                    "key_prefix": "prs:enc",
                }
            )
        )
        self.assertNotIn("p%40ss", target.url)
        self.assertNotIn("password", target.effective_url)
        self.publish()
        self.assertTrue(server.client().keys("prs:enc:*"))
        with patch.dict(os.environ, {"PRS_REDIS_URL": "redis://:p%40ss%2Fw%26rd@127.0.0.1:1/0"}):
            conf_target = (
                self.env["prs.cache.target"]
                .with_context(prs_cache_no_initial_sync=True)
                .create({"name": "Conf", "use_config": True})
            )
            self.assertEqual(conf_target._prs_get_settings()["password"], secret)
            self.assertNotIn("p%40ss", conf_target.effective_url)
        redis_io.drop_clients()


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_operations")
class TestMetricsText(PrsCacheCase):
    def test_metrics_parse(self):
        """The exposition parses (prometheus_client) and holds the outbox, delivery,
        drift and environment series."""
        self.publish()
        self.sync_all()
        self.redis_client.delete(self.step_key(self.flow.step_ids[0]))
        wizard = self.env["prs.cache.verify"].create({"target_ids": [(6, 0, self.target.ids)]})
        wizard._prs_run()
        self.redis.stop()
        self.flow.step_ids[0].name = "Waits"
        self.commit_hooks()
        text = self.env["prs.metrics"]._prs_render()
        families = {family.name: family for family in text_string_to_metric_families(text)}
        label = {"target": "Test Redis", "target_id": str(self.target.id)}

        backlog = [s for s in families["prs_cache_outbox_backlog"].samples if s.labels == label]
        self.assertGreaterEqual(backlog[0].value, 1)
        failed = [s for s in families["prs_cache_outbox_failed"].samples if s.labels == label]
        self.assertGreaterEqual(failed[0].value, 1)
        drift = [s for s in families["prs_cache_verify_drift"].samples if s.labels == label]
        self.assertEqual(drift[0].value, 1)
        latency = families["prs_cache_delivery_latency_seconds"]
        self.assertEqual(latency.type, "histogram")
        counts = [
            s.value for s in latency.samples if s.name.endswith("_count") and s.labels == label
        ]
        self.assertGreaterEqual(counts[0], 1)
        buckets = [
            s.value
            for s in latency.samples
            if s.name.endswith("_bucket") and s.labels["target"] == "Test Redis"
        ]
        self.assertEqual(buckets, sorted(buckets))  # cumulative
        self.assertEqual(buckets[-1], counts[0])
        writes = families["prs_cache_writes"]
        self.assertEqual(writes.type, "counter")
        self.assertEqual(
            [s.labels["environment"] for s in families["prs_environment_info"].samples],
            ["production"],
        )
        openmetrics = self.env["prs.metrics"]._prs_render(openmetrics=True)
        from prometheus_client.openmetrics.parser import (
            text_string_to_metric_families as openmetrics_families,
        )

        self.assertIn(
            "prs_cache_writes", {family.name for family in openmetrics_families(openmetrics)}
        )

    def test_failed_delivery_backoff_timedelta(self):
        """Failures back off (the next attempt is in the future)."""
        self.redis.stop()
        self.publish()
        rows = self.env["prs.cache.outbox"].search([("target_id", "=", self.target.id)])
        self.assertTrue(rows)
        self.assertTrue(
            all(row.next_attempt >= fields.Datetime.now() + timedelta(seconds=20) for row in rows)
        )
