import base64
import csv
import io
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import warmup

from ..tools import privacy
from .common import (
    EXTRA_FIELDS,
    PERSONAL_FIELDS,
    AccessFixtureMixin,
    PrsRegistrationCase,
    make_field,
)

HISTORY = "event.registration.answer.history"


@tagged("post_install", "-at_install", "prs", "prs_review", "prs_history")
class TestAnswerHistory(AccessFixtureMixin, PrsRegistrationCase):
    """Each resubmission of a step keeps the answers it replaces (README "Intake
    contract", "Answer history")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.no_prs_users = cls._create_no_prs_users("prs_hist")

    def _request_changes(self, registration, steps):
        registration.with_user(self.coordinator)._prs_request_changes(
            steps, "Please check", fields.Datetime.now() + timedelta(days=1)
        )
        self.assertEqual(registration.prs_state, "changes_requested")

    def _resubmit(self, registration, **answers):
        """Request changes of the personal step and answer it again; return the call's
        payload (its submission id)."""
        self._request_changes(registration, self.step_personal)
        payload = self.payload(self.step_personal, self.personal_answers(**answers), registration)
        result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        return payload

    def _history(self, registration):
        return self.env[HISTORY].search([("registration_id", "=", registration.id)])

    # ------------------------------------------------------------------ intake
    def test_first_submission_keeps_no_history(self):
        """Answering each step once replaces nothing: no history row."""
        registration = self.register()
        self.assertFalse(self._history(registration))

    def test_resubmission_keeps_the_old_answers(self):
        """A resubmitted step leaves one history row holding the answers exactly as
        stored before (the sensitive value still encrypted, the same token), with its
        step, form version, date, and the id of the call that replaced them."""
        registration = self.register(document=self.pdf_answer())
        before = registration.answers["personal"]
        versions, dates = registration.step_versions, registration.step_dates
        payload = self._resubmit(registration, passport_no="P7654321")
        history = self._history(registration)
        self.assertEqual(len(history), 1)
        self.assertEqual(history.answers, before)
        self.assertTrue(privacy.is_encrypted(history.answers["national_id"]))
        self.assertNotIn("NID-998877", str(history.answers))
        self.assertEqual(history.answers["document"]["name"], "id.pdf")
        self.assertEqual(
            (history.step_id, history.step_code, history.form_version, history.change),
            (self.step_personal, "personal", versions["personal"], "resubmitted"),
        )
        self.assertEqual(fields.Date.to_string(history.step_date), dates["personal"])
        self.assertEqual(history.submission_id, payload["submission_id"])
        self.assertTrue(history.replaced_on)
        self.assertEqual(registration.answers["personal"]["passport_no"], "P7654321")

    def test_replay_keeps_no_second_row(self):
        """Replaying the accepted resubmission (same id, same body) writes nothing."""
        registration = self.register()
        payload = self._resubmit(registration, passport_no="P7654321")
        self.assertTrue(self.submit(payload)["ok"])
        self.assertEqual(len(self._history(registration)), 1)

    def test_refused_resubmission_keeps_no_row(self):
        """A refused resubmission stores nothing, history included."""
        registration = self.register()
        self._request_changes(registration, self.step_personal)
        payload = self.payload(self.step_personal, self.personal_answers(age=500), registration)
        self.assertIntakeError(self.submit(payload), "max_value", "age")
        self.assertFalse(self._history(registration))

    def test_answers_of_a_step_now_hidden_are_kept(self):
        """Answers dropped because the new answers hide their step are kept too."""
        registration = self.register(age=65)
        health = registration.answers["health"]
        self._resubmit(registration, age=34)
        self.assertNotIn("health", registration.answers)
        dropped = self._history(registration).filtered(lambda h: h.change == "dropped")
        self.assertEqual(dropped.step_code, "health")
        self.assertEqual(dropped.step_id, self.step_health)
        self.assertEqual(dropped.answers, health)

    # ------------------------------------------------------------------ diff
    def test_diff_shows_old_and_new_masked_and_escaped(self):
        """The History page lays out each replaced set like the review: changed rows
        highlighted old -> new, unchanged rows plain, sensitive values masked (even
        after a reveal), files by name, everything escaped."""
        registration = self.register(
            last_name="<script>alert(1)</script>", document=self.pdf_answer()
        )
        self._resubmit(registration, passport_no="P7654321", national_id="NID-111")
        registration.with_user(self.revealer).action_prs_reveal()
        for user, context in ((self.coordinator, {}), (self.revealer, {"prs_reveal": True})):
            html = str(registration.with_user(user).with_context(**context).prs_history_html)
            self.assertIn("About you", html)
            self.assertIn("Identity", html)
            changed = html.split('class="table-warning o_prs_changed"')[1:]
            changed_rows = [row.split("</tr>")[0] for row in changed]
            passport = [row for row in changed_rows if "Passport number" in row]
            self.assertEqual(len(passport), 1, html)
            self.assertLess(passport[0].index("P1234567"), passport[0].index("P7654321"))
            national = [row for row in changed_rows if "National ID" in row]
            self.assertEqual(len(national), 1, html)
            self.assertIn(privacy.MASK, national[0])
            for secret in ("NID-998877", "NID-111", "$enc"):
                self.assertNotIn(secret, html)
            self.assertFalse([row for row in changed_rows if "First name" in row])
            self.assertIn("&lt;script&gt;", html)
            self.assertNotIn("<script>", html)
            self.assertIn("id.pdf", html)
            self.assertNotIn("/web/content", html)

    def test_diff_labels_of_the_old_version(self):
        """Old answers are labelled as the version they were given with showed them;
        a field only the new version has follows with its own label."""
        registration = self.register()
        fields_v2 = [
            make_field("passport_no", label="Passport (v2)", condition='country == "IN"')
            if field["code"] == "passport_no"
            else field
            for field in PERSONAL_FIELDS
        ] + [make_field("nickname", label="Nickname")]
        self._publish(
            self.form_personal,
            [
                ("about", "About you", None, [("identity", "Identity", fields_v2)]),
                ("extras", "Extras", None, [("more", "More", EXTRA_FIELDS)]),
            ],
        )
        self._resubmit(registration, passport_no="P7654321", nickname="Ash")
        self.assertEqual(registration.step_versions["personal"], 2)
        html = str(registration.with_user(self.coordinator).prs_history_html)
        self.assertIn("Passport number", html)
        self.assertNotIn("Passport (v2)", html)
        self.assertIn("Nickname", html)
        self.assertIn("Ash", html)

    def test_diff_chains_resubmissions(self):
        """Two resubmissions: the first set is compared with the second, the second with
        the current answers; the page lists the newest first."""
        registration = self.register()
        self._resubmit(registration, passport_no="P2222222")
        self._resubmit(registration, passport_no="P3333333")
        self.assertEqual(len(self._history(registration)), 2)
        html = str(registration.with_user(self.coordinator).prs_history_html)
        entries = html.split('class="o_prs_history_entry"')[1:]
        self.assertEqual(len(entries), 2)
        newest, oldest = entries
        self.assertIn("P2222222", newest)
        self.assertIn("P3333333", newest)
        self.assertNotIn("P1234567", newest)
        self.assertIn("P1234567", oldest)
        self.assertIn("P2222222", oldest)
        self.assertNotIn("P3333333", oldest)

    def test_diff_without_history(self):
        """A registration never resubmitted says so."""
        registration = self.register()
        html = str(registration.with_user(self.coordinator).prs_history_html)
        self.assertIn("No answers were replaced yet.", html)

    def test_history_page_on_the_form(self):
        """The coordinators' registration form has the History page."""
        view = self.env.ref("prs_registration.event_registration_prs_view_form")
        arch = self.Registration.with_user(self.coordinator).get_view(view.id)["arch"]
        self.assertIn('name="prs_history_html"', arch)

    # ------------------------------------------------------------------ export
    def _export_rows(self, registration, user, **values):
        wizard = (
            self.env["event.registration.export"]
            .with_user(user)
            .create(
                {"registration_ids": [(6, 0, registration.ids)], "file_format": "csv", **values}
            )
        )
        wizard.action_export()
        text = base64.b64decode(wizard.data).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    def test_export_current_answers_unless_asked(self):
        """The export holds the current answers only; with *Include Answer History*,
        a Replaced On column and, after the registration, one row per replaced set
        (the replaced step's answers only, masked unless revealed)."""
        registration = self.register()
        self._resubmit(registration, passport_no="P7654321")
        rows = self._export_rows(registration, self.coordinator)
        self.assertEqual(len(rows), 2)
        self.assertNotIn("Replaced On", rows[0])
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual(row["personal.passport_no"], "P7654321")
        self.assertEqual(
            registration.with_user(self.coordinator).prs_review_html.count("P1234567"), 0
        )

        rows = self._export_rows(registration, self.coordinator, include_history=True)
        self.assertEqual(len(rows), 3)
        header = rows[0]
        self.assertEqual(header[-1], "Replaced On")
        current, old = (dict(zip(header, row, strict=True)) for row in rows[1:])
        self.assertEqual(current["personal.passport_no"], "P7654321")
        self.assertEqual(current["Replaced On"], "")
        self.assertEqual(old["ID"], str(registration.id))
        self.assertEqual(old["personal.passport_no"], "P1234567")
        self.assertEqual(old["personal.national_id"], privacy.MASK)
        self.assertEqual(old["terms.accept"], "")  # only the replaced step's answers
        history = self._history(registration)
        self.assertEqual(old["Replaced On"], fields.Datetime.to_string(history.replaced_on))

        rows = self._export_rows(registration, self.revealer, include_history=True, reveal=True)
        old = dict(zip(rows[0], rows[2], strict=True))
        self.assertEqual(old["personal.national_id"], "NID-998877")

    # ------------------------------------------------------------------ privacy
    def test_erased_registration_leaves_no_history(self):
        """Deleting a registration (the erasure of a participant) deletes its history."""
        registration = self.register()
        self._resubmit(registration, passport_no="P7654321")
        history = self._history(registration)
        self.assertTrue(history)
        registration.with_user(self.administrator).unlink()
        self.assertFalse(history.exists())

    # ------------------------------------------------------------------ access
    def test_coordinators_read_their_programs_history(self):
        """The program's coordinators read its history; another program's coordinator
        finds none and reads none; administrators read all."""
        registration = self.register()
        self._resubmit(registration, passport_no="P7654321")
        history = self._history(registration)
        self.assertEqual(history.with_user(self.coordinator).read(["answers"])[0]["id"], history.id)
        self.assertTrue(history.with_user(self.administrator).read(["answers"]))
        History = self.env[HISTORY].with_user(self.other_coordinator)
        self.assertFalse(History.search([("registration_id", "=", registration.id)]))
        with self.assertRaises(AccessError):
            history.with_user(self.other_coordinator).read(["step_code"])

    def test_history_read_by_no_other_user(self):
        """Configurators, the integration user, plain users, users created with Odoo's
        default groups (Events Administrator) and Odoo's event groups read no history."""
        registration = self.register()
        self._resubmit(registration, passport_no="P7654321")
        history = self._history(registration)
        users = [self.configurator, self.api_user, self.internal_user, *self.no_prs_users.values()]
        self.assertTrue(self.no_prs_users["dflt"].has_group("event.group_event_manager"))
        for user in users:
            with self.assertRaises(AccessError, msg=user.login):
                history.with_user(user).read(["step_code"])
            with self.assertRaises(AccessError, msg=user.login):
                self.env[HISTORY].with_user(user).search([])

    def test_history_never_changed_by_users(self):
        """Nobody creates, changes or deletes history rows, administrators included."""
        registration = self.register()
        self._resubmit(registration, passport_no="P7654321")
        history = self._history(registration)
        for user in (self.coordinator, self.administrator, self.api_user):
            with self.assertRaises(AccessError, msg=user.login):
                history.with_user(user).write({"answers": {}})
            with self.assertRaises(AccessError, msg=user.login):
                history.with_user(user).unlink()
            with self.assertRaises(AccessError, msg=user.login):
                self.env[HISTORY].with_user(user).create(
                    {
                        "registration_id": registration.id,
                        "step_code": "personal",
                        "replaced_on": fields.Datetime.now(),
                    }
                )

    # ------------------------------------------------------------------ queries
    @warmup
    def test_resubmission_query_count(self):
        """A resubmission (requested changes answered) takes one query more than before
        the history: the INSERT of its row; the old answers are not read again."""
        registration = self.register()
        self._request_changes(registration, self.step_personal)
        payload = self.payload(
            self.step_personal, self.personal_answers(passport_no="P7654321"), registration
        )
        self.env.invalidate_all()
        # 31: the 30 of the same call without the history (measured: advisory lock,
        # replay lookup, savepoint, program/flow/step/registration, version, navigation,
        # submission insert, registration update, tracking) and the INSERT of the one
        # history row; the replaced answers come from the registration already read
        with self.assertQueryCount(__system__=31):
            result = self.submit(payload)
        self.assertTrue(result["ok"], result)
        self.assertEqual(len(self._history(registration)), 1)
