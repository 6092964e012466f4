from odoo.tests import HttpCase, new_test_user, tagged

from .common import PrsFixtureMixin

REASON = "Please confirm your country of residence."


@tagged("post_install", "-at_install", "prs", "prs_review_desk")
class TestReviewDeskJourneyTour(PrsFixtureMixin, HttpCase):
    """A coordinator's day in Chromium (issue 16): filter by an answer, request changes
    of two registrations with one reason, read the history after a resubmission and
    confirm from the kanban. Registrations come through ``prs_submit`` as the API user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("dtour")
        cls.api_user = new_test_user(
            cls.env, login="prs_dtour_api", groups="prs_base.group_prs_api"
        )
        cls.coordinator = new_test_user(
            cls.env,
            login="prs_dtour_crd",
            groups="prs_base.group_prs_coordinator",
            email="crd@dtour.org",
        )
        cls.program = cls._create_program("DTOUR-1", coordinators=cls.coordinator)
        cls.flow = cls._create_flow(cls.program)
        cls.step_personal, cls.step_health, cls.step_terms = cls.flow.step_ids.sorted("sequence")
        cls.Registration = cls.env["event.registration"]

    def _answers(self, first_name, country, **values):
        # a passport number is asked in India only (the field is hidden otherwise)
        passport = "P1234567" if country == "IN" else None
        return {
            "first_name": first_name,
            "last_name": "Tourist",
            "email": f"{first_name.lower()}@dtour.org",
            "country": country,
            "passport_no": passport,
            **values,
        }

    def _changes_mail(self, registration):
        """The queued mails of ``registration`` carrying the reason."""
        # the tour's requests skip the after-commit hooks (test cursors): what the cron
        # sends then
        registration._prs_send_pending_state_mails()
        return self.env["mail.mail"].search(
            [
                ("model", "=", "event.registration"),
                ("res_id", "=", registration.id),
                ("body_html", "ilike", REASON),
            ]
        )

    def test_filter_request_changes_history_confirm(self):
        ana = self.register(**self._answers("Ana", "FR", age=34))
        bea = self.register(**self._answers("Bea", "FR"))
        cal = self.register(**self._answers("Cal", "IN"))
        self.assertEqual((ana | bea | cal).mapped("prs_state"), ["submitted"] * 3)

        # tour A: country=FR finds Ana and Bea; both get changes requested at once
        self.start_tour("/web", "prs_review_desk_request_changes_tour", login="prs_dtour_crd")
        self.env.invalidate_all()
        for registration in ana | bea:
            self.assertEqual(registration.prs_state, "changes_requested")
            self.assertEqual(registration.prs_changes_message, REASON)
            self.assertEqual(registration.reopened_step_ids, self.step_personal)
            self.assertEqual(len(self._changes_mail(registration)), 1, registration.name)
        self.assertEqual(cal.prs_state, "submitted")
        self.assertFalse(self._changes_mail(cal))

        # Ana answers the reopened step again (her continuation token), with another age
        answers = self.personal_answers(**self._answers("Ana", "FR", age=43))
        result = self.submit(self.payload(self.step_personal, answers, ana))
        self.assertTrue(result["ok"], result)
        self.assertEqual(ana.prs_state, "submitted")
        history = self.env["event.registration.answer.history"].search(
            [("registration_id", "=", ana.id)]
        )
        self.assertEqual(history.answers["age"], 34)
        self.assertEqual(ana.answers["personal"]["age"], 43)

        # tour B: History page old -> new, then Confirm on her kanban card
        self.start_tour("/web", "prs_review_desk_history_tour", login="prs_dtour_crd")
        self.env.invalidate_all()
        self.assertEqual(ana.prs_state, "confirmed")
        self.assertEqual(bea.prs_state, "changes_requested")
        self.assertEqual(cal.prs_state, "submitted")
