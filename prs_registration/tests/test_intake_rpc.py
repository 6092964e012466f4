import json
import uuid
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from .common import PrsFixtureMixin, check_contract


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntakeRpc(PrsFixtureMixin, HttpCase):
    """prs_submit over real XML-RPC and JSON-RPC against the test HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("rpc")
        cls.api_user = new_test_user(cls.env, login="prs_rpc_api", groups="prs_base.group_prs_api")
        cls.program = cls._create_program("RPC-1")
        cls.flow = cls._create_flow(cls.program)
        cls.steps = cls.flow.step_ids.sorted("sequence")

    def _payload(self, step, answers, registration_id=None, form_version=None, token=None):
        payload = {
            "submission_id": str(uuid.uuid4()),
            "program_id": self.program.id,
            "flow_id": self.flow.id,
            "step_id": step.id,
            "form_version": form_version or step.form_id.current_version_id.version,
            "answers": answers,
        }
        if registration_id:
            payload["registration_id"] = registration_id
        if token:
            payload["continuation_token"] = token
        return payload

    def _xmlrpc(self, model, method, *args):
        proxy = xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{config['http_port']}/xmlrpc/2/object", allow_none=True
        )
        result = proxy.execute_kw(
            self.env.cr.dbname, self.api_user.id, "prs_rpc_api", model, method, list(args)
        )
        if method == "prs_submit":
            check_contract("prs.submit.response.1.json", result)
        return result

    def test_xmlrpc_every_step(self):
        """Over XML-RPC the API user walks personal -> health -> terms to submitted."""
        personal, health, terms = self.steps
        answers = self.personal_answers(age=65)
        first = self._xmlrpc("event.registration", "prs_submit", self._payload(personal, answers))
        self.assertTrue(first["ok"], first)
        self.assertEqual(first["next_step_id"], health.id)
        registration_id, token = first["registration_id"], first["continuation_token"]
        second = self._xmlrpc(
            "event.registration",
            "prs_submit",
            self._payload(health, {"allergies": "pollen"}, registration_id, token=token),
        )
        self.assertEqual(second["next_step_id"], terms.id)
        payload = self._payload(terms, {"accept": True}, registration_id, token=token)
        third = self._xmlrpc("event.registration", "prs_submit", payload)
        self.assertEqual(
            third, {"ok": True, "registration_id": registration_id, "next_step_id": False}
        )
        # a replay over the wire returns the same answer
        self.assertEqual(self._xmlrpc("event.registration", "prs_submit", payload), third)
        registration = self.env["event.registration"].browse(registration_id)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertEqual(registration.answers["health"], {"allergies": "pollen"})

    def test_xmlrpc_continuation_token(self):
        """Over XML-RPC a later step needs the first step's continuation token: without
        it the payload is malformed, with another registration's token (or a made-up
        one) the registration is unknown; replaying the first step returns the same
        token, and the token is stored nowhere in clear."""
        personal, health, __ = self.steps
        first_payload = self._payload(personal, self.personal_answers(age=65))
        first = self._xmlrpc("event.registration", "prs_submit", first_payload)
        other = self._xmlrpc(
            "event.registration", "prs_submit", self._payload(personal, self.personal_answers())
        )
        token = first["continuation_token"]
        self.assertGreaterEqual(len(token), 43)
        self.assertNotEqual(token, other["continuation_token"])
        self.assertEqual(self._xmlrpc("event.registration", "prs_submit", first_payload), first)
        registration_id = first["registration_id"]
        health_answers = {"allergies": "pollen"}
        refused = self._xmlrpc(
            "event.registration",
            "prs_submit",
            self._payload(health, health_answers, registration_id),
        )
        self.assertEqual(refused["errors"][0]["code"], "malformed", refused)
        self.assertIn("continuation_token", refused["errors"][0]["message"])
        for wrong in (other["continuation_token"], "x" * 43, token[:-1]):
            refused = self._xmlrpc(
                "event.registration",
                "prs_submit",
                self._payload(health, health_answers, registration_id, token=wrong),
            )
            self.assertEqual(refused["errors"][0]["code"], "unknown_registration", refused)
        accepted = self._xmlrpc(
            "event.registration",
            "prs_submit",
            self._payload(health, health_answers, registration_id, token=token),
        )
        self.assertTrue(accepted["ok"], accepted)
        self.assertNotIn("continuation_token", accepted)
        self.env.cr.execute(
            "SELECT count(*) FROM event_registration r, event_registration_submission s"
            " WHERE r.prs_token_hash = %s OR s.continuation_token_sealed = %s"
            " OR s.result::text LIKE %s",
            [token, token, f"%{token}%"],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_xmlrpc_structured_error(self):
        """A refused submission comes back as a structured error, not a fault."""
        personal = self.steps[0]
        payload = self._payload(personal, self.personal_answers(), form_version=42)
        result = self._xmlrpc("event.registration", "prs_submit", payload)
        self.assertFalse(result["ok"])
        self.assertEqual(result["errors"][0]["code"], "unknown_version")
        self.assertEqual(result["errors"][0]["field"], False)
        malformed = self._xmlrpc("event.registration", "prs_submit", "garbage")
        self.assertEqual(malformed["errors"][0]["code"], "malformed")

    def test_xmlrpc_api_user_nothing_else(self):
        """Over XML-RPC the API user is refused anything but prs_submit."""
        for model, method, args in [
            ("event.registration", "search_read", [[]]),
            ("event.event", "search_read", [[]]),
            ("res.partner", "search_read", [[]]),
            ("res.users", "write", [[self.env.ref("base.user_admin").id], {"name": "x"}]),
            ("event.registration", "create", [{"event_id": self.program.id}]),
        ]:
            with (
                self.subTest(model=model, method=method),
                self.assertRaises(xmlrpc.client.Fault) as caught,
            ):
                self._xmlrpc(model, method, *args)
            self.assertIn("You are not allowed to", caught.exception.faultString)

    def test_jsonrpc_submit(self):
        """The same contract over JSON-RPC (/jsonrpc, service object, execute_kw)."""
        personal = self.steps[0]
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    self.api_user.id,
                    "prs_rpc_api",
                    "event.registration",
                    "prs_submit",
                    [self._payload(personal, self.personal_answers())],
                ],
            },
        }
        response = self.url_open(
            "/jsonrpc", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        result = response.json()["result"]
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["next_step_id"], self.steps[2].id)
