"""Integration events end to end: the API worker registers, pays and cancels over real
XML-RPC (intake and worker methods, README "Worker methods"); an ERP consumer group reads
every state change and the payment from the real Redis stream ``<prefix>:events``, in
order, valid ``prs.event/1``, with no answer nor personal data (README "Redis contract",
*Events*). The test server's cursor runs no after-commit hook, so the outbox's cron
delivers the events here (the after-commit path is ``prs_cache_sync``'s test)."""

import json
import uuid

from common import GROUP_API, PrsHttpCase, validate_schema, xmlrpc_object

from odoo.tests import tagged


@tagged("post_install", "-at_install", "prs", "prs_events")
class TestRegistrationEvents(PrsHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = cls.env["res.users"].create(
            {
                "name": "API Worker",
                "login": "ev_api_worker",
                "groups_id": [(6, 0, cls.env.ref(GROUP_API).ids)],
            }
        )
        cls.api_key = (
            cls.env["res.users.apikeys"].with_user(cls.api_user)._generate("rpc", "EV workers")
        )
        cls.target = cls.use_redis(cls.env, cls.redis_server)
        cls.stream = f"{cls.target._prs_get_prefix()}:events"
        cls.redis = cls.redis_server.client()
        cls.form = cls.simple_form(cls.env, "ev_about")
        cls.eur = cls.env.ref("base.EUR")
        cls.program = cls.create_program(cls.env, "EV-1", prs_fee=80.0, prs_currency_id=cls.eur.id)
        cls.flow = cls.create_flow(
            cls.env,
            cls.program,
            [
                cls.step("about", 10, form=cls.form),
                cls.step("pay", 20, step_type="payment"),
                cls.step("confirm", 30, form=cls.form),
            ],
            publish=True,
        )
        cls.about, cls.pay, cls.confirm = cls.flow.step_ids.sorted("sequence")

    def rpc(self, method, payload):
        result = xmlrpc_object().execute_kw(
            self.env.cr.dbname,
            self.api_user.id,
            self.api_key,
            "event.registration",
            method,
            [payload],
        )
        self.assertTrue(result["ok"], result)
        return result

    def submit(self, step, registration_id=None, token=None):
        payload = {
            "submission_id": str(uuid.uuid4()),
            "program_id": self.program.id,
            "flow_id": self.flow.id,
            "step_id": step.id,
            "form_version": self.form.current_version_id.version,
            "answers": {"name": "Asha Rao"},
        }
        if registration_id:
            payload.update(registration_id=registration_id, continuation_token=token)
        return self.rpc("prs_submit", payload)

    def test_worker_journey_reaches_the_consumer_group(self):
        """Register, pay, finish and cancel over XML-RPC: the group reads four events of
        the registration, seq 1 to 4, each acknowledged once."""
        self.redis.xgroup_create(self.stream, "erp", id="$", mkstream=True)
        first = self.submit(self.about)
        registration_id, token = first["registration_id"], first["continuation_token"]
        paid = self.rpc(
            "prs_record_payment",
            {
                "operation_id": str(uuid.uuid4()),
                "registration_id": registration_id,
                "continuation_token": token,
                "step_id": self.pay.id,
                "reference": "pi_ev_1",
                "amount": 80.0,
                "currency": "EUR",
                "provider": "stripe",
            },
        )
        self.assertEqual(paid["next_step_id"], self.confirm.id)
        self.submit(self.confirm, registration_id, token)
        self.rpc(
            "prs_cancel_registration",
            {
                "operation_id": str(uuid.uuid4()),
                "registration_id": registration_id,
                "continuation_token": token,
                "reason": "Plans changed",
            },
        )
        # the test server's cursor runs no after-commit hook: the cron delivers
        self.env["prs.cache.outbox"]._cron_deliver()
        reply = self.redis.xreadgroup("erp", "erp-1", {self.stream: ">"}, count=100)
        entries = [(entry_id, fields) for __, items in reply for entry_id, fields in items]
        events = [json.loads(fields["event"]) for __, fields in entries]
        for event in events:
            validate_schema(event, "prs.event.1.json")
            self.assertNotIn("Asha", json.dumps(event))
        mine = [e for e in events if e["registration_id"] == registration_id]
        self.assertEqual(
            [(e["seq"], e["type"], e["old_state"], e["new_state"]) for e in mine],
            [
                (1, "state_changed", None, "in_progress"),
                (2, "payment_recorded", "in_progress", "in_progress"),
                (3, "state_changed", "in_progress", "submitted"),
                (4, "state_changed", "submitted", "cancelled"),
            ],
        )
        self.assertEqual(mine[1]["payment"]["reference"], "pi_ev_1")
        self.assertEqual(mine[1]["step"], {"id": self.pay.id, "code": "pay"})
        self.assertEqual(mine[0]["program"], {"id": self.program.id, "code": "EV-1"})
        self.assertEqual(self.redis.xack(self.stream, "erp", *[i for i, __ in entries]), 4)
        self.assertEqual(self.redis.xpending(self.stream, "erp")["pending"], 0)
