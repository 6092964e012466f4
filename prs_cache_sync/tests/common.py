import json
import os
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tools import redis_io, schemas

from .redis_server import RedisServer, free_port, stop_process, wait_until_ready

# the Redis server helpers are re-exported for the tests that import them from here
__all__ = [
    "CommittedOutboxCase",
    "PrsCacheCase",
    "RedisServer",
    "free_port",
    "load_schema",
    "start_private_redis",
    "stop_process",
    "wait_until_ready",
]

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas")


def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as schema_file:
        return json.load(schema_file)


def start_private_redis(cls, test_mode=True, persistent=False):
    """Start ``cls.redis``, a private redis-server for the test class ``cls``, stopped
    (directory removed) after the class, and drop the cached Redis clients then.
    ``test_mode``: after-commit delivery opens a new cursor, in test mode the test
    cursor; off for tests whose transactions commit in cursors of their own.
    ``persistent``: append-only file (fsync always), for restart tests."""
    cls.redis = RedisServer(persistent=persistent).start()
    cls.addClassCleanup(cls.redis.cleanup)
    if test_mode:
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
    cls.addClassCleanup(redis_io.drop_clients)


class CommittedOutboxCase(TransactionCase):
    """A private Redis outside test mode (the tests' transactions commit in cursors of
    their own) and committed outbox fixtures, for concurrency tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_redis(cls, test_mode=False)

    def commit_outbox(self, name, prefix, payloads):
        """Commit a target ``name`` on ``self.redis`` (key prefix ``prefix``) with one master
        key ``<prefix>:master:<suffix>`` and one pending ``set`` row (version 1000 + its
        index) per ``(suffix, payload)`` of ``payloads``, removed after the test: the other
        transactions of a concurrency test must see them. Return (target id, row ids)."""
        prs_cache_target._DOWN_UNTIL.clear()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"prs_cache_no_initial_sync": True})
            target = env["prs.cache.target"].create(
                {"name": name, "url": self.redis.url, "key_prefix": prefix}
            )
            keys = env["prs.cache.key"].create(
                [
                    {"name": f"{prefix}:master:{suffix}", "target_id": target.id, "kind": "master"}
                    for suffix, __ in payloads
                ]
            )
            rows = env["prs.cache.outbox"].create(
                [
                    {
                        "target_id": target.id,
                        "key_id": key.id,
                        "key": key.name,
                        "op": "set",
                        "payload": payload,
                        "version": 1000 + index,
                    }
                    for index, (key, (__, payload)) in enumerate(zip(keys, payloads, strict=True))
                ]
            )
            target_id, row_ids = target.id, rows.ids

        def drop_fixtures():
            with self.registry.cursor() as cr:
                # the keys and the outbox rows go by cascade
                api.Environment(cr, SUPERUSER_ID, {})["prs.cache.target"].browse(target_id).unlink()

        self.addCleanup(drop_fixtures)
        return target_id, row_ids


class PrsCacheCase(TransactionCase):
    """A private Redis, one target on it (every other target archived), users, and a
    published program: form ``personal`` (published), flow ``main`` with a form step,
    a payment step and a confirmation step."""

    #: the private Redis keeps an append-only file (restart tests)
    redis_persistent = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_redis(cls, persistent=cls.redis_persistent)
        cls.env["prs.cache.target"].search([]).action_archive()
        # Tests start from an empty Redis: no initial push of the existing masters.
        cls.target = (
            cls.env["prs.cache.target"]
            .with_context(prs_cache_no_initial_sync=True)
            .create({"name": "Test Redis", "url": cls.redis.url, "key_prefix": "prs:t"})
        )
        cls.admin = new_test_user(
            cls.env, "prs_cache_admin", groups="prs_base.group_prs_administrator"
        )
        cls.configurator = new_test_user(
            cls.env,
            "prs_cache_configurator",
            groups="prs_base.group_prs_configurator",
        )
        cls.coordinator = new_test_user(
            cls.env, "prs_cache_coordinator", groups="prs_base.group_prs_coordinator"
        )
        cls.form = cls._create_form("personal")
        cls.form.action_publish()
        cls.event = cls.env["event.event"].create(
            {
                "name": "Retreat",
                "prs_code": "RET_CACHE",
                "date_begin": datetime.now() + timedelta(days=30),
                "date_end": datetime.now() + timedelta(days=32),
            }
        )
        cls.flow = cls.env["event.flow"].create(
            {
                "event_id": cls.event.id,
                "code": "main",
                "name": "Main",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 1,
                            "code": "personal",
                            "name": "You",
                            "step_type": "form",
                            "form_id": cls.form.id,
                        },
                    ),
                    (
                        0,
                        0,
                        {"sequence": 2, "code": "pay", "name": "Payment", "step_type": "payment"},
                    ),
                    (
                        0,
                        0,
                        {
                            "sequence": 3,
                            "code": "done",
                            "name": "Done",
                            "step_type": "confirmation",
                        },
                    ),
                ],
            }
        )
        cls.env.flush_all()

    @classmethod
    def _create_form(cls, code):
        form = cls.env["form.form"].create({"name": code.title(), "code": code, "title": "You"})
        page = cls.env["form.page"].create({"form_id": form.id, "code": "p1", "title": "Page"})
        section = cls.env["form.section"].create(
            {"page_id": page.id, "code": "s1", "title": "About you"}
        )
        cls.env["form.field"].create(
            [
                {
                    "section_id": section.id,
                    "sequence": 1,
                    "code": "age",
                    "field_type": "integer",
                    "label": "Age",
                    "required": True,
                },
                {
                    "section_id": section.id,
                    "sequence": 2,
                    "code": "passport",
                    "field_type": "text",
                    "label": "Passport",
                    "condition": "age >= 18",
                },
                {
                    "section_id": section.id,
                    "sequence": 3,
                    "code": "guardian",
                    "field_type": "text",
                    "label": "Guardian",
                    "condition": "age < 18",
                },
            ]
        )
        return form

    def setUp(self):
        super().setUp()
        prs_cache_target._DOWN_UNTIL.clear()
        if not self.redis.process:
            self.redis.start()
        self.redis_client = self.redis.client()
        self.redis_client.flushall()

    # Helpers ---------------------------------------------------------------------------

    def commit_hooks(self):
        """What the real commit does after the transaction: run the postcommit hooks."""
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.postcommit.run()
        self.env.invalidate_all()

    def step_key(self, step, target=None):
        prefix = (target or self.target)._prs_get_prefix()
        return f"{prefix}:{step.flow_id.event_id.id}:{step.flow_id.id}:{step.id}"

    def program_key(self, event=None, target=None):
        prefix = (target or self.target)._prs_get_prefix()
        return f"{prefix}:{(event or self.event).id}"

    def get_json(self, key, client=None):
        raw = (client or self.redis_client).get(key)
        return json.loads(raw) if raw is not None else None

    def data_keys(self, client=None):
        """Keys in Redis, without the versions hash and the catalogue."""
        return {
            key
            for key in (client or self.redis_client).keys("*")
            if not key.endswith((":meta:versions", ":programs"))
        }

    def step_keys(self, step, target=None, langs=("en_US",)):
        """The default-language key of a step and its ``<key>:<lang>`` keys."""
        key = self.step_key(step, target)
        return {key} | {f"{key}:{lang}" for lang in langs}

    def sync_all(self):
        """Push everything the database publishes (masters from the module data, other
        published programs), so that a global Verify starts in sync."""
        self.env["prs.cache.key"]._prs_sync_all(targets=self.target)
        self.commit_hooks()

    def publish(self, flows=None):
        (flows or self.flow).action_publish()
        self.commit_hooks()

    def assertValid(self, payload, schema_name):
        schemas.validate(payload, schema_name)
