"""Redis faults with real servers and real commits: a redis-server killed and restarted
in the middle of 200 publishes, a Redis that accepts connections and never answers, and
20 publishers of one form racing from their own transactions."""

import json
import random
import threading
import time
import uuid

import psycopg2
from common import PrsCommittedCase, RedisServer, session_redis, validate_schema

from odoo.tests import tagged

from odoo.addons.prs_cache_sync.tests.redis_server import SilentServer
from odoo.addons.prs_cache_sync.tools import payloads

PUBLISHES = 200
KILL_AT, RESTART_AT = 50, 150
PUBLISHERS = 20
SCHEMAS = {"prs.step/1": "prs.step.1.json", "prs.program/1": "prs.program.1.json"}


class RedisFaultCase(PrsCommittedCase):
    def build_program(self, forms=4, publish=True):
        """Commit ``forms`` one-field forms, a program and a flow with one step per form
        (published unless told otherwise); return their ids."""
        tag = uuid.uuid4().hex[:8]
        with self.committed_env() as env:
            form_records = env["form.form"]
            for index in range(forms):
                form_records |= self.track(self.simple_form(env, f"h7_fault_{tag}_{index}"))
            program = self.track(self.create_program(env, f"H7-FAULT-{tag}"))
            flow = self.create_flow(
                env,
                program,
                [
                    self.step(f"s{index}", (index + 1) * 10, form=form)
                    for index, form in enumerate(form_records)
                ],
                publish=publish,
            )
            return form_records.ids, program.id, flow.id

    def publish_new_version(self, form_id, label):
        """A configurator's save: new version of the form, a label changed, published."""
        with self.committed_env() as env:
            form = env["form.form"].browse(form_id)
            form.action_new_version()
            form.field_ids[:1].write({"label": label})
            form.action_publish()

    def deliver(self, target_id):
        """What the cron or the Cache menu's Retry Now does."""
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_id).action_retry_now()

    def assert_redis_equals_database(self, client, target_id, prefix, program_id):
        """Every key the database expects for the program is in Redis, valid against its
        JSON Schema and with the same checksum; no other key of the program is there,
        nothing waits in the outbox, and Verify finds no drift."""
        with self.committed_env() as env:
            program = env["event.event"].browse(program_id)
            expected = {
                entry["key"]: entry
                for entry in program._prs_cache_entries(prefix, "2000-01-01T00:00:00Z")
            }
            pending = env["prs.cache.outbox"].search_count(
                [("target_id", "=", target_id), ("state", "in", ("pending", "failed"))]
            )
            versions = {
                step.id: step.form_id.current_version_id.version
                for step in program.flow_ids.step_ids
            }
            verify = env["prs.cache.verify"].create(
                {"target_ids": [(6, 0, [target_id])], "program_ids": [(6, 0, [program_id])]}
            )
            drift = verify._prs_run()
        self.assertEqual(pending, 0, "writes still waiting in the outbox")
        present = set(client.scan_iter(match=f"{prefix}:{program_id}*"))
        self.assertEqual(present, set(expected))
        for key, entry in expected.items():
            payload = json.loads(client.get(key))
            validate_schema(payload, SCHEMAS[payload["schema"]])
            self.assertEqual(payloads.payload_checksum(payload), entry["checksum"], key)
            if "step" in payload and payload["form"]:
                self.assertEqual(payload["form"]["version"], versions[payload["step"]["id"]])
        self.assertEqual(drift, [])


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_redis_faults")
class TestRedisKilled(RedisFaultCase):
    def test_kill_and_restart_during_publishes(self):
        """redis-server is killed (-9) after 50 of 200 publishes and restarted after 150:
        every save succeeds, nothing is lost, and once delivery runs Redis holds exactly
        what the database says (append-only Redis, as in production)."""
        server = RedisServer(persistent=True).start()
        self.addCleanup(server.cleanup)
        target_id, prefix = self.committed_redis_target(server)
        form_ids, program_id, __ = self.build_program()
        self.assertTrue(server.client().exists(f"{prefix}:{program_id}"))
        for index in range(PUBLISHES):
            if index == KILL_AT:
                server.kill()
            elif index == RESTART_AT:
                # counted while Redis is still down: after the restart, the next publishes
                # may supersede them (how soon depends on the down grace and the speed)
                with self.committed_env() as env:
                    failing = env["prs.cache.outbox"].search_count(
                        [("target_id", "=", target_id), ("state", "in", ("pending", "failed"))]
                    )
                self.assertTrue(failing, "the writes made while Redis was down wait in the outbox")
                server.start()
            self.publish_new_version(form_ids[index % len(form_ids)], f"Name {index}")
        self.deliver(target_id)
        self.assert_redis_equals_database(server.client(), target_id, prefix, program_id)
        step_labels = []
        for key in server.client().scan_iter(match=f"{prefix}:{program_id}:*"):
            if not key.rsplit(":", 1)[1].isdigit():
                continue  # a step's <step key>:<lang> copy
            form = json.loads(server.client().get(key))["form"]
            step_labels.append(form["pages"][0]["sections"][0]["fields"][0]["label"])
        self.assertEqual(
            sorted(step_labels), [f"Name {index}" for index in range(PUBLISHES - 4, PUBLISHES)]
        )


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_redis_faults")
class TestRedisHung(RedisFaultCase):
    TIMEOUT = 1.0

    def test_hung_redis_does_not_hang_a_save(self):
        """With a Redis that accepts connections and never answers, publishing a flow
        returns within the configured timeout (x2 for the one reconnect, plus the
        database's own time), the flow is published and its writes wait in the outbox;
        once Redis answers again, Retry Now delivers them."""
        silent = SilentServer()
        self.addCleanup(silent.close)
        target_id, prefix = self.committed_redis_target(silent)
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_id).write(
                {"socket_timeout": self.TIMEOUT, "connect_timeout": self.TIMEOUT}
            )
        __, program_id, flow_id = self.build_program(forms=1, publish=False)
        # the time the same save takes without Redis in the way (no active target)
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_id).active = False
        baseline = self._timed_publish(flow_id, unpublish_after=True)
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_id).active = True

        elapsed = self._timed_publish(flow_id)
        self.assertLess(elapsed, baseline + 2 * self.TIMEOUT + 1.0)
        with self.committed_env() as env:
            self.assertEqual(env["event.flow"].browse(flow_id).state, "published")
            target = env["prs.cache.target"].browse(target_id)
            self.assertTrue(target.last_error)
            waiting = env["prs.cache.outbox"].search(
                [("target_id", "=", target_id), ("state", "in", ("pending", "failed"))]
            )
            step_keys = {
                payloads.step_key(prefix, program_id, flow_id, step.id)
                for step in env["event.flow"].browse(flow_id).step_ids
            }
            waiting_keys = set(waiting.mapped("key"))
        self.assertLessEqual(
            step_keys | {payloads.program_key(prefix, program_id)},
            waiting_keys,
            "the step key and the program index wait in the outbox",
        )

        server = session_redis()
        with self.committed_env() as env:
            env["prs.cache.target"].browse(target_id).url = server.url
        self.deliver(target_id)
        self.assert_redis_equals_database(server.client(), target_id, prefix, program_id)

    def _timed_publish(self, flow_id, unpublish_after=False):
        """Seconds one flow publish takes, commit and after-commit delivery included;
        fails instead of hanging when it takes more than 30 s."""
        timing = {}

        def save():
            start = time.monotonic()
            with self.committed_env() as env:
                env["event.flow"].browse(flow_id).action_publish()
            timing["elapsed"] = time.monotonic() - start

        thread = threading.Thread(target=save)
        thread.start()
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive(), "the save hangs on Redis")
        self.assertIn("elapsed", timing, "the save failed")
        if unpublish_after:
            with self.committed_env() as env:
                env["event.flow"].browse(flow_id).action_unpublish()
        return timing["elapsed"]


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_redis_faults")
class TestConcurrentPublishers(RedisFaultCase):
    def test_twenty_publishers_of_one_form(self):
        """20 threads publish new versions of one form, each in its own transaction
        (retrying on serialization failures as Odoo's RPC layer does): every version is
        published, Redis never goes back to an older version while they race, and it
        ends on the database's current version."""
        server = session_redis()
        client = server.client()
        target_id, prefix = self.committed_redis_target(server)
        (form_id,), program_id, flow_id = self.build_program(forms=1)
        with self.committed_env() as env:
            step_id = env["event.flow"].browse(flow_id).step_ids.id
        key = payloads.step_key(prefix, program_id, flow_id, step_id)

        barrier = threading.Barrier(PUBLISHERS)
        done = threading.Event()
        failures, seen = [], []

        def publisher(index):
            try:
                barrier.wait(timeout=30)
                for attempt in range(60):
                    try:
                        self.publish_new_version(form_id, f"Publisher {index}")
                        return
                    except (
                        psycopg2.extensions.TransactionRollbackError,
                        psycopg2.IntegrityError,
                    ):
                        time.sleep(random.uniform(0, 0.05 * (attempt + 1)))
                failures.append(f"publisher {index} never got through")
            except Exception as error:  # reported below: a thread must never raise
                failures.append(f"publisher {index}: {error!r}")

        def watcher():
            while not done.is_set():
                raw = client.get(key)
                if raw:
                    seen.append(json.loads(raw)["form"]["version"])
                time.sleep(0.005)

        watch = threading.Thread(target=watcher)
        watch.start()
        threads = [threading.Thread(target=publisher, args=(i,)) for i in range(PUBLISHERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        done.set()
        watch.join(timeout=10)
        self.assertEqual(failures, [])
        self.deliver(target_id)

        with self.committed_env() as env:
            form = env["form.form"].browse(form_id)
            self.assertEqual(len(form.version_ids), PUBLISHERS + 1)
            current = form.current_version_id.version
        self.assertEqual(current, PUBLISHERS + 1)
        self.assertEqual(json.loads(client.get(key))["form"]["version"], current)
        regressions = [(a, b) for a, b in zip(seen, seen[1:], strict=False) if b < a]
        self.assertEqual(regressions, [], "Redis went back to an older version")
        self.assert_redis_equals_database(client, target_id, prefix, program_id)
