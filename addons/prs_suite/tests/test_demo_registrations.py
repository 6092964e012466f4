import json
from collections import Counter

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.prs_registration.models.event_registration_mixin import PRS_STATES

from ..models.prs_demo import (
    CANCEL_REASONS,
    COORDINATOR_CANCEL_REASONS,
    REJECT_REASONS,
    SUBMISSION_PREFIX,
)


@tagged("post_install", "-at_install", "prs", "prs_suite")
class TestDemoRegistrations(TransactionCase):
    """Issue 16: the demo retreat holds registrations in every state, made through
    intake and the coordinator's actions, so the review desk is alive on a new database
    (``scripts/test.sh`` installs prs_suite with its demo data, like ``make run``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env.ref("prs_suite.prs_demo_program_retreat", raise_if_not_found=False)
        if not cls.program:
            raise AssertionError("the database must hold prs_suite's demo data")
        cls.submissions = cls.env["event.registration.submission"].search(
            [("submission_id", "=like", f"{SUBMISSION_PREFIX}%")]
        )
        cls.registrations = cls.submissions.registration_id
        cls.real = cls.registrations.filtered(lambda r: not r.prs_is_test)

    def test_every_state_is_present(self):
        """At least 150 demo registrations of the retreat: every state among the real
        ones, and test registrations beside them."""
        self.assertGreaterEqual(len(self.registrations), 150)
        self.assertEqual(self.registrations.event_id, self.program)
        counts = Counter(self.real.mapped("prs_state"))
        for state, __ in PRS_STATES:
            self.assertGreaterEqual(counts[state], 3, state)
        self.assertGreaterEqual(len(self.registrations.filtered("prs_is_test")), 5)

    def test_built_through_intake(self):
        """Each registration holds what intake stores: a continuation token digest, the
        answers per step with the form version of each form step, the date intake
        validated it with, and one accepted submission per step answered."""
        forms = self.program.flow_ids.step_ids.filtered("form_id")
        versions = {step.code: step.form_id.version for step in forms}
        for registration in self.registrations:
            self.assertTrue(registration.prs_token_hash, registration.name)
            answers, step_versions = registration.answers, registration.step_versions
            self.assertTrue(answers and step_versions, registration.name)
            self.assertLessEqual(set(step_versions), set(answers))
            for code, version in step_versions.items():
                self.assertEqual(version, versions[code])
                self.assertTrue(answers[code], code)
            self.assertEqual(set(registration.step_dates), set(answers))
            submitted = registration.submission_ids.step_id.mapped("code")
            self.assertEqual(set(submitted), set(answers), registration.name)
            first = registration.flow_id.step_ids.sorted("sequence")[:1]
            self.assertEqual(registration.email, answers[first.code]["email"])

    def test_reasons(self):
        """Changes requested carry the coordinator's message and the steps reopened;
        rejections and cancellations carry their reason in the chatter."""
        requested = self.real.filtered(lambda r: r.prs_state == "changes_requested")
        for registration in requested:
            self.assertTrue(registration.prs_changes_message)
            self.assertTrue(registration.reopened_step_ids)
            self.assertEqual(registration.next_step_id, registration.reopened_step_ids[:1])
        reasons = {
            "rejected": REJECT_REASONS,
            "cancelled": CANCEL_REASONS + COORDINATOR_CANCEL_REASONS,
        }
        for state, texts in reasons.items():
            for registration in self.real.filtered(lambda r, s=state: r.prs_state == s):
                messages = registration.message_ids
                shown = " ".join(
                    filter(
                        None,
                        messages.mapped("body")
                        + messages.tracking_value_ids.mapped("new_value_char")
                        + messages.tracking_value_ids.mapped("new_value_text"),
                    )
                )
                self.assertTrue(
                    any(text in shown for text in texts), f"{state} {registration.name}: no reason"
                )

    def test_resubmitted_changes(self):
        """Some participants answered the requested changes: two accepted submissions
        of the reopened step, and the registration is submitted again."""
        steps = Counter(
            (submission.registration_id, submission.step_id) for submission in self.submissions
        )
        again = {registration for (registration, __), count in steps.items() if count > 1}
        self.assertGreaterEqual(len(again), 3)
        self.assertTrue(all(r.prs_state in ("submitted", "confirmed") for r in again))

    def test_duplicate_participants_and_languages(self):
        """Some people registered twice with the same email; participants chose
        different languages; names and emails are all set."""
        emails = Counter(self.registrations.mapped("email"))
        self.assertGreaterEqual(sum(1 for count in emails.values() if count > 1), 5)
        self.assertTrue(all(self.registrations.mapped("name")))
        self.assertGreaterEqual(len(set(self.registrations.mapped("prs_language"))), 4)

    def test_dates_spread_over_weeks(self):
        """Submissions are dated over the last weeks (the desk's graph per day), some
        today, none in the future; in-progress registrations have no submission date."""
        now = fields.Datetime.now()
        submitted = self.registrations.filtered("prs_submitted_at")
        days = {registration.prs_submitted_at.date() for registration in submitted}
        self.assertGreaterEqual(len(days), 15)
        self.assertTrue(all(r.prs_submitted_at <= now for r in submitted))
        self.assertIn(now.date(), days)
        in_progress = self.registrations.filtered(lambda r: r.prs_state == "in_progress")
        self.assertFalse(any(in_progress.mapped("prs_submitted_at")))
        self.assertTrue(all(r.create_date <= r.prs_submitted_at for r in submitted))

    def test_capacity_state_in_redis(self):
        """The counts leave seats and waitlist places (intake still accepts first
        steps), and the program index in Redis shows the capacity state they give."""
        counts = Counter(
            self.program.registration_ids.filtered(lambda r: not r.prs_is_test).mapped("prs_state")
        )
        self.assertLess(counts["confirmed"], self.program.seats_max)
        self.assertLess(counts["waitlisted"], self.program.prs_waitlist_max)
        state = self.program._prs_capacity_states()[self.program.id]
        self.assertEqual(state, "open")
        # the install queued the program index in the outbox (modules being installed
        # deliver through the cron): deliver it now, as the cron does
        self.env["prs.cache.outbox"]._prs_deliver(limit=1000)
        targets = self.env["prs.cache.target"].search([])
        self.assertTrue(targets)
        for target in targets:
            raw = target._prs_get_client().get(f"{target._prs_get_prefix()}:{self.program.id}")
            self.assertTrue(raw, target.name)
            self.assertEqual(json.loads(raw)["program"]["capacity"]["state"], state)

    def test_idempotent(self):
        """Running the demo method again creates nothing."""
        count = self.env["event.registration"].search_count([("event_id", "=", self.program.id)])
        self.assertFalse(self.env["prs.demo"]._prs_demo_registrations())
        self.assertEqual(
            self.env["event.registration"].search_count([("event_id", "=", self.program.id)]),
            count,
        )
