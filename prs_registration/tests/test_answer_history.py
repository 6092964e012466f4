import base64
import csv
import io
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import warmup

from ..tools import export, privacy
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

    @staticmethod
    def _diff_rows(html, label):
        """``[(changed, row html)]`` of the rows labelled ``label`` in a history html."""
        rows = []
        for part in html.split("<tr class=")[1:]:
            row = part.split("</tr>")[0]
            if f"<th>{label}</th>" in row:
                rows.append(("o_prs_changed" in row.split(">")[0], row))
        return rows

    def test_diff_compares_files_by_content(self):
        """A file sent again with the same name, type, size and content is unchanged; a
        file with the same name, type and size but another content is changed, for a
        plain file and for a sensitive (encrypted) one, whose name stays masked."""
        same, other = b"%PDF-1.4 aaaa", b"%PDF-1.4 bbbb"
        registration = self.register(document=self.pdf_answer(same), id_scan=self.pdf_answer(same))
        self._resubmit(registration, document=self.pdf_answer(same), id_scan=self.pdf_answer(same))
        first = self._history(registration)
        self.assertNotEqual(
            first.answers["document"]["attachment_id"],
            registration.answers["personal"]["document"]["attachment_id"],
        )
        html = str(registration.with_user(self.coordinator).prs_history_html)
        self.assertEqual([c for c, __ in self._diff_rows(html, "Document")], [False], html)
        self.assertEqual([c for c, __ in self._diff_rows(html, "ID scan")], [False], html)

        self._resubmit(
            registration, document=self.pdf_answer(other), id_scan=self.pdf_answer(other)
        )
        html = str(registration.with_user(self.coordinator).prs_history_html)
        newest = html.split('class="o_prs_history_entry"')[1]
        document = self._diff_rows(newest, "Document")
        self.assertEqual([c for c, __ in document], [True], newest)
        self.assertIn("id.pdf", document[0][1])
        scan = self._diff_rows(newest, "ID scan")
        self.assertEqual([c for c, __ in scan], [True], newest)
        self.assertNotIn("id.pdf", scan[0][1])
        self.assertIn(privacy.MASK, scan[0][1])

    def test_file_checksums_read_in_one_query(self):
        """The checksums of every file the history shows are read in one query."""
        registration = self.register(
            document=self.pdf_answer(b"%PDF-1.4 one"), id_scan=self.pdf_answer(b"%PDF-1.4 two")
        )
        self._resubmit(registration, document=self.pdf_answer(b"%PDF-1.4 three"))
        fernet = registration._prs_fernet()
        answer_sets = [self._history(registration).answers, registration.answers["personal"]]
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=1):
            digest = self.env[HISTORY]._prs_file_digest(
                answer_sets, fernet, lambda value: privacy.decrypt_value(fernet, value)
            )
            old, new = answer_sets[0]["document"], answer_sets[1]["document"]
            self.assertNotEqual(digest(old), digest(new))
            self.assertTrue(isinstance(digest(old), str) and len(digest(old)) == 40)

    def _make_passport_sensitive(self):
        """Publish a version of the personal form where passport_no is sensitive."""
        fields_v2 = [
            make_field("passport_no", label="Passport number", sensitive=True)
            if field["code"] == "passport_no"
            else field
            for field in PERSONAL_FIELDS
        ]
        self._publish(
            self.form_personal,
            [
                ("about", "About you", None, [("identity", "Identity", fields_v2)]),
                ("extras", "Extras", None, [("more", "More", EXTRA_FIELDS)]),
            ],
        )

    def test_field_made_sensitive_later_is_masked(self):
        """A value given before its field was made sensitive stays stored as given (no
        migration), but the history masks it, on the page and in the export (unless
        revealed): whether the field is sensitive in the form's published version only,
        or in the version of the new answers."""
        registration = self.register()
        self._resubmit(registration, passport_no="P2222222")
        self._make_passport_sensitive()  # both sides were given with version 1
        history = self._history(registration)
        self.assertEqual(history.answers["passport_no"], "P1234567")  # storage unchanged
        html = str(registration.with_user(self.coordinator).prs_history_html)
        passport = self._diff_rows(html, "Passport number")
        self.assertEqual([c for c, __ in passport], [True], html)
        for secret in ("P1234567", "P2222222"):
            self.assertNotIn(secret, html)
        self.assertEqual(passport[0][1].count(privacy.MASK), 2)

        self._resubmit(registration, passport_no="P3333333")  # version 2: encrypted
        self.assertTrue(privacy.is_encrypted(registration.answers["personal"]["passport_no"]))
        html = str(registration.with_user(self.coordinator).prs_history_html)
        for secret in ("P1234567", "P2222222", "P3333333"):
            self.assertNotIn(secret, html)
        self.assertEqual(len(self._diff_rows(html, "Passport number")), 2)

        rows = self._export_rows(registration, self.coordinator, include_history=True)
        old = [dict(zip(rows[0], row, strict=True)) for row in rows[2:]]
        self.assertEqual([r["personal.passport_no"] for r in old], [privacy.MASK] * 2)
        self.assertNotIn("P2222222", str(rows))
        rows = self._export_rows(registration, self.revealer, include_history=True, reveal=True)
        old = [dict(zip(rows[0], row, strict=True)) for row in rows[2:]]
        self.assertEqual([r["personal.passport_no"] for r in old], ["P1234567", "P2222222"])

    def test_diff_cuts_long_values(self):
        """A long text is cut to 300 characters with an ellipsis on the page; the
        export holds it whole."""
        long_name = "R" * 1000
        registration = self.register(last_name=long_name)
        self._resubmit(registration, last_name="Rao")
        html = str(registration.with_user(self.coordinator).prs_history_html)
        self.assertIn("R" * 300 + "\u2026", html)
        self.assertNotIn("R" * 301, html)
        rows = self._export_rows(registration, self.coordinator, include_history=True)
        old = dict(zip(rows[0], rows[2], strict=True))
        self.assertEqual(old["personal.last_name"], long_name)

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
        self.assertEqual(header[-4:], ["Step", "Change", "Submission", "Replaced On"])
        current, old = (dict(zip(header, row, strict=True)) for row in rows[1:])
        self.assertEqual(current["personal.passport_no"], "P7654321")
        self.assertEqual([current[label] for label in header[-4:]], ["", "", "", ""])
        self.assertEqual(current["Email"], "asha@example.com")
        self.assertEqual(old["ID"], str(registration.id))
        # the registration's static cells describe it now, not then: left empty
        for label in ("Program", "Registration State", "Name", "Email", "Submitted On"):
            self.assertEqual(old[label], "", label)
        self.assertEqual(old["personal.passport_no"], "P1234567")
        self.assertEqual(old["personal.national_id"], privacy.MASK)
        self.assertEqual(old["terms.accept"], "")  # only the replaced step's answers
        history = self._history(registration)
        self.assertEqual(
            [old["Step"], old["Change"], old["Submission"]],
            [self.step_personal.display_name, "Answered Again", history.submission_id],
        )
        self.assertEqual(old["Replaced On"], fields.Datetime.to_string(history.replaced_on))

        rows = self._export_rows(registration, self.revealer, include_history=True, reveal=True)
        old = dict(zip(rows[0], rows[2], strict=True))
        self.assertEqual(old["personal.national_id"], "NID-998877")

    def test_export_history_of_a_step_now_hidden(self):
        """A dropped step's answers are exported as *Step Now Hidden*, oldest first
        with the resubmitted step's row, under the right registration."""
        registration = self.register(age=65)
        other = self.register(first_name="Ravi", email="ravi@example.com")
        payload = self._resubmit(registration, age=34)
        rows = self._export_rows(registration | other, self.coordinator, include_history=True)
        table = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        self.assertEqual(
            [(r["ID"], r["Change"]) for r in table],
            [
                (str(registration.id), ""),
                (str(registration.id), "Answered Again"),
                (str(registration.id), "Step Now Hidden"),
                (str(other.id), ""),
            ],
        )
        self.assertEqual(table[2]["Step"], self.step_health.display_name)
        self.assertEqual(table[2]["Submission"], payload["submission_id"])
        self.assertEqual(table[2]["personal.age"], "")

    def test_export_history_streams_by_batch(self):
        """The history is read per batch of registration rows, as they stream: the rows
        of the next batch are not taken before those of the current batch are out."""
        pulled, reads = [], []

        def rows():
            for registration_id in (1, 2, 3):
                pulled.append(registration_id)
                yield [registration_id, "static", "answer"]

        def entries_for(registration_ids):
            reads.append((list(registration_ids), list(pulled)))
            return {
                rid: [("Step", "Answered Again", "s", "now", "st", {"a": rid})]
                for rid in registration_ids
            }

        with patch.object(export, "BATCH_SIZE", 2):
            stream = export.history_rows(rows(), 2, entries_for, [("st", "a")])
            first = [next(stream) for __ in range(4)]
            self.assertEqual(reads, [([1, 2], [1, 2])])
            rest = list(stream)
        self.assertEqual(reads, [([1, 2], [1, 2]), ([3], [1, 2, 3])])
        self.assertEqual(first[0], [1, "static", "answer", "", "", "", ""])
        self.assertEqual(first[1], [1, "", 1, "Step", "Answered Again", "s", "now"])
        self.assertEqual(len(rest), 2)

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
