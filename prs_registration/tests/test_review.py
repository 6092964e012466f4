import base64
import csv
import io

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PrsRegistrationCase, make_field


def scan_bytes(answer):
    return base64.b64decode(answer["data"])


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestReview(PrsRegistrationCase):
    def test_review_html_laid_out_and_escaped(self):
        """The review shows pages, sections, labels and choice labels, all escaped."""
        registration = self.register(first_name="<script>alert(1)</script>")
        html = str(registration.with_user(self.coordinator).prs_review_html)
        self.assertIn("About you", html)
        self.assertIn("Identity", html)
        self.assertIn("First name", html)
        self.assertIn("India", html)  # choice label, not the value "IN"
        self.assertIn("Yoga", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertNotIn("<script>", html)
        self.assertNotIn('"first_name"', html)  # never raw JSON

    def test_review_html_hides_hidden_fields(self):
        """Hidden-type fields and fields hidden by conditions are left out."""
        registration = self.register(country="FR", source="utm-mail")
        html = str(registration.with_user(self.coordinator).prs_review_html)
        self.assertNotIn("Source", html)
        self.assertNotIn("utm-mail", html)
        self.assertNotIn("Passport number", html)

    def test_odoo_attendee_form_shows_answers(self):
        """Odoo's own attendee form shows the answers to coordinators, not configurators."""
        view = self.env.ref("event.view_event_registration_form")
        arch = self.Registration.with_user(self.coordinator).get_view(view.id)["arch"]
        self.assertIn('name="prs_review_html"', arch)
        arch = self.Registration.with_user(self.configurator).get_view(view.id)["arch"]
        self.assertNotIn('name="prs_review_html"', arch)

    def test_sensitive_masked_without_reveal(self):
        """A sensitive answer is masked in the review."""
        registration = self.register()
        html = str(registration.with_user(self.revealer).prs_review_html)
        self.assertIn("National ID", html)
        self.assertNotIn("NID-998877", html)

    def test_reveal_needs_right(self):
        """Revealing without the reveal right is refused."""
        registration = self.register()
        with self.assertRaises(AccessError):
            registration.with_user(self.coordinator).action_prs_reveal()

    def test_reveal_logs_and_shows(self):
        """Revealing logs who/what in the reveal log and the chatter, then shows values."""
        registration = self.register()
        action = registration.with_user(self.revealer).action_prs_reveal()
        log = self.env["prs.reveal.log"].search([("registration_id", "=", registration.id)])
        self.assertEqual(log.user_id, self.revealer)
        self.assertEqual(log.field_codes, "national_id")
        self.assertIn("revealed by", registration.message_ids[0].body)
        revealed = registration.with_user(self.revealer).with_context(**action["context"])
        self.assertIn("NID-998877", str(revealed.prs_review_html))
        # the context flag alone reveals nothing to a user without the right
        crafted = registration.with_user(self.coordinator).with_context(prs_reveal=True)
        self.assertNotIn("NID-998877", str(crafted.prs_review_html))

    def test_sensitive_file_encrypted(self):
        """A sensitive file is stored encrypted; revealing it needs the right and logs."""
        scan = self.pdf_answer(b"%PDF-1.4 passport scan")
        registration = self.register(id_scan=scan)
        plain = registration._prs_plain_answers()["personal"]["id_scan"]
        self.assertTrue(plain["encrypted"])
        attachment = self.env["ir.attachment"].browse(plain["attachment_id"])
        self.assertNotIn(b"passport scan", attachment.raw)
        with self.assertRaises(AccessError):
            registration.with_user(self.coordinator)._prs_read_sensitive_file(attachment.id)
        name, mimetype, content = registration.with_user(self.revealer)._prs_read_sensitive_file(
            attachment.id
        )
        self.assertEqual((name, mimetype, content), ("id.pdf", "application/pdf", scan_bytes(scan)))
        log = self.env["prs.reveal.log"].search([("registration_id", "=", registration.id)])
        self.assertEqual(log.purpose, "File id.pdf")
        # a plain (not sensitive) attachment is not served by this path
        document = self.register(document=self.pdf_answer())._prs_plain_answers()["personal"]
        with self.assertRaises(AccessError):
            registration.with_user(self.revealer)._prs_read_sensitive_file(
                document["document"]["attachment_id"]
            )

    def test_reveal_log_admin_only(self):
        """Only administrators read the reveal log."""
        self.register().with_user(self.revealer).action_prs_reveal()
        self.assertTrue(self.env["prs.reveal.log"].with_user(self.administrator).search([]))
        with self.assertRaises(AccessError):
            self.env["prs.reveal.log"].with_user(self.revealer).search([])

    def test_coordinator_sees_own_programs_only(self):
        """A coordinator of another program sees none of this program's registrations."""
        registration = self.register()
        own = self.Registration.with_user(self.coordinator).search([("id", "=", registration.id)])
        self.assertEqual(own, registration)
        other = self.Registration.with_user(self.other_coordinator)
        self.assertFalse(other.search([("id", "=", registration.id)]))
        with self.assertRaises(AccessError):
            other.browse(registration.id).read(["name"])
        admin = self.Registration.with_user(self.administrator)
        self.assertEqual(admin.search([("id", "=", registration.id)]), registration)

    def test_configurator_reads_no_answers(self):
        """Configurators do not read answers."""
        registration = self.register()
        with self.assertRaises(AccessError):
            registration.with_user(self.configurator).read(["answers"])

    def _export(self, registrations, user, **values):
        wizard = (
            self.env["event.registration.export"]
            .with_user(user)
            .create({"registration_ids": [(6, 0, registrations.ids)], **values})
        )
        wizard.action_export()
        return wizard

    def test_export_csv_columns(self):
        """CSV: static columns then one column per step and field code
        (``<step>.<field>``), stable across versions."""
        first = self.register()
        self._publish(
            self.form_personal,
            [
                (
                    "about",
                    "About",
                    None,
                    [("identity", "Identity", [make_field("first_name"), make_field("nickname")])],
                )
            ],
        )
        wizard = self._export(first, self.coordinator, file_format="csv")
        rows = list(csv.reader(io.StringIO(base64.b64decode(wizard.data).decode("utf-8-sig"))))
        header = rows[0]
        self.assertEqual(header[:3], ["ID", "Program", "Flow"])
        codes = header[header.index("Submitted On") + 1 :]
        self.assertEqual(
            codes,
            [
                "personal.first_name",
                "personal.last_name",
                "personal.email",
                "personal.age",
                "personal.country",
                "personal.passport_no",
                "personal.national_id",
                "personal.source",
                "personal.document",
                "personal.id_scan",
                "personal.interests",
                "personal.nickname",
                "health.allergies",
                "terms.accept",
            ],
        )
        row = dict(zip(header, rows[1], strict=True))
        self.assertEqual(row["personal.first_name"], "Asha")
        self.assertEqual(row["personal.interests"], "yoga")
        self.assertNotIn("NID-998877", rows[1])
        self.assertEqual(len(rows), 2)

    def test_export_reveal_needs_right_and_logs(self):
        """Revealed exports need the right and are logged."""
        registration = self.register()
        with self.assertRaises(AccessError):
            self._export(registration, self.coordinator, file_format="csv", reveal=True)
        wizard = self._export(registration, self.revealer, file_format="csv", reveal=True)
        self.assertIn("NID-998877", base64.b64decode(wizard.data).decode("utf-8-sig"))
        self.assertTrue(
            self.env["prs.reveal.log"].search(
                [("registration_id", "=", registration.id), ("purpose", "=", "Export")]
            )
        )

    def test_export_xlsx(self):
        """XLSX export produces a workbook."""
        wizard = self._export(self.register(), self.coordinator, file_format="xlsx")
        self.assertTrue(wizard.filename.endswith(".xlsx"))
        self.assertEqual(base64.b64decode(wizard.data)[:2], b"PK")

    def test_program_smart_button(self):
        """The program counts its registrations and opens them."""
        registration = self.register()
        self.assertEqual(self.program.prs_registration_count, 1)
        action = self.program.action_prs_view_registrations()
        self.assertEqual(self.Registration.search(action["domain"]), registration)
