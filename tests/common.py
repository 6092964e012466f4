"""Fixtures shared by the cross-module tests of ``tests/``.

- :class:`RedisServer` (the suite's one helper, ``prs_cache_sync/tests/redis_server.py``):
  a real ``redis-server`` on a free port (no persistence unless asked), started once per
  session by :func:`session_redis` and stopped at the end (``conftest.py`` and
  ``atexit``); tests that kill Redis start their own.
- :class:`PrsBuilder`: programs, templates, flows and forms built through the real
  models, as a configurator would (the modules' ``FlowBuilder`` and ``FormBuilder``).
- :class:`PrsHttpCase`: one transaction per test; the HTTP server, XML-RPC and Chromium
  run inside it.
- :class:`PrsCommittedCase`: tests that need several cursors, threads or real commits;
  every record it creates is committed and deleted again in ``tearDown`` so the
  database stays reusable.

The files of this directory live outside any addon: their classes carry
``@tagged("post_install", "-at_install", "prs", ...)`` themselves.
"""

import atexit
import json
import uuid
import xmlrpc.client
from contextlib import contextmanager
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests import BaseCase, HttpCase
from odoo.tests.common import get_db_name
from odoo.tools import config

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.addons.prs_cache_sync.tests.redis_server import (  # noqa: F401 - re-exported
    RedisServer,
)
from odoo.addons.prs_event_flow.tests.common import FlowBuilder

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "prs_cache_sync" / "schemas"

GROUP_CONFIGURATOR = "prs_base.group_prs_configurator"
GROUP_COORDINATOR = "prs_base.group_prs_coordinator"
GROUP_ADMINISTRATOR = "prs_base.group_prs_administrator"
GROUP_API = "prs_base.group_prs_api"


_SESSION_REDIS = []


def session_redis():
    """The redis-server of this test session (started on first use)."""
    if not _SESSION_REDIS:
        server = RedisServer().start()
        _SESSION_REDIS.append(server)
        atexit.register(stop_session_redis)
    return _SESSION_REDIS[0]


def stop_session_redis():
    while _SESSION_REDIS:
        _SESSION_REDIS.pop().cleanup()


def load_schema(name):
    """A JSON Schema of the Redis contract (``prs.step.1.json``...)."""
    return json.loads((SCHEMA_DIR / name).read_text())


def validate_schema(payload, name):
    """Raise ``jsonschema.ValidationError`` unless ``payload`` validates."""
    from odoo.addons.prs_cache_sync.tools import schemas

    schemas.validate(payload, name)


def xmlrpc_object():
    """A plain ``xmlrpc.client`` proxy on the test server, as an API worker uses it."""
    return xmlrpc.client.ServerProxy(
        f"http://127.0.0.1:{config['http_port']}/xmlrpc/2/object", allow_none=True
    )


class PrsBuilder(FlowBuilder):
    """The modules' fixture builders (forms, programs, flows through the real models:
    ``FormBuilder``, ``FlowBuilder``) plus what the cross-module tests add; pass a
    configurator's env to build as a configurator."""

    @classmethod
    def simple_form(cls, env, code, publish=True):
        """A one-field form (``name``, text, required) for technical tests."""
        return cls.create_form(
            env, code, [cls.field("name", "text", required=True)], publish=publish
        )

    @classmethod
    def use_redis(cls, env, server, prefix=None):
        """Make ``server`` the only active cache target; return it (its prefix is unique
        unless given)."""
        env["prs.cache.target"].search([]).write({"active": False})
        return env["prs.cache.target"].create(
            {
                "name": f"Test Redis {server.port}",
                "url": server.url,
                "key_prefix": prefix or f"prs:test:{uuid.uuid4().hex[:12]}",
                "socket_timeout": 2.0,
                "connect_timeout": 2.0,
            }
        )


class PrsHttpCase(PrsBuilder, HttpCase):
    """The HTTP server, XML-RPC and Chromium run inside the test transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.redis_server = session_redis()

    def run_postcommit(self):
        """Run what a commit would run: the pre-commit hooks (deferred Redis syncs,
        tracking), then the after-commit ones (the Redis delivery)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.cr.flush()
        self.env.cr.postcommit.run()


class PrsCommittedCase(PrsBuilder, BaseCase):
    """Tests with real commits, several cursors or threads.

    Create records through :meth:`committed_env` and register them with
    :meth:`track` (or :meth:`track_target`); ``tearDown`` removes them, newest first,
    in a committed cursor.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())

    def setUp(self):
        super().setUp()
        self._tracked = []
        self.addCleanup(self._remove_tracked)

    @contextmanager
    def committed_env(self, uid=SUPERUSER_ID, context=None):
        """An environment on a new cursor, committed (and post-commit hooks run) on
        exit, rolled back on error."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, uid, dict(context or {}))

    def track(self, records):
        """Remove ``records`` (model, ids) at the end of the test."""
        self._tracked.append((records._name, list(records.ids)))
        return records

    def _remove_tracked(self):
        with self.committed_env(context={MODULE_UNINSTALL_FLAG: True}) as env:
            for model, ids in reversed(self._tracked):
                records = env[model].with_context(active_test=False).browse(ids).exists()
                if not records:
                    continue
                if model == "form.form":
                    records.with_context(prs_allow_published_write=True).write(
                        {"current_version_id": False, "state": "draft"}
                    )
                if model == "event.event":
                    env["event.registration"].search([("event_id", "in", records.ids)]).unlink()
                if model == "res.users":
                    # the intake log is written on its own committed cursor
                    env["prs.intake.log"].search([("user_id", "in", records.ids)]).unlink()
                if model == "prs.cache.target":
                    env["prs.cache.outbox"].search([("target_id", "in", records.ids)]).unlink()
                    env["prs.cache.key"].search([("target_id", "in", records.ids)]).unlink()
                records.unlink()
            env["prs.cache.target"].with_context(active_test=False).search(
                [("use_config", "=", True)]
            ).write({"active": True})

    def committed_redis_target(self, server, prefix=None):
        """Commit a cache target on ``server`` (the others are archived until the
        end of the test)."""
        with self.committed_env() as env:
            target = self.track(self.use_redis(env, server, prefix))
            target_id, prefix = target.id, target._prs_get_prefix()
        return target_id, prefix
