from datetime import date
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FlowBuilder, PrsEventFlowCase


@tagged("post_install", "-at_install", "prs", "prs_event_flow")
class TestJourneyPreview(PrsEventFlowCase):
    """personal -> health (personal.age >= 60) -> terms -> payment (program.fee > 0)
    -> confirmation."""

    def _screen(self, answers=None, step=None, advance=False):
        return self.flow.with_user(self.configurator).prs_journey_preview(
            answers or {}, step, advance
        )

    def _visible(self, screen):
        return [step["code"] for step in screen["steps"] if step["visible"]]

    def test_first_screen(self):
        """The journey starts on the first visible step with its published tree; the
        program facts drive the payment step."""
        screen = self._screen()
        self.assertEqual(screen["current"]["code"], "personal")
        self.assertEqual(screen["current"]["tree"]["code"], "ef_personal")
        self.assertEqual(self._visible(screen), ["personal", "terms", "payment", "confirmation"])
        self.assertEqual(screen["program"]["fee"], 250.0)

    def test_skip_condition_applies(self):
        """Advancing follows intake's navigation: a young participant skips health, an
        older one gets it; the summary holds the validated answers."""
        screen = self._screen({"personal": {"first_name": " Ada ", "age": 30}}, "personal", True)
        self.assertEqual(screen["current"]["code"], "terms")
        self.assertNotIn("health", self._visible(screen))
        self.assertEqual(screen["stored"]["personal"]["age"], 30)
        screen = self._screen({"personal": {"age": 70}}, "personal", True)
        self.assertEqual(screen["current"]["code"], "health")

    def test_validator_errors_keep_the_step(self):
        """Answers the validator refuses keep the participant on the step, with the
        validator's error codes."""
        screen = self._screen({"personal": {"age": "old"}}, "personal", True)
        self.assertEqual(screen["current"]["code"], "personal")
        self.assertEqual([e["code"] for e in screen["errors"]], ["type"])
        self.assertNotIn("personal", screen["stored"])

    def test_end_of_flow(self):
        """After the last visible step the journey is done."""
        screen = self._screen({}, "confirmation", True)
        self.assertTrue(screen["done"])
        self.assertIs(screen["current"], False)

    def test_same_navigation_as_intake(self):
        """The visible steps are those of event.flow._prs_navigation."""
        answers = {"personal": {"age": 61}}
        expected = self.flow._prs_navigation(answers)["steps"].mapped("code")
        self.assertEqual(self._visible(self._screen(answers)), expected)

    def _stored_flow(self):
        """s1 (has_kids, kids shown when has_kids, ctry upper-cased) -> s2 (s1.kids > 0)
        -> s3 (s1.ctry == "IN") -> s4."""
        s1 = self.create_form(
            self.env,
            "jp_s1",
            [
                self.field("has_kids", "boolean"),
                self.field("kids", "integer", condition="has_kids == true"),
                self.field("ctry", "text", transform="upper"),
            ],
            publish=True,
        )
        program = self.create_program(self.env, "JP-1")
        return self.create_flow(
            self.env,
            program,
            [
                self.step("s1", 10, form=s1),
                self.step("s2", 20, step_type="confirmation", condition="s1.kids > 0"),
                self.step("s3", 30, step_type="confirmation", condition='s1.ctry == "IN"'),
                self.step("s4", 40, step_type="confirmation"),
            ],
            code="jp",
        )

    def test_navigates_on_stored_values(self):
        """The next step follows the values intake would store (a hidden field's answer
        dropped, transforms applied), not the raw answers."""
        flow = self._stored_flow().with_user(self.configurator)
        for answers, expected in (
            ({"has_kids": False, "kids": 2, "ctry": "fr"}, "s4"),
            ({"has_kids": False, "ctry": "in"}, "s3"),
            ({"has_kids": True, "kids": 2, "ctry": "fr"}, "s2"),
        ):
            screen = flow.prs_journey_preview({"s1": answers}, "s1", True)
            self.assertEqual(screen["current"]["code"], expected, answers)
            self.assertEqual("kids" in screen["stored"]["s1"], answers["has_kids"])
            self.assertEqual(
                [s["code"] for s in screen["steps"] if s["visible"]][1:-1],
                [expected] if expected != "s4" else [],
            )

    def test_skipped_step_not_current(self):
        """A step the navigation skips is never shown as current: the preview says
        step_skipped (as intake) and shows the next visible step."""
        flow = self._stored_flow().with_user(self.configurator)
        screen = flow.prs_journey_preview({"s1": {"has_kids": False, "ctry": "fr"}}, "s2")
        self.assertEqual([e["code"] for e in screen["errors"]], ["step_skipped"])
        self.assertNotEqual(screen["current"]["code"], "s2")
        screen = flow.prs_journey_preview({"s1": {"has_kids": False, "ctry": "fr"}}, "s2", True)
        self.assertNotEqual(screen["current"]["code"], "s2")

    def test_current_hidden_nodes_use_program_today(self):
        """The current step's hidden nodes are computed with the program's today."""
        form = self.create_form(
            self.env,
            "jp_today",
            [self.field("later", "text", condition='today < "2000-01-01"')],
            publish=True,
        )
        program = self.create_program(self.env, "JP-2")
        flow = self.create_flow(
            self.env, program, [self.step("t1", 10, form=form)], code="jp_today"
        )
        with patch.object(type(program), "_prs_today", lambda self: date(1999, 6, 1)):
            screen = flow.with_user(self.configurator).prs_journey_preview({}, "t1")
        self.assertEqual(screen["today"], "1999-06-01")
        self.assertEqual(screen["current"]["hidden"], [])

    def test_forged_answers_refused(self):
        """Answers that are not a mapping by step are a clear error, not a server error."""
        for answers in (["x"], "abc", 3):
            with self.assertRaises(UserError):
                self._screen(answers)


@tagged("post_install", "-at_install", "prs", "prs_event_flow")
class TestJourneyPreviewTour(FlowBuilder, HttpCase):
    def test_journey_preview_tour(self):
        """In Chromium a configurator walks a flow through a skipped step, back and to
        the end."""
        new_test_user(
            self.env,
            login="prs_journey_tour",
            password="prs_journey_tour",
            groups="prs_base.group_prs_configurator",
        )
        personal = self.create_form(
            self.env,
            "jt_personal",
            [self.field("first_name", "text"), self.field("age", "integer")],
            publish=True,
        )
        health = self.create_form(
            self.env, "jt_health", [self.field("allergies", "textarea")], publish=True
        )
        terms = self.create_form(
            self.env, "jt_terms", [self.field("accept", "consent")], publish=True
        )
        program = self.create_program(
            self.env, "JT-1", prs_fee=100.0, prs_theme_primary_color="#1a2b3c"
        )
        flow = self.create_flow(
            self.env,
            program,
            [
                self.step("personal", 10, form=personal),
                self.step("health", 20, form=health, condition="personal.age >= 60"),
                self.step("terms", 30, form=terms),
                self.step("payment", 40, step_type="payment", condition="program.fee > 0"),
                self.step("confirmation", 50, step_type="confirmation"),
            ],
        )
        action = self.env.ref("prs_event_flow.event_flow_action")
        self.url_open("/web/static/img/favicon.ico")
        self.start_tour(
            f"/web#action={action.id}&model=event.flow&id={flow.id}&view_type=form",
            "prs_journey_preview_tour",
            login="prs_journey_tour",
        )
        # the designer opened from this program's step previews in the program's theme
        step = flow.step_ids.filtered(lambda s: s.code == "personal")
        action = step.action_prs_design_form()
        self.assertEqual(action["params"], {"form_id": personal.id, "program_id": program.id})
        self.authenticate("prs_journey_tour", "prs_journey_tour")
        themed = self.url_open(f"/prs_form_builder/preview/{personal.id}?program_id={program.id}")
        self.assertIn("color: #1a2b3c", themed.text)
        plain = self.url_open(f"/prs_form_builder/preview/{personal.id}")
        self.assertNotIn("#1a2b3c", plain.text)
