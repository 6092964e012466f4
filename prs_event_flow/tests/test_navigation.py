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
