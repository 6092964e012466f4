import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.prs_intake_log import PrsIntakeLog
from .common import PrsFixtureMixin


@tagged("post_install", "-at_install", "prs", "prs_intake_log")
class TestIntakeLog(PrsFixtureMixin, TransactionCase):
    """Every prs_submit call leaves a row in prs.intake.log."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("ilog")
        cls.api_user = new_test_user(cls.env, login="prs_ilog_api", groups="prs_base.group_prs_api")
        cls.administrator = new_test_user(
            cls.env, login="prs_ilog_adm", groups="prs_base.group_prs_administrator"
        )
        cls.coordinator = new_test_user(
            cls.env, login="prs_ilog_crd", groups="prs_base.group_prs_coordinator"
        )
        cls.program = cls._create_program("ILOG-1")
        cls.flow = cls._create_flow(cls.program)
        cls.step_personal = cls.flow.step_ids.sorted("sequence")[0]
        cls.Registration = cls.env["event.registration"]
        cls.Log = cls.env["prs.intake.log"]

    def _enter_test_mode(self):
        """Let the log's separate cursor share this test's transaction (as HttpCase
        does), so its rows are visible here and rolled back with the test."""
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)

    def _log_of(self, submission_id):
        return self.Log.search([("submission_id", "=", submission_id)])

    def test_ok_call_logged(self):
        """An accepted call is logged with its user, ids, result and duration."""
        self._enter_test_mode()
        payload = self.payload()
        result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        log = self._log_of(payload["submission_id"])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.result, "ok")
        self.assertFalse(log.error_codes)
        self.assertEqual(log.user_id, self.api_user)
        self.assertEqual(
            (log.program_id, log.flow_id, log.step_id, log.registration_id),
            (self.program.id, self.flow.id, self.step_personal.id, result["registration_id"]),
        )
        self.assertGreaterEqual(log.duration_ms, 0)
        self.assertTrue(log.call_date)
        self.assertFalse(log.remote_addr, "no HTTP request, no address")

    def test_error_call_logged(self):
        """A refused call is logged with its distinct error codes."""
        self._enter_test_mode()
        payload = self.payload(form_version=42)
        result = self.submit(payload)
        self.assertFalse(result["ok"], result)
        log = self._log_of(payload["submission_id"])
        self.assertEqual(log.result, "error")
        self.assertIn("unknown_version", log.error_codes.split(","))
        self.assertFalse(log.registration_id)

    def test_malformed_call_logged(self):
        """A payload that is not even an object is logged as refused (malformed)."""
        self._enter_test_mode()
        before = self.Log.search_count([])
        result = self.submit("garbage")
        self.assertFalse(result["ok"])
        logs = self.Log.search([], order="id desc", limit=1)
        self.assertEqual(self.Log.search_count([]), before + 1)
        self.assertEqual((logs.result, logs.error_codes), ("error", "malformed"))
        self.assertFalse(logs.submission_id)

    def test_log_failure_does_not_break_call(self):
        """When the log cannot be written the call still answers normally."""
        self._enter_test_mode()
        payload = self.payload()

        def broken_insert(self, vals):
            raise RuntimeError("log table unavailable")

        with (
            patch.object(PrsIntakeLog, "_prs_insert_query", broken_insert),
            self.assertLogs("odoo.addons.prs_registration.models.prs_intake_log", "WARNING"),
        ):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertFalse(self._log_of(payload["submission_id"]))
        self.assertTrue(self.Registration.browse(result["registration_id"]).exists())

    def test_log_survives_rollback(self):
        """A call whose transaction rolls back (here: refused with an AccessError) is
        still logged: the row is committed on its own cursor."""
        submission_id = f"ilog-rollback-{uuid.uuid4()}"
        admin_id = self.env.ref("base.user_admin").id  # committed, not an API user
        with self.registry.cursor() as cr:
            env = api.Environment(cr, admin_id, {})
            with self.assertRaises(AccessError):
                env["event.registration"].prs_submit(
                    {"submission_id": submission_id, "program_id": 1, "answers": {}}
                )
            cr.rollback()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            logs = env["prs.intake.log"].search([("submission_id", "=", submission_id)])
            found = [(log.result, log.error_codes, log.user_id.id) for log in logs]
            logs.unlink()  # committed data of this test: clean it up
        self.assertEqual(found, [("error", "access_denied", admin_id)])

    def _old_rows(self):
        now = fields.Datetime.now()
        return self.Log.create(
            [
                {"call_date": now - timedelta(days=40), "result": "ok", "submission_id": "old"},
                {"call_date": now - timedelta(days=10), "result": "ok", "submission_id": "mid"},
                {"call_date": now - timedelta(days=1), "result": "error", "submission_id": "new"},
            ]
        )

    def test_purge_default_retention(self):
        """The daily cron deletes rows older than 30 days and keeps the others."""
        self.env["ir.config_parameter"].set_param("prs_registration.intake_log_days", "")
        old, mid, new = self._old_rows()
        self.env.ref("prs_registration.ir_cron_prs_intake_log_purge").method_direct_trigger()
        self.assertFalse(old.exists())
        self.assertEqual((mid | new).exists(), mid | new)

    def test_purge_configured_retention(self):
        """prs_registration.intake_log_days shortens the retention."""
        self.env["ir.config_parameter"].set_param("prs_registration.intake_log_days", "5")
        old, mid, new = self._old_rows()
        self.Log._cron_purge()
        self.assertEqual((old | mid | new).exists(), new)

    def test_administrator_reads_and_deletes(self):
        """PRS administrators read the log and may delete rows, not edit them."""
        log = self._old_rows()[2]
        as_admin = log.with_user(self.administrator)
        self.assertEqual(as_admin.read(["submission_id"])[0]["submission_id"], "new")
        with self.assertRaises(AccessError):
            as_admin.write({"result": "ok"})
        with self.assertRaises(AccessError):
            self.Log.with_user(self.administrator).create(
                {"call_date": fields.Datetime.now(), "result": "ok"}
            )
        as_admin.unlink()
        self.assertFalse(log.exists())

    def test_others_cannot_read(self):
        """Neither the API user nor a coordinator can read the log."""
        log = self._old_rows()[2]
        for user in (self.api_user, self.coordinator):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                log.with_user(user).read(["submission_id"])
