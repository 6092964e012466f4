from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs")
class TestFlowPublish(PrsEventFlowCase):
    def _flow(self, steps, code="test"):
        return self.env["event.flow"].create(
            {
                "event_id": self.program.id,
                "code": code,
                "name": "Test",
                "step_ids": [(0, 0, step) for step in steps],
            }
        )

    def assertPublishError(self, flow, message):
        with self.assertRaises(UserError) as caught:
            flow.action_publish()
        self.assertIn(message, str(caught.exception))
        self.assertEqual(flow.state, "draft")

    def test_publish_valid_flow(self):
        """A complete flow publishes and records who published it."""
        self.flow.with_user(self.configurator).action_publish()
        self.assertEqual(self.flow.state, "published")
        self.assertEqual(self.flow.published_by_id, self.configurator)
        self.assertTrue(self.flow.published_at)

    def test_publish_calls_hook(self):
        """Publishing calls _prs_on_flow_published (prs_cache_sync overrides it)."""
        flow_class = type(self.env["event.flow"])
        with patch.object(flow_class, "_prs_on_flow_published", autospec=True) as hook:
            self.flow.action_publish()
        hook.assert_called_once()
        self.assertEqual(hook.call_args.args[0], self.flow)

    def test_publish_without_steps(self):
        """A flow without steps cannot be published."""
        self.assertPublishError(self._flow([]), "has no step")

    def test_publish_form_step_without_form(self):
        """A form step needs a form."""
        flow = self._flow([self._step("personal", 10)])
        self.assertPublishError(flow, "a form step needs a form")

    def test_publish_form_without_published_version(self):
        """A form step's form must have a published version."""
        draft = self._create_form("ef_draft", [("x", "text")])
        flow = self._flow([self._step("draft", 10, form=draft)])
        self.assertPublishError(flow, "has no published version")

    def test_publish_condition_on_later_step(self):
        """A condition may not read a step that comes after it."""
        flow = self._flow(
            [
                self._step("terms", 10, form=self.form_terms, condition="personal.age > 1"),
                self._step("personal", 20, form=self.form_personal),
            ]
        )
        self.assertPublishError(flow, "personal.age")

    def test_publish_condition_on_own_step(self):
        """A condition may not read its own step's answers."""
        flow = self._flow(
            [self._step("personal", 10, form=self.form_personal, condition="personal.age > 1")]
        )
        self.assertPublishError(flow, "personal.age")

    def test_publish_condition_unknown_field(self):
        """A condition may not read a field the earlier step's form does not have."""
        flow = self._flow(
            [
                self._step("personal", 10, form=self.form_personal),
                self._step("terms", 20, form=self.form_terms, condition="personal.height > 1"),
            ]
        )
        self.assertPublishError(flow, "personal.height")

    def test_publish_condition_unknown_program_field(self):
        """A condition may only read known program.* values."""
        flow = self._flow(
            [self._step("done", 10, step_type="confirmation", condition="program.price > 0")]
        )
        self.assertPublishError(flow, "program.price")

    def test_publish_condition_syntax_error(self):
        """A condition that does not parse blocks the publication."""
        flow = self._flow(
            [self._step("done", 10, step_type="confirmation", condition="program.fee >")]
        )
        self.assertPublishError(flow, "Step done")

    def test_publish_invalid_step_code(self):
        """Step codes must be identifiers usable in conditions."""
        flow = self._flow([self._step("my-step", 10, step_type="confirmation")])
        self.assertPublishError(flow, "my-step")

    def test_publish_reserved_step_code(self):
        """A step cannot be called program (it would shadow program.*)."""
        flow = self._flow([self._step("program", 10, step_type="confirmation")])
        self.assertPublishError(flow, "program")

    def test_step_codes_unique(self):
        """Two steps of one flow cannot share a code."""
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            self._flow(
                [
                    self._step("done", 10, step_type="confirmation"),
                    self._step("done", 20, step_type="confirmation"),
                ]
            )

    def test_flow_codes_unique_per_program(self):
        """Two flows of one program cannot share a code."""
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            self._flow([], code="standard")

    def test_published_flow_steps_are_frozen(self):
        """The steps of a published flow cannot change until it is unpublished."""
        self.flow.action_publish()
        with self.assertRaises(UserError):
            self.flow.step_ids[0].condition = "program.fee > 1"
        self.flow.action_unpublish()
        self.flow.step_ids[0].condition = "program.fee > 1"
        self.assertEqual(self.flow.step_ids[0].condition, "program.fee > 1")

    def test_step_changes_logged_on_flow(self):
        """Adding, changing and removing steps is logged in the flow's chatter."""
        step = self.flow.step_ids.filtered(lambda s: s.code == "health")
        step.condition = "personal.age >= 65"
        self.env["event.flow.step"].create(
            dict(self._step("review", 45, step_type="review"), flow_id=self.flow.id)
        )
        step.unlink()
        bodies = " | ".join(self.flow.message_ids.mapped("body"))
        self.assertIn("Steps changed (Skip Condition): health", bodies)
        self.assertIn("Steps added: review", bodies)
        self.assertIn("Steps removed: health", bodies)

    def test_unpublish_calls_hook(self):
        """Unpublishing sets the flow back to draft and calls _prs_on_flow_unpublished."""
        self.flow.action_publish()
        flow_class = type(self.env["event.flow"])
        with patch.object(flow_class, "_prs_on_flow_unpublished", autospec=True) as hook:
            self.flow.action_unpublish()
        hook.assert_called_once()
        self.assertEqual(self.flow.state, "draft")

    def test_archive_published_flow(self):
        """Archiving a published flow archives it and calls the unpublish hook."""
        self.flow.action_publish()
        flow_class = type(self.env["event.flow"])
        with patch.object(flow_class, "_prs_on_flow_unpublished", autospec=True) as hook:
            self.flow.action_archive()
        hook.assert_called_once()
        self.assertEqual(self.flow.state, "archived")
        self.assertFalse(self.flow.active)

    def test_unarchive_restores_draft(self):
        """Unarchiving an archived flow brings it back as a draft."""
        self.flow.action_archive()
        self.flow.action_unarchive()
        self.assertEqual((self.flow.active, self.flow.state), (True, "draft"))

    def test_unarchive_keeps_published_flow(self):
        """Unarchiving a selection that holds an active published flow leaves it published."""
        self.flow.action_publish()
        archived = self._flow([{"code": "done", "name": "Done", "step_type": "confirmation"}])
        archived.action_archive()
        (self.flow | archived).action_unarchive()
        self.assertEqual(self.flow.state, "published")
        self.assertEqual(archived.state, "draft")

    def test_published_flow_cannot_be_deleted(self):
        """A published flow is unpublished before it can be deleted."""
        self.flow.action_publish()
        with self.assertRaises(UserError):
            self.flow.unlink()
