"""The reference consumer (``tests/node/consumer.js``: Redis and npm jexl 2.3.0 only,
no Odoo) walks registration journeys and agrees with the server at every step.

Programs like the demo's (a retreat with a fee, a free workshop) and generated flows
with skip conditions over earlier answers, hidden fields, program facts, ``today`` (the
program's local date, in time zones whose date is not UTC's) and optional steps are
published to a private Redis; each journey submits every step through ``prs_submit``
(as the API worker), skipping optional steps now and then, and asks the consumer,
which reads nothing but Redis, for the next step: it must be the server's
``next_step_id`` every time, and the server accepts every step the consumer allows.
"""

import json
import random
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from common import GROUP_API, PrsBuilder

from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.prs_cache_sync.models import prs_cache_target
from odoo.addons.prs_cache_sync.tests.common import start_private_redis
from odoo.addons.prs_cache_sync.tools import schemas

NODE_DIR = Path(__file__).resolve().parent / "node"
MIN_JOURNEYS = 200


def _zones_off_utc_date():
    """Time zones whose date differs from UTC's now (+14 from 10:00 UTC, -12 before
    12:00 UTC: at least one of them, whatever the hour)."""
    hour = datetime.now(UTC).hour
    zones = (("Pacific/Kiritimati", hour >= 10), ("Etc/GMT+12", hour < 12))
    return [zone for zone, off_utc_date in zones if off_utc_date]


DATE_ZONES = _zones_off_utc_date()


class Consumer:
    """The Node consumer as a child process speaking JSON lines."""

    def __init__(self, url, prefix):
        node = shutil.which("node")
        assert node, "node is needed by the reference consumer test"
        self.process = subprocess.Popen(
            [node, str(NODE_DIR / "consumer.js"), url, prefix],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=NODE_DIR,
        )

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        assert "error" not in reply, reply
        return reply

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@tagged("post_install", "-at_install", "prs", "prs_contract")
class TestRedisJourneys(PrsBuilder, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_redis(cls)
        cls.target = cls.use_redis(cls.env, cls.redis, prefix="prs:journeys")
        cls.api_user = new_test_user(cls.env, login="w14_journey_api", groups=GROUP_API)
        cls.rng = random.Random(14)
        cls.flows = cls._demo_like_flows() + cls._generated_flows(8)
        cls.env.flush_all()
        cls.env.cr.flush()
        prs_cache_target._DOWN_UNTIL.clear()
        cls.env.cr.postcommit.run()

    # Fixtures --------------------------------------------------------------------------

    @classmethod
    def _demo_like_flows(cls):
        """A retreat with a fee and a free workshop, shaped like the demo program."""
        personal = cls.create_form(
            cls.env,
            "w14_personal",
            [
                cls.field("age", "integer"),
                cls.field("country", "select", choices=("IN", "NP", "US")),
                cls.field("guardian", "text", condition="age < 18"),
                cls.field("diet", "select", choices=("veg", "vegan", "any")),
            ],
            publish=True,
        )
        health = cls.create_form(
            cls.env, "w14_health", [cls.field("allergies", "textarea")], publish=True
        )
        travel = cls.create_form(
            cls.env,
            "w14_travel",
            [cls.field("visa", "boolean"), cls.field("arrival", "text", condition="visa")],
            publish=True,
        )
        terms = cls.create_form(cls.env, "w14_terms", [cls.field("ok", "boolean")], publish=True)
        flows = []
        for code, fee in (("W14RET", 250.0), ("W14WS", 0.0)):
            program = cls.create_program(cls.env, code, prs_fee=fee)
            steps = [
                cls.step("personal", 10, form=personal),
                cls.step("health", 20, form=health, condition="personal.age >= 60"),
                cls.step("travel", 30, form=travel, condition="personal.country != 'IN'"),
                cls.step("terms", 40, form=terms),
                cls.step("payment", 50, step_type="payment", condition="program.fee > 0"),
                cls.step("confirmation", 60, step_type="confirmation"),
            ]
            flows.append(cls.create_flow(cls.env, program, steps, publish=True))
        return flows

    @classmethod
    def _generated_flows(cls, count):
        """``count`` programs, each with a flow of 3 to 6 form steps whose skip
        conditions read earlier answers (hidden fields too) and program facts."""
        rng = cls.rng
        flows = []
        for index in range(count):
            form = cls.create_form(
                cls.env,
                f"w14_gen_{index}",
                [
                    cls.field("n", "integer"),
                    cls.field("b", "boolean"),
                    cls.field("c", "select", choices=("a", "b", "c")),
                    cls.field("x", "integer", condition="n > 5"),
                ],
                publish=True,
            )
            program = cls.create_program(cls.env, f"W14G{index}", prs_fee=rng.choice((0.0, 80.0)))
            steps, earlier = [], []
            if index < len(DATE_ZONES):
                # a time zone whose date is not UTC's now, and a step shown on that date
                zone = DATE_ZONES[index]
                program.date_tz = zone
                local_today = program._prs_today().isoformat()
            for position in range(rng.randint(3, 6)):
                code = f"s{position}"
                condition = cls._condition(earlier) if earlier and rng.random() < 0.7 else False
                if index < len(DATE_ZONES) and position == 1:
                    condition = f"today == '{local_today}'"
                values = cls.step(code, (position + 1) * 10, form=form, condition=condition)
                # optional steps, the participant may skip them
                values["required"] = rng.random() < 0.6
                steps.append(values)
                earlier.append(code)
            steps.append(cls.step("pay", 900, step_type="payment", condition="program.fee > 0"))
            flows.append(cls.create_flow(cls.env, program, steps, publish=True))
        return flows

    @classmethod
    def _condition(cls, earlier):
        rng = cls.rng
        one, two = rng.choice(earlier), rng.choice(earlier)
        options = [
            f"{one}.n > {rng.randint(0, 9)}",
            f"{one}.b",
            f"!{one}.b",
            f"{one}.c == '{rng.choice('abc')}'",
            f"{one}.x > 2",
            f"{one}.n + {two}.n >= {rng.randint(4, 14)}",
            f"{one}.c in ['a', 'b'] || program.fee > 0",
            f"program.fee == 0 && {two}.n < 5",
        ]
        return rng.choice(options)

    # Journeys --------------------------------------------------------------------------

    def _answers(self, step):
        """Generated answers of one step (every field of its form, hidden ones too)."""
        if step.step_type != "form":
            return {}
        rng = self.rng
        values = {
            "age": rng.choice((12, 30, 65, 70)),
            "country": rng.choice(("IN", "NP", "US")),
            "guardian": "Parent",
            "diet": rng.choice(("veg", "vegan", "any")),
            "allergies": rng.choice(("", "nuts")),
            "visa": rng.random() < 0.5,
            "arrival": "Monday",
            "ok": True,
            "n": rng.randint(0, 10),
            "b": rng.random() < 0.5,
            "c": rng.choice("abc"),
            "x": rng.randint(0, 5),
        }
        codes = [
            field["code"]
            for page in step.form_id.current_version_id.tree["pages"]
            for section in page["sections"]
            for field in section["fields"]
        ]
        return {code: values[code] for code in codes}

    def _walk(self, consumer, flow, number):
        """One journey; return the number of steps compared. The consumer computes
        ``today`` itself, from the program's time zone in Redis."""
        program = flow.event_id
        steps = {step.id: step for step in flow.step_ids}
        registrations = self.env["event.registration"].with_user(self.api_user)
        answers, registration_id, compared, token = {}, None, 0, {}
        ask = {"cmd": "next", "program_id": program.id, "flow_id": flow.id}
        reply = consumer.ask(**ask, current=None, answers=answers)
        self.assertEqual(reply["today"], program._prs_today().isoformat())
        step_id = self._choose(reply)
        while step_id:
            step = steps[step_id]
            step_answers = self._answers(step)
            payload = {
                "submission_id": f"w14-{flow.id}-{number}-{step.code}",
                "program_id": program.id,
                "flow_id": flow.id,
                "step_id": step.id,
                "form_version": step.form_id.current_version_id.version or 0,
                "answers": step_answers,
            }
            if registration_id:
                payload["registration_id"] = registration_id
                payload.update(token)
            result = registrations.prs_submit(payload)
            self.assertTrue(result["ok"], (flow.event_id.prs_code, step.code, result))
            registration_id = result["registration_id"]
            if "continuation_token" in result:  # the intake's continuation token
                token = {"continuation_token": result["continuation_token"]}
            answers[step.code] = step_answers
            reply = consumer.ask(**ask, current=step.id, answers=answers)
            self.assertEqual(
                reply["next_step_id"],
                result["next_step_id"],
                f"{program.prs_code} journey {number} after {step.code}: {answers}",
            )
            compared += 1
            step_id = self._choose(reply)
        return compared

    def _choose(self, reply):
        """The step the participant submits next: the next one, or now and then a later
        one the consumer allows (optional steps skipped)."""
        allowed = reply["allowed_step_ids"]
        self.assertEqual(allowed[:1] or [False], [reply["next_step_id"]])
        if len(allowed) > 1 and self.rng.random() < 0.5:
            self.skipped += 1
            return self.rng.choice(allowed[1:])
        return reply["next_step_id"]

    def test_consumer_agrees_with_server_on_every_journey(self):
        """>= 200 journeys over demo-like and generated flows: the consumer, reading
        Redis only, names the server's next step after every submitted step."""
        consumer = Consumer(self.redis.url, self.target._prs_get_prefix())
        self.addCleanup(consumer.close)
        catalogue = consumer.ask(cmd="catalogue")["programs"]
        mine = {flow.event_id.id for flow in self.flows}
        self.assertLessEqual(mine, {entry["id"] for entry in catalogue})
        for entry in (entry for entry in catalogue if entry["id"] in mine):
            self.assertEqual(entry["status"], "open")
            index = consumer.ask(cmd="open", program_id=entry["id"])
            schemas.validate(index, "prs.program.1.json")
        journeys = compared = self.skipped = 0
        per_flow = -(-MIN_JOURNEYS // len(self.flows))
        for flow in self.flows:
            for number in range(per_flow):
                compared += self._walk(consumer, flow, number)
                journeys += 1
        self.assertGreaterEqual(journeys, MIN_JOURNEYS)
        self.assertGreater(compared, 2 * MIN_JOURNEYS)
        self.assertGreater(self.skipped, 20, "journeys skip optional steps")


@tagged("post_install", "-at_install", "prs", "prs_contract")
class TestCapacityState(PrsBuilder, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_redis(cls)
        cls.target = cls.use_redis(cls.env, cls.redis, prefix="prs:capacity")
        form = cls.simple_form(cls.env, "w14_cap")
        cls.program = cls.create_program(cls.env, "W14CAP", seats_limited=True, seats_max=2)
        cls.flow = cls.create_flow(
            cls.env, cls.program, [cls.step("s", 10, form=form)], publish=True
        )

    def commit_hooks(self):
        self.env.flush_all()
        self.env.cr.flush()
        prs_cache_target._DOWN_UNTIL.clear()
        self.env.cr.postcommit.run()
        self.env.invalidate_all()

    def capacity(self):
        raw = self.redis.client().get(f"prs:capacity:{self.program.id}")
        return json.loads(raw)["program"]["capacity"]["state"]

    def test_capacity_state_follows_registrations_once_per_transaction(self):
        """Confirming a burst fills the program: one index write for the transaction,
        after the commit; cancelling one opens it again."""
        self.commit_hooks()
        self.assertEqual(self.capacity(), "open")
        registrations = self.env["event.registration"].create(
            [
                {"event_id": self.program.id, "flow_id": self.flow.id, "prs_state": "submitted"}
                for _i in range(2)
            ]
        )
        key = f"prs:capacity:{self.program.id}"
        outbox = self.env["prs.cache.outbox"]
        before = outbox.search_count([("key_id.name", "=", key)])
        for registration in registrations:  # a burst of state changes, one transaction
            registration.action_prs_confirm()
        self.env.cr.flush()  # the precommit hooks queue the writes
        self.assertEqual(outbox.search_count([("key_id.name", "=", key)]) - before, 1)
        self.assertEqual(self.capacity(), "open", "nothing is written before the commit")
        self.env.cr.postcommit.run()
        self.assertEqual(self.capacity(), "full")
        registrations[0]._prs_cancel("Cannot come")
        self.commit_hooks()
        self.assertEqual(self.capacity(), "open")

    def test_capacity_state_follows_a_deleted_registration(self):
        """Deleting a confirmed registration frees its seat in Redis too."""
        registrations = self.env["event.registration"].create(
            [
                {"event_id": self.program.id, "flow_id": self.flow.id, "prs_state": "submitted"}
                for _i in range(2)
            ]
        )
        registrations.action_prs_confirm()
        self.commit_hooks()
        self.assertEqual(self.capacity(), "full")
        registrations[0].unlink()
        self.commit_hooks()
        self.assertEqual(self.capacity(), "open")
