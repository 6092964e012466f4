import os
import threading
import time
from unittest.mock import patch

import requests
from prometheus_client.parser import text_string_to_metric_families

from odoo.tests import HttpCase, tagged

from odoo.addons.prs_cache_sync.controllers import health
from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tools import redis_io

from .common import RedisServer
from .redis_server import SilentServer

PASSWORD = "h6-health-s3cret"
TOKEN = "h6-monitoring-token"


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_health")
class TestHealth(HttpCase):
    """GET /prs/health against a private redis-server (with a password) as the only
    active target."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis = RedisServer(password=PASSWORD).start()
        cls.addClassCleanup(cls.redis.stop)
        cls.addClassCleanup(redis_io.drop_clients)
        cls.env["prs.cache.target"].search([]).action_archive()
        cls.target = (
            cls.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create(
                {
                    "name": "Health Redis",
                    "url": f"redis://:{PASSWORD}@127.0.0.1:{cls.redis.port}/0",
                    "key_prefix": "prs:h6health",
                }
            )
        )
        cls.cron = cls.env.ref("prs_cache_sync.ir_cron_prs_cache_deliver")
        cls.cron.lastcall = "2026-01-02 03:04:05"
        cls.env["ir.config_parameter"].set_param("prs_cache_sync.monitoring_token", TOKEN)

    def setUp(self):
        super().setUp()
        prs_cache_target._DOWN_UNTIL.clear()
        health.clear_cache()
        redis_io.drop_clients()
        if not self.redis.process:
            self.redis.start()

    def _get(self, token=TOKEN):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.url_open("/prs/health", headers=headers)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        return response, response.json()

    def _queue_write(self, age_seconds):
        """One pending write queued ``age_seconds`` ago."""
        key = self.env["prs.cache.key"].create(
            {"name": "prs:h6health:1", "target_id": self.target.id, "kind": "program"}
        )
        row = self.env["prs.cache.outbox"].create(
            {"target_id": self.target.id, "key_id": key.id, "key": key.name, "op": "delete"}
        )
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE prs_cache_outbox
                  SET create_date = (now() at time zone 'utc') - %s * interval '1 second'
                WHERE id = %s""",
            [age_seconds, row.id],
        )
        return row

    def test_healthy(self):
        """With Redis up and no backlog the probe answers 200 with every part."""
        response, report = self._get()
        self.assertEqual(response.status_code, 200, report)
        self.assertEqual(report["status"], "ok")
        self.assertEqual(report["database"], {"ok": True, "environment": "production"})
        [target] = report["targets"]
        self.assertEqual(
            (target["id"], target["name"], target["ok"]), (self.target.id, "Health Redis", True)
        )
        self.assertIsInstance(target["latency_ms"], float)
        self.assertEqual(report["outbox"]["backlog"], 0)
        self.assertIsNone(report["outbox"]["oldest_pending_age_s"])
        self.assertEqual(report["cron"], {"active": True, "last_run": "2026-01-02 03:04:05"})

    def test_no_secrets(self):
        """The answer names targets only: no URL, host, port or password."""
        response, __ = self._get()
        for secret in (PASSWORD, "redis://", f":{self.redis.port}", "127.0.0.1"):
            self.assertNotIn(secret, response.text)

    def test_redis_stopped(self):
        """With the target's Redis stopped the probe answers 503 and names the target."""
        self.redis.stop()
        response, report = self._get()
        self.assertEqual(response.status_code, 503, report)
        self.assertEqual(report["status"], "fail")
        self.assertFalse(report["targets"][0]["ok"])
        self.assertIn("target Health Redis unreachable", report["problems"])
        self.assertNotIn(PASSWORD, response.text)

    def test_recent_backlog_is_healthy(self):
        """A pending write younger than the threshold is reported, still 200."""
        self._queue_write(5)
        response, report = self._get()
        self.assertEqual(response.status_code, 200, report)
        self.assertEqual(report["outbox"]["backlog"], 1)
        self.assertGreaterEqual(report["outbox"]["oldest_pending_age_s"], 5)

    def test_old_backlog_unhealthy(self):
        """A pending write older than prs_cache_sync.health_max_pending_age gives 503."""
        self.env["ir.config_parameter"].set_param("prs_cache_sync.health_max_pending_age", "60")
        self._queue_write(120)
        response, report = self._get()
        self.assertEqual(response.status_code, 503, report)
        self.assertEqual(report["problems"], ["outbox backlog too old"])
        self.assertEqual(report["outbox"]["max_age_s"], 60)

    def test_archived_target_ignored(self):
        """Archived targets are neither pinged nor counted (with none active, the probe
        says that nothing is published, not that a target is unreachable)."""
        self.redis.stop()
        self.target.action_archive()
        response, report = self._get()
        self.assertEqual(response.status_code, 503, report)
        self.assertEqual(report["targets"], [])
        self.assertEqual(
            report["problems"],
            ["default target archived and no other active target: nothing is published"],
        )

    def test_public_answer_is_status_only(self):
        """Without the token (or a wrong one) the answer is the status only."""
        for token in (None, "wrong"):
            response, report = self._get(token)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(report, {"status": "ok"})
        self.redis.stop()
        health.clear_cache()
        response, report = self._get(None)
        self.assertEqual((response.status_code, report), (503, {"status": "fail"}))

    def test_administrator_session_gets_details(self):
        self.authenticate("admin", "admin")
        response, report = self._get(None)
        self.assertIn("targets", report)

    def test_cached(self):
        """Within the cache time a second request reuses the first report: no ping."""
        self._get()
        self.redis.stop()
        response, report = self._get()
        self.assertEqual(response.status_code, 200, report)
        health.clear_cache()
        response, report = self._get()
        self.assertEqual(response.status_code, 503, report)

    def test_missing_encryption_key(self):
        """A sensitive field and no encryption key: unhealthy, and said so."""
        form = self.env["form.form"].create({"name": "S", "code": "h7_sensitive", "title": "S"})
        page = self.env["form.page"].create({"form_id": form.id, "code": "p", "title": "P"})
        section = self.env["form.section"].create({"page_id": page.id, "code": "s", "title": "S"})
        self.env["form.field"].create(
            {
                "section_id": section.id,
                "code": "passport",
                "field_type": "text",
                "label": "Passport",
                "sensitive": True,
            }
        )
        with patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": ""}):
            response, report = self._get()
        self.assertEqual(response.status_code, 503, report)
        self.assertIn("encryption key missing", report["problems"])

    def test_archived_default_without_other_target(self):
        """No active target (the default one archived): publishing writes nothing, the
        probe says so."""
        self.target.action_archive()
        response, report = self._get()
        self.assertEqual(response.status_code, 503, report)
        self.assertIn(
            "default target archived and no other active target: nothing is published",
            report["problems"],
        )

    def test_metrics_token(self):
        """/prs/metrics: 403 without the token, Prometheus text with it."""
        self.assertEqual(self.url_open("/prs/metrics").status_code, 403)
        wrong = self.url_open("/prs/metrics", headers={"Authorization": "Bearer nope"})
        self.assertEqual(wrong.status_code, 403)
        response = self.url_open("/prs/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        names = {family.name for family in text_string_to_metric_families(response.text)}
        self.assertIn("prs_cache_outbox_backlog", names)
        om = self.url_open(
            "/prs/metrics",
            headers={
                "Accept": "application/openmetrics-text; version=1.0.0",
                "Authorization": f"Bearer {TOKEN}",
            },
        )
        self.assertTrue(om.text.endswith("# EOF\n"))

    def test_token_in_query_string_ignored(self):
        """The token is taken from the Authorization header only: a ``?token=`` (which
        access logs record with the URL) gives neither metrics nor details."""
        self.assertEqual(self.url_open(f"/prs/metrics?token={TOKEN}").status_code, 403)
        response = self.url_open(f"/prs/health?token={TOKEN}")
        self.assertEqual(response.json(), {"status": "ok"})

    def _hung_targets(self, count=3):
        """``count`` active targets on a Redis that accepts connections and never
        answers, with 5-second socket timeouts: each PING waits longer than the deadline."""
        silent = SilentServer()
        self.addCleanup(silent.close)
        return (
            self.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create(
                [
                    {
                        "name": f"Hung {n}",
                        "url": silent.url,
                        "key_prefix": f"prs:h6hung{n}",
                        "socket_timeout": 5,
                    }
                    for n in range(count)
                ]
            )
        )

    def test_hung_targets_within_deadline(self):
        """Three hung targets are pinged in parallel under one deadline: the probe
        answers 503 within about 3 s, naming each of them (sequential pings took 15 s)."""
        self._hung_targets()
        started = time.monotonic()
        response, report = self._get()
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, prs_cache_target.HEALTH_PING_DEADLINE + 1.0, report)
        self.assertEqual(response.status_code, 503, report)
        hung = [target for target in report["targets"] if target["name"].startswith("Hung")]
        self.assertEqual([target["error"] for target in hung], ["timeout"] * 3)
        for n in range(3):
            self.assertIn(f"target Hung {n} unreachable", report["problems"])

    def test_concurrent_probes_do_not_serialize(self):
        """Ten probes at once while three targets hang: one request refreshes, the
        others get its report (or the last one) without pinging: all ten are answered
        within twice the deadline."""
        self._hung_targets()
        cookies = self.opener.cookies
        url = self.base_url() + "/prs/health"
        answers = []

        def probe():
            with requests.Session() as session:
                session.cookies.update(cookies)
                answers.append(session.get(url, timeout=30).status_code)

        threads = [threading.Thread(target=probe) for __ in range(10)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        self.assertEqual(answers, [503] * 10)
        self.assertLess(elapsed, 2 * prs_cache_target.HEALTH_PING_DEADLINE, elapsed)

    def test_refresh_in_progress_answers_last_report(self):
        """While another request refreshes an expired report, a probe gets the last
        report at once instead of waiting for (or repeating) the pings."""
        self._hung_targets()
        dbname = self.env.cr.dbname
        health._CACHE[dbname] = (time.monotonic() - 60, True, {"status": "ok"})
        lock = health._db_lock(dbname)
        lock.acquire()  # a refresh in progress in another request
        try:
            started = time.monotonic()
            response, report = self._get(None)
            elapsed = time.monotonic() - started
        finally:
            lock.release()
        self.assertEqual((response.status_code, report), (200, {"status": "ok"}))
        self.assertLess(elapsed, 1.0)
        # with no refresh running, the expired report is refreshed: the hung targets show
        response, report = self._get(None)
        self.assertEqual((response.status_code, report), (503, {"status": "fail"}))
