import json
import uuid
import xmlrpc.client

from odoo.tests import HttpCase, tagged
from odoo.tools import config

from .common import PrsFixtureMixin


@tagged("post_install", "-at_install", "prs", "prs_api_key")
class TestApiKeyIntake(PrsFixtureMixin, HttpCase):
    """The API workers' integration user: only the API group, no password, an API key;
    it calls prs_submit over XML-RPC and can read nothing else (README "API workers")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("apikey")
        cls.program = cls._create_program("APIKEY-1")
        cls.flow = cls._create_flow(cls.program)
        cls.step = cls.flow.step_ids.sorted("sequence")[0]
        # As the README shows: a user with the API group only (not an internal user),
        # no password, and a key generated for it.
        cls.worker = cls.env["res.users"].create(
            {
                "name": "PRS API worker",
                "login": "prs_apikey_worker",
                "groups_id": [(6, 0, [cls.env.ref("prs_base.group_prs_api").id])],
            }
        )
        cls.key = (
            cls.env["res.users.apikeys"].with_user(cls.worker)._generate("rpc", "PRS API workers")
        )

    def _proxy(self, service):
        return xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{config['http_port']}/xmlrpc/2/{service}", allow_none=True
        )

    def _execute(self, model, method, *args, key=None, **kwargs):
        return self._proxy("object").execute_kw(
            self.env.cr.dbname, self.worker.id, key or self.key, model, method, list(args), kwargs
        )

    def _payload(self, **values):
        payload = {
            "submission_id": str(uuid.uuid4()),
            "program_id": self.program.id,
            "flow_id": self.flow.id,
            "step_id": self.step.id,
            "form_version": self.step.form_id.current_version_id.version,
            "answers": self.personal_answers(),
        }
        payload.update(values)
        return payload

    def test_worker_has_no_password_and_no_user_type(self):
        """The integration user stores no password and is not an internal user."""
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [self.worker.id])
        self.assertFalse(self.env.cr.fetchone()[0])
        self.assertFalse(self.worker.has_group("base.group_user"))
        self.assertFalse(self.worker.has_group("base.group_portal"))

    def test_authenticate_with_key(self):
        """XML-RPC authenticate accepts the API key and refuses a wrong one."""
        common = self._proxy("common")
        dbname = self.env.cr.dbname
        self.assertEqual(
            common.authenticate(dbname, self.worker.login, self.key, {}), self.worker.id
        )
        self.assertFalse(common.authenticate(dbname, self.worker.login, "not-the-key", {}))

    def test_submit_with_key(self):
        """prs_submit over XML-RPC with the key gives a structured answer, and the call
        is in the intake log with the caller's address."""
        payload = self._payload(form_version=42)
        result = self._execute("event.registration", "prs_submit", payload)
        self.assertEqual(result["ok"], False)
        self.assertEqual(result["errors"][0]["code"], "unknown_version")
        log = self.env["prs.intake.log"].search([("submission_id", "=", payload["submission_id"])])
        self.assertEqual(log.user_id, self.worker)
        self.assertEqual(log.remote_addr, "127.0.0.1")
        self.assertEqual(log.endpoint, "/xmlrpc/2/object")
        self.assertIn("xmlrpc", log.user_agent.lower())
        # the call is counted in the metrics (by code) and its duration observed
        metrics = self.env["prs.metrics"]._prs_render()
        self.assertRegex(
            metrics, r'prs_intake_calls_total\{code="unknown_version",result="error"\} \d'
        )
        self.assertRegex(metrics, r"prs_intake_duration_seconds_count [1-9]")

    def test_submit_with_key_over_jsonrpc(self):
        """The same key works over JSON-RPC; the call is logged with its address too."""
        payload = self._payload(form_version=42)
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    self.worker.id,
                    self.key,
                    "event.registration",
                    "prs_submit",
                    [payload],
                ],
            },
        }
        response = self.url_open(
            "/jsonrpc",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "User-Agent": "prs-worker/1.0"},
        )
        result = response.json()["result"]
        self.assertEqual(result["errors"][0]["code"], "unknown_version")
        log = self.env["prs.intake.log"].search([("submission_id", "=", payload["submission_id"])])
        self.assertEqual((log.user_id, log.remote_addr), (self.worker, "127.0.0.1"))
        self.assertEqual((log.user_agent, log.endpoint), ("prs-worker/1.0", "/jsonrpc"))

    def test_wrong_key_refused(self):
        """A wrong key cannot call anything."""
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self._execute("event.registration", "prs_submit", self._payload(), key="0" * 40)
        self.assertIn("Access Denied", caught.exception.faultString)

    def test_key_reads_nothing_else(self):
        """The same key cannot read partners, programs, registrations or the intake log."""
        for model in ("res.partner", "event.event", "event.registration", "prs.intake.log"):
            with self.subTest(model=model), self.assertRaises(xmlrpc.client.Fault) as caught:
                self._execute(model, "search_read", [], fields=["id"], limit=1)
            self.assertIn("You are not allowed to access", caught.exception.faultString)
