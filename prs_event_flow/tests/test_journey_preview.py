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
