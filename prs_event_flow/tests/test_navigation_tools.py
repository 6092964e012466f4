from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools import navigation

STEPS = [
    {"code": "personal", "condition": None},
    {"code": "health", "condition": "personal.age >= 60"},
    {"code": "terms", "condition": ""},
    {"code": "payment", "condition": "program.fee > 0"},
    {"code": "late", "condition": "today >= '2030-06-01'"},
    {"code": "confirmation", "condition": None},
]


@tagged("post_install", "-at_install", "prs", "prs_navigation")
class TestNavigationTools(BaseCase):
    def _visible(self, answers, fee=100, today="2030-01-10"):
        return navigation.visible_steps(STEPS, answers, program={"fee": fee}, today=today)

    def test_condition_true_shows_step(self):
        """A step whose condition is true is visible."""
        visible = self._visible({"personal": {"age": 65}})
        self.assertIn("health", visible)

    def test_condition_false_skips_step(self):
        """A step whose condition is false is skipped."""
        visible = self._visible({"personal": {"age": 30}})
        self.assertEqual(visible, ["personal", "terms", "payment", "confirmation"])

    def test_unanswered_step_hides_dependent_step(self):
        """A condition on a step not answered yet is false (no error, no step)."""
        self.assertNotIn("health", self._visible({}))

    def test_program_context(self):
        """program.fee == 0 skips the payment step."""
        self.assertNotIn("payment", self._visible({}, fee=0))
        self.assertIn("payment", self._visible({}, fee=10))

    def test_today_context(self):
        """Conditions read today as an ISO date."""
        self.assertNotIn("late", self._visible({}, today="2030-05-31"))
        self.assertIn("late", self._visible({}, today="2030-06-01"))

    def test_hidden_step_answers_do_not_leak(self):
        """Answers stored under a hidden step are not visible to later conditions."""
        steps = [
            {"code": "a", "condition": "program.fee > 0"},
            {"code": "b", "condition": "a.x == 1"},
        ]
        visible = navigation.visible_steps(steps, {"a": {"x": 1}}, program={"fee": 0})
        self.assertEqual(visible, [])

    def test_next_step(self):
        """The next step is the next visible one; None at the end."""
        visible = ["personal", "terms", "confirmation"]
        self.assertEqual(navigation.next_step(STEPS, visible), "personal")
        self.assertEqual(navigation.next_step(STEPS, visible, "personal"), "terms")
        self.assertEqual(navigation.next_step(STEPS, visible, "health"), "terms")
        self.assertIsNone(navigation.next_step(STEPS, visible, "confirmation"))

    @settings(max_examples=60, deadline=None)
    @given(
        shown=st.lists(st.booleans(), min_size=1, max_size=8),
        current=st.integers(min_value=-1, max_value=8),
    )
    def test_next_step_properties(self, shown, current):
        """For any flow: visible steps keep the flow order, and the next step is the
        first visible step after the current one (the first visible one at the start)."""
        steps = [
            {"code": f"s{index}", "condition": "true" if flag else "false"}
            for index, flag in enumerate(shown)
        ]
        visible = navigation.visible_steps(steps, {})
        self.assertEqual(visible, [f"s{i}" for i, flag in enumerate(shown) if flag])
        current_code = f"s{current}" if 0 <= current < len(steps) else None
        following = [
            f"s{i}"
            for i, flag in enumerate(shown)
            if flag and (current_code is None or i > current)
        ]
        expected = following[0] if following else None
        self.assertEqual(navigation.next_step(steps, visible, current_code), expected)
