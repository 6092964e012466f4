"""Two regions served by one Odoo: two databases, each with its own Redis target and key
prefix (on one redis-server, the hardest case), behind one ``odoo-bin`` without a
``dbfilter``. Publishing and intake in one region never touch the other region's keys,
and ``/prs/metrics`` and ``/prs/health`` answer for the database of the request.

Region A is the test database; region B is a copy of it made after the fixtures were
committed (as a region set up from another one's backup: same ids, same users), whose
administrator then points it to its own target. The copy is dropped at the end.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import xmlrpc.client
from contextlib import closing
from pathlib import Path

import requests
from common import GROUP_ADMINISTRATOR, GROUP_API, PrsCommittedCase, RedisServer

import odoo
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, config

from odoo.addons.prs_cache_sync.tests.redis_server import free_port, stop_process, wait_until_ready
from odoo.addons.prs_cache_sync.tools import payloads

INTAKE_OK = re.compile(r'^prs_intake_calls_total\{[^}]*result="ok"[^}]*\} (\S+)$', re.M)
BACKLOG_TARGET = re.compile(r'^prs_cache_outbox_backlog\{[^}]*target="([^"]*)"', re.M)


def snapshot(client):
    """Every key of the server with its serialized value (``DUMP``: any type)."""
    return {key: client.dump(key) for key in client.scan_iter(count=1000)}


def changed_keys(before, after):
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


@tagged("post_install", "-at_install", "prs", "prs_regions")
class TestRegions(PrsCommittedCase):
    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        self.redis = RedisServer().start()
        self.addCleanup(self.redis.cleanup)
        self.client = self.redis.client(decode_responses=False)
        self.db_a = self.registry.db_name
        self.db_b = f"{self.db_a}_region_b_{tag}"
        self.prefix_a, self.prefix_b = f"prs:eu_{tag}", f"prs:us_{tag}"
        self.target_a_name, self.target_b_name = f"Region EU {tag}", f"Region US {tag}"
        # region A: its own target (the others archived until the end), a program with an
        # unpublished flow, its administrator and API worker
        target_a, __ = self.committed_redis_target(self.redis, self.prefix_a)
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_a).name = self.target_a_name
            self.admin_login = f"h18_region_admin_{tag}"
            self.api_login = f"h18_region_api_{tag}"
            self.admin_uid = self.track(
                new_test_user(env, login=self.admin_login, groups=GROUP_ADMINISTRATOR)
            ).id
            self.api_uid = self.track(new_test_user(env, login=self.api_login, groups=GROUP_API)).id
            form = self.track(self.simple_form(env, f"h18_region_{tag}"))
            program = self.track(self.create_program(env, f"H18-REGION-{tag}"))
            flow = self.create_flow(
                env,
                program,
                [
                    self.step("main", 10, form=form),
                    self.step("done", 20, step_type="confirmation"),
                ],
            )
            self.program_id, self.flow_id = program.id, flow.id
            self.step_id = flow.step_ids.sorted("sequence")[0].id
        self._copy_database(self.db_a, self.db_b)
        self.base_url = self._start_server()
        # B's administrator points the copy to its own target and prefix: the copied
        # target of region A is archived, which writes nothing anywhere
        before = snapshot(self.client)
        self.rpc(self.db_b, "prs.cache.target", "write", [target_a], {"active": False})
        self.rpc(
            self.db_b,
            "prs.cache.target",
            "create",
            {"name": self.target_b_name, "url": self.redis.url, "key_prefix": self.prefix_b},
        )
        self.assert_only_region_changed(before, self.prefix_b)

    def _copy_database(self, source, name):
        """Region B: a copy of region A (``CREATE DATABASE ... TEMPLATE``: this process
        closes its idle connections to A first; nothing else uses the test database), with
        a database uuid of its own and A's filestore; dropped at the end."""
        odoo.sql_db.close_db(source)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True  # noqa: SLF001 - CREATE DATABASE runs outside a transaction
            cr.execute(
                SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(name), SQL.identifier(source))
            )
        self.addCleanup(self._drop_database, name)
        with odoo.sql_db.db_connect(name).cursor() as cr:  # committed on exit
            cr.execute(
                SQL(
                    "UPDATE ir_config_parameter SET value = %s WHERE key = 'database.uuid'",
                    str(uuid.uuid4()),
                )
            )
        if os.path.isdir(config.filestore(source)):
            shutil.copytree(config.filestore(source), config.filestore(name))

    @staticmethod
    def _drop_database(name):
        """Drop the copy (``exp_drop`` would not: it only sees the ``-d`` databases)."""
        odoo.modules.registry.Registry.delete(name)
        odoo.sql_db.close_db(name)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True  # noqa: SLF001 - DROP DATABASE runs outside a transaction
            cr.execute(
                SQL(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid != pg_backend_pid()",
                    name,
                )
            )
            cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
        shutil.rmtree(config.filestore(name), ignore_errors=True)

    def _start_server(self):
        """``odoo-bin`` serving both databases (no dbfilter) on a free port."""
        port = free_port()
        log = tempfile.NamedTemporaryFile(prefix="prs-regions-", suffix=".log")  # noqa: SIM115
        self.addCleanup(log.close)
        command = [
            sys.executable,
            str(Path(odoo.__file__).resolve().parent.parent / "odoo-bin"),
            "-c",
            config.rcfile,
            "-d",
            f"{self.db_a},{self.db_b}",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--gevent-port={free_port()}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        ]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.addCleanup(stop_process, process)
        base_url = f"http://127.0.0.1:{port}"
        common = xmlrpc.client.ServerProxy(f"{base_url}/xmlrpc/2/common")
        try:
            wait_until_ready(process, common.version, errors=(OSError,), timeout=60)
        except OSError:
            log.seek(0)
            raise AssertionError(
                f"odoo-bin did not start:\n{log.read().decode()[-3000:]}"
            ) from None
        return base_url

    # ------------------------------------------------------------------ helpers
    def rpc(self, db, model, method, *args, login=None):
        """``execute_kw`` over XML-RPC on the regional server (as the region's PRS
        administrator unless ``login``)."""
        login = login or self.admin_login
        uid = self.api_uid if login == self.api_login else self.admin_uid  # same in both
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(db, uid, login, model, method, list(args))

    def assert_only_region_changed(self, before, prefix):
        """Every key changed since ``before`` is under ``prefix``."""
        changed = changed_keys(before, snapshot(self.client))
        foreign = sorted(key for key in changed if not key.decode().startswith(f"{prefix}:"))
        self.assertFalse(foreign, f"keys outside {prefix}: were touched")
        return changed

    def publish_and_submit(self, db, prefix):
        """Region ``db``: its administrator publishes the flow, its API worker submits
        the first step (the form version read from the region's own step key)."""
        before = snapshot(self.client)
        self.rpc(db, "event.flow", "action_publish", [self.flow_id])
        changed = self.assert_only_region_changed(before, prefix)
        step_key = payloads.step_key(prefix, self.program_id, self.flow_id, self.step_id)
        self.assertIn(step_key.encode(), changed, "the region's step key is published")
        payload = self.client.get(step_key)
        before = snapshot(self.client)
        result = self.rpc(
            db,
            "event.registration",
            "prs_submit",
            {
                "submission_id": f"h18-region-{db}",
                "program_id": self.program_id,
                "flow_id": self.flow_id,
                "step_id": self.step_id,
                "form_version": json.loads(payload)["form"]["version"],
                "answers": {"name": "Mei"},
            },
            login=self.api_login,
        )
        self.assertIs(result["ok"], True, result)
        self.assert_only_region_changed(before, prefix)
        return result

    def region_session(self, db):
        """An HTTP session of the region's PRS administrator on database ``db``."""
        session = requests.Session()
        response = session.post(
            f"{self.base_url}/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"db": db, "login": self.admin_login, "password": self.admin_login},
            },
            timeout=30,
        )
        self.assertNotIn("error", response.json())
        return session

    def metrics(self, db):
        """``(intake calls answered ok, targets with a backlog gauge)`` of region ``db``."""
        response = self.region_session(db).get(f"{self.base_url}/prs/metrics", timeout=30)
        self.assertEqual(response.status_code, 200)
        body = response.text
        return sum(float(value) for value in INTAKE_OK.findall(body)), set(
            BACKLOG_TARGET.findall(body)
        )

    # ------------------------------------------------------------------ the test
    def test_regions_never_touch_each_other(self):
        """Publishing and intake in region A write under A's prefix only, and in region
        B under B's only; each region's metrics and health are its own."""
        ok_a, __ = self.metrics(self.db_a)
        ok_b, __ = self.metrics(self.db_b)
        result_a = self.publish_and_submit(self.db_a, self.prefix_a)
        step_key_b = payloads.step_key(self.prefix_b, self.program_id, self.flow_id, self.step_id)
        self.assertFalse(self.client.exists(step_key_b), "region B's flow is still unpublished")
        result_b = self.publish_and_submit(self.db_b, self.prefix_b)
        # same ids (B is a copy), different databases: one registration in each
        self.assertEqual(result_a["registration_id"], result_b["registration_id"])
        with self.committed_env() as env:
            self.assertEqual(
                env["event.registration"].search_count([("event_id", "=", self.program_id)]), 1
            )
        # metrics per database: each region counted its own call; its active target is
        # its own (B's counters copied from A aside)
        new_ok_a, targets_a = self.metrics(self.db_a)
        new_ok_b, targets_b = self.metrics(self.db_b)
        self.assertEqual((new_ok_a - ok_a, new_ok_b - ok_b), (1, 1))
        self.assertEqual(targets_a, {self.target_a_name})
        self.assertEqual(targets_b, {self.target_b_name})
        for db, mine, other in (
            (self.db_a, self.target_a_name, self.target_b_name),
            (self.db_b, self.target_b_name, self.target_a_name),
        ):
            report = self.region_session(db).get(f"{self.base_url}/prs/health", timeout=30).json()
            names = [target["name"] for target in report["targets"]]
            self.assertIn(mine, names)
            self.assertNotIn(other, names)
