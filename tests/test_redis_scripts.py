"""The Redis side of the set-up and test scripts (README "Operations"): `scripts/redis.sh`
warns about a Redis it did not start whose persistence is off, and `scripts/test.sh`
publishes and cleans under its own prefix only."""

import re
import subprocess
from pathlib import Path

from odoo.tests import BaseCase, tagged

from odoo.addons.prs_cache_sync.tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
REDIS_SH = ROOT / "scripts" / "redis.sh"
TEST_SH = ROOT / "scripts" / "test.sh"


@tagged("prs", "prs_operations")
class TestRedisScripts(BaseCase):
    def _persistence_warning(self, server):
        command = f'source "{REDIS_SH}"; prs_check_redis_persistence 127.0.0.1 {server.port}'
        done = subprocess.run(  # noqa: S603 - fixed script, no user input
            ["bash", "-c", command], capture_output=True, text=True, check=True, timeout=30
        )
        return done.stderr

    def test_running_redis_without_persistence_warns(self):
        """A Redis that already answers with ``appendonly no`` is used as it is (never
        reconfigured) but set-up and run say that a restart loses its keys."""
        server = RedisServer().start()  # --appendonly no
        self.addCleanup(server.cleanup)
        warning = self._persistence_warning(server)
        self.assertIn("append-only persistence OFF", warning)
        self.assertIn("config set appendonly yes", warning)
        self.assertEqual(server.client().config_get("appendonly"), {"appendonly": "no"})

    def test_running_redis_with_persistence_is_quiet(self):
        server = RedisServer(persistent=True).start()
        self.addCleanup(server.cleanup)
        self.assertEqual(self._persistence_warning(server), "")

    def test_test_run_uses_its_own_prefix(self):
        """`make test` publishes (install and tests) and deletes keys under
        ``prs:<test database>`` only, whatever odoo.conf's ``key_prefix`` (maybe the
        developer's `make run` database's) or the shell's PRS_REDIS_PREFIX say."""
        script = TEST_SH.read_text()
        export = script.index('export PRS_REDIS_PREFIX="prs:$DB"')
        self.assertLess(export, script.index("-i prs_suite"))
        self.assertLess(export, script.index("python -m pytest"))
        cleanup = script[script.index("clean_redis() {") :]
        self.assertIn('prefix = os.environ["PRS_REDIS_PREFIX"]', cleanup)
        self.assertFalse(re.search(r"key_prefix", cleanup), "the clean-up reads odoo.conf's prefix")
