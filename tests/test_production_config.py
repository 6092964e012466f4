"""The production profile (README "Production"): the example file is safe, odoo.conf stays
the development configuration, and ``make run`` says so when it serves with it."""

import configparser
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from odoo.tests import BaseCase, tagged

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "odoo.production.conf.example"
CHECK = ROOT / "scripts" / "check_master_password.sh"


def read_conf(path):
    conf = configparser.RawConfigParser()
    conf.read(path)
    return conf


@tagged("prs", "prs_production")
class TestProductionConfig(BaseCase):
    def _warning(self, conf_text):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as file:
            file.write(conf_text)
        self.addCleanup(os.unlink, file.name)
        done = subprocess.run(
            ["bash", str(CHECK), file.name], capture_output=True, text=True, check=True
        )
        return done.stderr

    def test_example_is_a_production_profile(self):
        """Database manager off, master password hash from the environment, one database
        (dbfilter), behind a proxy, workers and limits, no demo, no key in the file."""
        options = dict(read_conf(EXAMPLE).items("options"))
        self.assertEqual(options["list_db"], "False")
        self.assertEqual(options["admin_passwd"], "${PRS_ADMIN_PASSWD_HASH}")
        self.assertTrue(options["dbfilter"])
        self.assertEqual(options["proxy_mode"], "True")
        self.assertGreater(int(options["workers"]), 0)
        for limit in (
            "limit_memory_soft",
            "limit_memory_hard",
            "limit_time_cpu",
            "limit_time_real",
        ):
            self.assertGreater(int(options[limit]), 0, limit)
        self.assertEqual(options["without_demo"], "all")
        self.assertEqual(read_conf(EXAMPLE).get("prs_registration", "encryption_key"), "")

    def test_run_warns_with_development_password(self):
        """``make run`` (scripts/run.sh) warns when it serves with the development master
        password, and stays quiet with a hashed one."""
        self.assertIn("check_master_password.sh", (ROOT / "scripts" / "run.sh").read_text())
        self.assertIn(
            "DEVELOPMENT master password", self._warning((ROOT / "odoo.conf").read_text())
        )
        self.assertIn("DEVELOPMENT master password", self._warning("[options]\nlist_db = False\n"))
        self.assertIn(
            "DEVELOPMENT master password",
            self._warning("[options]\nadmin_passwd = s3cret\nlist_db = False\n"),
        )
        hashed = "[options]\nadmin_passwd = $pbkdf2-sha512$600000$abc$def\nlist_db = False\n"
        self.assertEqual(self._warning(hashed), "")

    def test_gevent_worker_starts(self):
        """Production runs prefork (``--workers``), whose long-polling child is Odoo's
        gevent server: it monkey-patches at start, and with the zope packages pip picks by
        default that start died ('zope.interface' distribution not found), so every
        long-polling request failed. The venv's gevent must patch and import its server."""
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from gevent import monkey; monkey.patch_all(); import gevent.pywsgi; print('ok')",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual((done.returncode, done.stdout.strip()), (0, "ok"), done.stderr[-500:])
