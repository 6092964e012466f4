from datetime import date, datetime

from odoo.tests import tagged

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs", "prs_navigation")
class TestNavigation(PrsEventFlowCase):
    def _codes(self, steps):
        return steps.mapped("code")

    def test_first_step(self):
        """Without answers and current step, the next step is the first visible one."""
        nav = self.flow._prs_navigation({})
        self.assertEqual(nav["next_step"].code, "personal")
        self.assertEqual(
            self._codes(nav["steps"]), ["personal", "terms", "payment", "confirmation"]
        )

    def test_skip_condition_true(self):
        """A participant aged 60 or more gets the health declaration after personal."""
        nav = self.flow._prs_navigation({"personal": {"age": 64}}, current_step="personal")
        self.assertEqual(nav["next_step"].code, "health")
        self.assertIn("health", self._codes(nav["steps"]))

    def test_skip_condition_false(self):
        """A participant under 60 skips the health declaration."""
        personal = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step=personal)
        self.assertEqual(nav["next_step"].code, "terms")
        self.assertNotIn("health", self._codes(nav["steps"]))

    def test_current_step_by_id(self):
        """The current step may be given by id, as the intake payload carries it."""
        personal = self.flow.step_ids.filtered(lambda s: s.code == "personal")
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step=personal.id)
        self.assertEqual(nav["next_step"].code, "terms")

    def test_program_fee_zero_skips_payment(self):
        """With a fee of 0 the payment step is skipped."""
        self.program.prs_fee = 0
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step="terms")
        self.assertEqual(nav["next_step"].code, "confirmation")

    def test_program_fee_positive_shows_payment(self):
        """With a fee the payment step follows the terms."""
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step="terms")
        self.assertEqual(nav["next_step"].code, "payment")

    def test_end_of_flow(self):
        """After the last step the next step is an empty recordset."""
        nav = self.flow._prs_navigation({}, current_step="confirmation")
        self.assertFalse(nav["next_step"])
        self.assertEqual(nav["next_step"]._name, "event.flow.step")

    def test_steps_follow_sequence(self):
        """Visible steps follow the sequence, not the creation order."""
        self.flow.step_ids.filtered(lambda s: s.code == "terms").sequence = 5
        nav = self.flow._prs_navigation({})
        self.assertEqual(self._codes(nav["steps"])[:2], ["terms", "personal"])

    def test_optional_step_may_be_skipped(self):
        """An optional visible step (required false) may be skipped by submitting a
        later step: the allowed steps run up to the next required one."""
        self.flow.step_ids.filtered(lambda s: s.code == "terms").required = False
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step="personal")
        self.assertEqual(nav["next_step"].code, "terms")
        self.assertEqual(self._codes(nav["allowed_steps"]), ["terms", "payment"])
        self.flow.step_ids.filtered(lambda s: s.code == "terms").required = True
        nav = self.flow._prs_navigation({"personal": {"age": 30}}, current_step="personal")
        self.assertEqual(self._codes(nav["allowed_steps"]), ["terms"])

    def test_today_is_the_program_local_date(self):
        """``today`` is the program's local date (its time zone), not the caller's nor
        UTC's: a step shown on that date is shown whoever navigates."""
        now = datetime(2026, 3, 1, 20, 0)  # 1 March in UTC, 2 March in Kiritimati (+14)
        self.program.date_tz = "Pacific/Kiritimati"
        self.assertEqual(self.program._prs_today(now), date(2026, 3, 2))
        self.program.date_tz = "Etc/GMT+12"
        self.assertEqual(self.program._prs_today(now), date(2026, 3, 1))
        self.program.date_tz = "Pacific/Kiritimati"
        local = self.program._prs_today().isoformat()
        health = self.flow.step_ids.filtered(lambda s: s.code == "health")
        health.condition = f"today == '{local}'"
        user = self.env.user.with_context(tz="Etc/GMT+12")  # a caller far west
        nav = self.flow.with_env(user.env)._prs_navigation({}, current_step="personal")
        self.assertEqual(nav["next_step"].code, "health")

    def test_program_facts_in_the_program_language(self):
        """program.* facts are the program's default language's, whatever the language
        of the request (the same values as Redis' condition_values)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.program.with_context(lang="en_US").name = "Retreat"
        self.program.with_context(lang="fr_FR").name = "Retraite"
        context = self.program.with_context(lang="fr_FR")._prs_program_context()
        self.assertEqual(context["name"], "Retreat")
