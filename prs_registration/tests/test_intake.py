import signal
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from psycopg2 import errorcodes

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PrsRegistrationCase, check_contract, make_field

INTAKE_LOGGER = "odoo.addons.prs_registration.models.event_registration"


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntake(PrsRegistrationCase):
    def test_first_step_creates_registration(self):
        """The first step creates an in-progress registration and names the next step."""
        payload = self.payload(answers=self.personal_answers(document=self.pdf_answer()))
        check_contract("prs.submit.request.1.json", payload)
        result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        # age 34: the health step is skipped, terms comes next
        self.assertEqual(result["next_step_id"], self.step_terms.id)
        self.assertEqual(registration.prs_state, "in_progress")
        self.assertEqual(registration.state, "draft")
        self.assertEqual(registration.current_step_id, self.step_personal)
        self.assertEqual(registration.step_versions, {"personal": 1})
        self.assertEqual(registration.answers["personal"]["first_name"], "Asha")
        self.assertEqual(
            set(result), {"ok", "registration_id", "next_step_id", "continuation_token"}
        )

    def test_static_columns_from_mapped_fields(self):
        """Fields mapped to static columns fill them; the name joins first and last."""
        registration = self.Registration.browse(self.submit(self.payload())["registration_id"])
        self.assertEqual(registration.email, "asha@example.com")
        self.assertEqual(registration.prs_first_name, "Asha")
        self.assertEqual(registration.prs_last_name, "Rao")
        self.assertEqual(registration.name, "Asha Rao")

    def test_last_step_submits(self):
        """Answering the last visible step submits the registration (next_step_id false)."""
        first = self.submit(self.payload())
        result = self.submit(
            self.payload(self.step_terms, {"accept": True}, first["registration_id"])
        )
        self.assertEqual(
            result, {"ok": True, "registration_id": first["registration_id"], "next_step_id": False}
        )
        registration = self.Registration.browse(first["registration_id"])
        self.assertEqual(registration.prs_state, "submitted")
        self.assertTrue(registration.prs_submitted_at)
        self.assertEqual(registration.step_versions, {"personal": 1, "terms": 1})

    def test_skip_condition_shows_step(self):
        """A step whose skip condition becomes true is the next step."""
        result = self.submit(self.payload(answers=self.personal_answers(age=70)))
        self.assertEqual(result["next_step_id"], self.step_health.id)

    def test_step_order_refused(self):
        """A visible step that is not the next one is refused with step_order."""
        result = self.submit(self.payload(self.step_terms, {"accept": True}))
        self.assertIntakeError(result, "step_order")
        first = self.submit(self.payload(answers=self.personal_answers(age=70)))
        result = self.submit(
            self.payload(self.step_terms, {"accept": True}, first["registration_id"])
        )
        self.assertIntakeError(result, "step_order")

    def test_step_skipped_refused(self):
        """A step hidden by its skip condition is refused with step_skipped."""
        first = self.submit(self.payload())
        result = self.submit(
            self.payload(self.step_health, {"allergies": "x"}, first["registration_id"])
        )
        self.assertIntakeError(result, "step_skipped")

    def test_validation_errors(self):
        """Each validation rule answers its own error code and field."""
        cases = [
            ({"first_name": None}, "required", "first_name"),
            ({"age": "old"}, "type", "age"),
            ({"age": 200}, "max_value", "age"),
            ({"age": -1}, "min_value", "age"),
            ({"country": "XX"}, "choice", "country"),
            ({"interests": ["ski"]}, "choice", "interests"),
            ({"nickname": "A"}, "unknown_field", "nickname"),
        ]
        for overrides, code, field in cases:
            with self.subTest(code=code, field=field):
                answers = self.personal_answers(**{k: v for k, v in overrides.items() if v})
                for key, value in overrides.items():
                    if value is None:
                        answers.pop(key, None)
                result = self.submit(self.payload(answers=answers))
                self.assertIntakeError(result, code, field)

    def test_file_type_refused(self):
        """A file of a type the field does not allow is refused with file_type."""
        document = dict(self.pdf_answer(), name="virus.exe", mimetype="application/x-msdownload")
        result = self.submit(self.payload(answers=self.personal_answers(document=document)))
        self.assertIntakeError(result, "file_type", "document")

    def test_hidden_field_value_dropped(self):
        """A value for a field hidden by its condition is dropped, never stored."""
        result = self.submit(self.payload(answers=self.personal_answers(country="FR")))
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        self.assertNotIn("passport_no", registration.answers["personal"])

    def test_file_stored_as_attachment(self):
        """A file answer becomes an attachment; the answer keeps a reference, not bytes."""
        result = self.submit(
            self.payload(answers=self.personal_answers(document=self.pdf_answer()))
        )
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        reference = registration.answers["personal"]["document"]
        self.assertEqual(set(reference), {"attachment_id", "name", "mimetype", "size"})
        attachment = self.env["ir.attachment"].browse(reference["attachment_id"])
        self.assertEqual(attachment.res_model, "event.registration")
        self.assertEqual(attachment.res_id, registration.id)
        self.assertEqual(attachment.raw, b"%PDF-1.4 test")
        self.assertEqual(reference["size"], len(b"%PDF-1.4 test"))

    def test_request_schema_matches_checks(self):
        """The published request schema refuses what the server calls malformed."""
        import jsonschema

        good = self.payload()
        check_contract("prs.submit.request.1.json", good)
        for bad in (dict(good, program_id="1"), dict(good, unexpected=1), dict(good, answers=[])):
            with self.subTest(bad=bad), self.assertRaises(jsonschema.ValidationError):
                check_contract("prs.submit.request.1.json", bad)
            self.assertIntakeError(self.submit(bad), "malformed")

    def test_malformed_payloads(self):
        """Malformed payloads get structured errors, never an exception."""
        good = self.payload()
        cases = [
            "not a dict",
            ["a", "list"],
            {k: v for k, v in good.items() if k != "step_id"},
            dict(good, program_id="1"),
            dict(good, form_version=True),
            dict(good, answers=["x"]),
            dict(good, submission_id=""),
            dict(good, registration_id="7"),
            dict(good, unexpected=1),
        ]
        for payload in cases:
            with self.subTest(payload=payload):
                self.assertIntakeError(self.submit(payload), "malformed")

    def test_deep_nesting_is_malformed(self):
        """An answer nested thousands of levels deep is ``malformed`` (the check never
        recurses into it), and an ordinary depth passes that check."""
        deep = "x"
        for _index in range(5000):
            deep = [deep]
        result = self.submit(self.payload(answers=self.personal_answers(first_name=deep)))
        self.assertIntakeError(result, "malformed")
        self.assertIn("nests deeper", result["errors"][0]["message"])
        self.assertIntakeError(self.submit(deep), "malformed")  # the payload itself
        shallow = self.submit(self.payload(answers=self.personal_answers(first_name=[["x"]])))
        self.assertNotEqual(shallow["errors"][0]["code"], "malformed")

    def test_payload_too_large(self):
        """A payload over the size bound is refused with payload_too_large."""
        answers = self.personal_answers(first_name="x" * (300 * 1024))
        self.assertIntakeError(self.submit(self.payload(answers=answers)), "payload_too_large")

    def test_unknown_ids(self):
        """Unknown program, flow, step or registration are named errors."""
        self.assertIntakeError(self.submit(self.payload(program_id=999999)), "unknown_program")
        self.assertIntakeError(
            self.submit(self.payload(flow_id=self.other_flow.id)), "unknown_flow"
        )
        other_step = self.other_flow.step_ids[0]
        self.assertIntakeError(self.submit(self.payload(step_id=other_step.id)), "unknown_step")
        self.assertIntakeError(
            self.submit(
                self.payload(self.step_terms, {"accept": True}, 999999, continuation_token="A" * 43)
            ),
            "unknown_registration",
        )

    def test_unknown_version(self):
        """A version number the form never had is refused with unknown_version."""
        self.assertIntakeError(self.submit(self.payload(form_version=99)), "unknown_version")

    def test_retired_version(self):
        """An older version is accepted during the grace period, refused after it."""
        form = self.form_personal
        newer = self._publish(
            form, [("about", "About", None, [("identity", "Identity", [make_field("first_name")])])]
        )
        self.assertEqual(form.current_version_id, newer)
        result = self.submit(self.payload(form_version=1))
        self.assertTrue(result["ok"], result)
        newer.sudo().write({"published_at": fields.Datetime.now() - timedelta(days=1)})
        self.assertIntakeError(self.submit(self.payload(form_version=1)), "unknown_version")

    def test_version_cycle_keeps_intake(self):
        """Drafting the next version never stops intake: v1 stays live while v2 is
        drafted, v1 is accepted for the grace period after v2 is published, refused
        after it (naming the current version), and v2 is accepted at once."""
        form = self.form_personal.with_user(self.configurator)
        self.assertEqual(form.version, 1)
        self.assertTrue(self.submit(self.payload(form_version=1))["ok"])
        form.action_new_version()
        self.assertEqual(form.state, "draft")
        result = self.submit(self.payload(form_version=1))
        self.assertTrue(result["ok"], result)
        self.assertIntakeError(self.submit(self.payload(form_version=2)), "unknown_version")
        form.action_publish()
        self.assertEqual((form.state, form.version), ("published", 2))
        result = self.submit(self.payload(form_version=1))
        self.assertTrue(result["ok"], result)
        self.assertTrue(self.submit(self.payload(form_version=2))["ok"])
        # the grace period (default 60 minutes) is over
        form.current_version_id.sudo().write(
            {"published_at": fields.Datetime.now() - timedelta(minutes=61)}
        )
        result = self.submit(self.payload(form_version=1))
        self.assertIntakeError(result, "unknown_version")
        self.assertIn("current version is 2", result["errors"][0]["message"])
        self.assertTrue(self.submit(self.payload(form_version=2))["ok"])
        # a draft of v3 keeps v2 live, and v1 stays refused
        form.action_new_version()
        self.assertTrue(self.submit(self.payload(form_version=2))["ok"])
        self.assertIntakeError(self.submit(self.payload(form_version=1)), "unknown_version")

    def test_archived_form_takes_no_answers(self):
        """An archived form is not live: not_published."""
        self.form_personal.action_archive()
        self.assertIntakeError(self.submit(self.payload(form_version=1)), "not_published")

    def test_unpublished_flow(self):
        """A flow that is not published takes no submission."""
        self.flow.sudo().write({"state": "draft"})
        self.assertIntakeError(self.submit(self.payload()), "not_published")

    def test_closed_window(self):
        """Outside the registration window the program is closed."""
        self.program.write(
            {
                "prs_registration_opens_at": fields.Datetime.now() + timedelta(days=1),
                "prs_registration_closes_at": fields.Datetime.now() + timedelta(days=2),
            }
        )
        self.assertIntakeError(self.submit(self.payload()), "closed")

    def test_full_program(self):
        """A full program without waitlist refuses new registrations; tests pass."""
        self.program.write({"seats_limited": True, "seats_max": 1})
        self.register().action_prs_confirm()
        self.assertIntakeError(self.submit(self.payload()), "full")
        self.assertTrue(self.submit(self.payload(test=True))["ok"])
        self.program.write({"prs_waitlist_allowed": True})
        self.assertTrue(self.submit(self.payload())["ok"])

    def test_replay_returns_first_result(self):
        """The same submission id twice returns the first result and writes nothing."""
        payload = self.payload()
        first = self.submit(payload)
        count = self.Registration.search_count([])
        submissions = self.env["event.registration.submission"].search_count([])
        again = self.submit(dict(payload))
        self.assertEqual(first, again)
        self.assertEqual(self.Registration.search_count([]), count)
        self.assertEqual(self.env["event.registration.submission"].search_count([]), submissions)

    def test_duplicate_submission_other_body(self):
        """The same submission id with another body is refused."""
        payload = self.payload()
        self.assertTrue(self.submit(payload)["ok"])
        other = dict(payload, answers=self.personal_answers(first_name="Other"))
        self.assertIntakeError(self.submit(other), "duplicate_submission")

    def test_failure_writes_nothing(self):
        """When storing fails halfway, the registration and attachments roll back."""
        count = self.Registration.search_count([])
        attachments = self.env["ir.attachment"].search_count([])
        with (
            patch.object(
                type(self.Registration), "_prs_static_values", side_effect=RuntimeError("boom")
            ),
            mute_logger(INTAKE_LOGGER),
        ):
            result = self.submit(
                self.payload(answers=self.personal_answers(document=self.pdf_answer()))
            )
        self.assertIntakeError(result, "internal_error")
        self.assertEqual(self.Registration.search_count([]), count)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)

    def test_concurrency_failure_is_retried(self):
        """A serialization failure propagates so that Odoo's RPC layer retries the call."""

        class SerializationFailure(psycopg2.OperationalError):
            pgcode = errorcodes.SERIALIZATION_FAILURE

        with (
            patch.object(
                type(self.Registration), "_prs_intake", side_effect=SerializationFailure()
            ),
            self.assertRaises(psycopg2.OperationalError),
        ):
            self.submit(self.payload())

    def test_query_budget(self):
        """A warm intake call stays within its query budget (first and last step)."""
        self.register()  # warm-up: caches, prepared templates, ...
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        first = self.submit(self.payload())
        self.assertTrue(first["ok"], first)
        self.assertLessEqual(self.cr.sql_log_count - before, 40)
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        last = self.submit(
            self.payload(self.step_terms, {"accept": True}, first["registration_id"])
        )
        self.assertTrue(last["ok"], last)
        self.assertLessEqual(self.cr.sql_log_count - before, 40)
        before = self.cr.sql_log_count
        self.submit(self.payload(answers="not an object"))
        self.assertLessEqual(self.cr.sql_log_count - before, 3)

    def test_registration_closed_for_answers(self):
        """A submitted registration takes no more step answers."""
        registration = self.register()
        result = self.submit(self.payload(self.step_terms, {"accept": True}, registration))
        self.assertIntakeError(result, "registration_closed")

    def test_sensitive_answer_encrypted_at_rest(self):
        """The database row of a sensitive answer holds no plaintext."""
        result = self.submit(self.payload())
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT answers::text FROM event_registration WHERE id = %s",
            [result["registration_id"]],
        )
        raw = self.env.cr.fetchone()[0]
        self.assertNotIn("NID-998877", raw)
        self.assertIn("$enc", raw)
        registration = self.Registration.browse(result["registration_id"])
        self.assertEqual(registration._prs_plain_answers()["personal"]["national_id"], "NID-998877")

    def test_missing_key_is_clear_error(self):
        """Without an encryption key a sensitive answer is refused with ``configuration``;
        the caller is not told which setting is missing (``submit`` checks the message),
        the server log and the intake log are."""
        # the intake log's own cursor shares this test's transaction (as HttpCase does)
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        payload = self.payload()
        with (
            patch.dict("os.environ", {"PRS_ENCRYPTION_KEY": ""}),
            self.assertLogs(INTAKE_LOGGER, "ERROR") as logs,
        ):
            result = self.submit(payload)
        self.assertIntakeError(result, "configuration")
        self.assertIn("encryption_key", logs.output[0])
        log = self.env["prs.intake.log"].search([("submission_id", "=", payload["submission_id"])])
        self.assertIn("encryption_key", log.error_detail)
        self.assertEqual(log.error_codes, "configuration")

    def test_api_user_reads_nothing_else(self):
        """The integration user can submit but not read or write other records."""
        registration = self.register()
        api_env = self.env(user=self.api_user)
        with self.assertRaises(AccessError):
            api_env["event.registration"].browse(registration.id).read(["name"])
        with self.assertRaises(AccessError):
            api_env["event.registration"].search([])
        with self.assertRaises(AccessError):
            api_env["event.event"].browse(self.program.id).read(["name"])
        with self.assertRaises(AccessError):
            api_env["res.partner"].search([])
        with self.assertRaises(AccessError):
            api_env["event.registration"].browse(registration.id).write({"name": "x"})

    def test_translated_error_after_cache_clear(self):
        """The API user's first translated message after Odoo's caches were cleared
        (setting any system parameter clears them) answers at once. ``_()`` validates
        the call's language (``env.lang`` -> ``res.lang._lang_get_id``) or, without one,
        reads the user's (``res.users.context_get`` -> ``res.lang.get_installed``), both
        cached until a clear and then computed as the API user. Without read access on
        ``res.lang`` that raised an access error whose own ``_()`` calls did the same,
        several times per level: the worker hung until its time limit."""
        payload = self.payload(program_id=self.program.id + 10**6)
        api_env = self.env(user=self.api_user, context={"lang": "en_US"})
        self.assertTrue(self.api_user.lang)  # read in this transaction (record cache)
        self.env["ir.config_parameter"].set_param("prs_registration.test_clear", "1")

        class Hang(BaseException):
            """Not an Exception: no ``except Exception`` on the way swallows it."""

        def hang(signum, frame):
            raise Hang("a translation lookup took more than 20 s")

        previous = signal.signal(signal.SIGALRM, hang)
        signal.alarm(20)
        started = time.monotonic()
        try:
            self.assertEqual(api_env.lang, "en_US")
            self.assertEqual(api_env["res.users"].context_get()["lang"], self.api_user.lang)
            result = self.Registration.with_env(api_env).prs_submit(payload)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIntakeError(result, "unknown_program")
        self.assertEqual(result["errors"][0]["message"], "There is no such program.")

    def test_other_users_cannot_submit(self):
        """Users outside the API group are refused with an AccessError."""
        for user in (self.internal_user, self.coordinator, self.administrator):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.submit(self.payload(), user=user)


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntakeRules(PrsRegistrationCase):
    """Every validation rule of the form builder answers through prs_submit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        form = cls._create_form("reg_rules", "Rules")
        cls._publish(
            form,
            [
                (
                    "main",
                    "Main",
                    None,
                    [
                        (
                            "main",
                            "Main",
                            [
                                make_field("code", min_length=2, max_length=5, pattern="^[A-Z]+$"),
                                make_field(
                                    "start", "date", min_date="2030-01-01", max_date="2030-12-31"
                                ),
                                # 8 bytes
                                make_field("scan", "file", max_file_size_mb=8 / (1024 * 1024)),
                                make_field("has_pet", "boolean"),
                                make_field("pet_name", required_if="has_pet == true"),
                                make_field("low", "integer"),
                                make_field("high", "integer"),
                            ],
                        )
                    ],
                )
            ],
            rules=[cls.rule("order", "!low || !high || low <= high", "low <= high")],
        )
        cls.rules_flow = cls.env["event.flow"].create(
            {
                "event_id": cls.program.id,
                "code": "rules",
                "name": "Rules",
                "step_ids": [(0, 0, {"code": "rules", "name": "Rules", "form_id": form.id})],
            }
        )
        cls.rules_flow.write({"state": "published"})

    def test_each_rule(self):
        """min/max length, pattern, min/max date, file size, required_if and form rules."""
        step = self.rules_flow.step_ids
        cases = [
            ({"code": "A"}, "min_length", "code"),
            ({"code": "ABCDEF"}, "max_length", "code"),
            ({"code": "ab"}, "pattern", "code"),
            ({"start": "2029-12-31"}, "min_date", "start"),
            ({"start": "2031-01-01"}, "max_date", "start"),
            ({"start": "31/12/2030"}, "type", "start"),
            ({"scan": self.pdf_answer(b"0123456789")}, "file_size", "scan"),
            ({"has_pet": True}, "required", "pet_name"),
            ({"low": 5, "high": 1}, "rule", False),
        ]
        for answers, code, field in cases:
            with self.subTest(code=code):
                result = self.submit(self.payload(step, answers))
                self.assertIntakeError(result, code, field)
        self.assertTrue(self.submit(self.payload(step, {"code": "ABC", "low": 1, "high": 5}))["ok"])


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntakeMasters(PrsRegistrationCase):
    """Master-backed fields are checked against the items of ``prs.master``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        master = cls.env["prs.master"].create(
            {
                "name": "Test languages",
                "code": "reg_test_languages",
                "item_ids": [
                    (0, 0, {"value": "en", "label": "English"}),
                    (0, 0, {"value": "hi", "label": "Hindi"}),
                ],
            }
        )
        form = cls._create_form("reg_master", "Languages")
        cls._publish(
            form,
            [
                (
                    "main",
                    "Main",
                    None,
                    [("main", "Main", [make_field("language", "master", master_id=master.id)])],
                )
            ],
        )
        cls.master_flow = cls.env["event.flow"].create(
            {
                "event_id": cls.program.id,
                "code": "languages",
                "name": "Languages",
                "step_ids": [(0, 0, {"code": "lang", "name": "Language", "form_id": form.id})],
            }
        )
        cls.master_flow.write({"state": "published"})

    def test_master_values(self):
        """A value outside the master is refused; a known one is stored and shown by label."""
        step = self.master_flow.step_ids
        self.assertIntakeError(self.submit(self.payload(step, {"language": "xx"})), "choice")
        result = self.submit(self.payload(step, {"language": "hi"}))
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        self.assertIn("Hindi", str(registration.with_user(self.coordinator).prs_review_html))
