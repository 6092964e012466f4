from datetime import datetime, timedelta

import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PrsEventFlowCase

OPENS = datetime(2030, 1, 1, 8, 0)
CLOSES = datetime(2030, 3, 1, 8, 0)
SECOND = timedelta(seconds=1)


@tagged("post_install", "-at_install", "prs")
class TestProgram(PrsEventFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow.action_publish()

    def test_open_inside_window(self):
        """A program with a published flow is open inside its window."""
        is_open, _reason = self.program._prs_is_open(now=OPENS + timedelta(days=3))
        self.assertTrue(is_open)

    def test_open_at_opening_instant(self):
        """Registration opens exactly at the opening datetime."""
        self.assertTrue(self.program._prs_is_open(now=OPENS)[0])

    def test_closed_before_opening(self):
        """One second before the window opens the program is closed, and says when it opens."""
        is_open, reason = self.program._prs_is_open(now=OPENS - SECOND)
        self.assertFalse(is_open)
        self.assertIn("2030-01-01 08:00:00", reason)

    def test_open_just_before_closing(self):
        """One second before the window closes the program is still open."""
        self.assertTrue(self.program._prs_is_open(now=CLOSES - SECOND)[0])

    def test_closed_at_closing_instant(self):
        """At the closing datetime the program is closed."""
        is_open, reason = self.program._prs_is_open(now=CLOSES)
        self.assertFalse(is_open)
        self.assertIn("closed", reason)

    def test_closed_without_published_flow(self):
        """Inside the window, a program without a published flow is closed."""
        self.flow.action_unpublish()
        is_open, reason = self.program._prs_is_open(now=OPENS + SECOND)
        self.assertFalse(is_open)
        self.assertIn("no published flow", reason)

    def test_closed_without_window(self):
        """A program without a registration window is closed."""
        self.program.prs_registration_closes_at = False
        is_open, reason = self.program._prs_is_open(now=OPENS + SECOND)
        self.assertFalse(is_open)
        self.assertIn("window", reason)

    def test_form_shows_reason(self):
        """The computed reason shown on the form explains why the program is closed."""
        self.other_program.prs_registration_opens_at = False
        self.assertFalse(self.other_program.prs_is_open)
        self.assertIn("window", self.other_program.prs_open_reason)

    def test_window_must_be_ordered(self):
        """Registration cannot close before it opens."""
        with self.assertRaises(ValidationError):
            self.program.prs_registration_closes_at = OPENS - SECOND

    def test_program_context(self):
        """program.* exposes code, name, fee and type to skip conditions."""
        context = self.program._prs_program_context()
        self.assertEqual(context["code"], "EF-1")
        self.assertEqual(context["fee"], 250.0)
        self.assertEqual(context["id"], self.program.id)
        self.assertIn("type", context)

    def test_program_context_type_code(self):
        """program.type is the stable code of the program type, not its translated name."""
        self.program.event_type_id = self.env["event.type"].create(
            {"name": "Residential Retreat", "prs_type_code": "retreat"}
        )
        self.assertEqual(self.program._prs_program_context()["type"], "retreat")

    def test_duplicate_program(self):
        """A duplicated program gets a free code and draft copies of the flows."""
        copy = self.program.copy()
        self.assertEqual(copy.prs_code, "EF-1-COPY")
        self.assertTrue(copy.prs_is_program)
        self.assertEqual(copy.flow_ids.mapped("code"), ["standard"])
        self.assertEqual(copy.flow_ids.state, "draft")
        self.assertEqual(len(copy.flow_ids.step_ids), 5)
        self.assertNotEqual(copy.flow_ids, self.flow)
        self.assertEqual(self.program.copy().prs_code, "EF-1-COPY-2")

    def test_program_code_unique(self):
        """Two programs cannot share a code."""
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            self._create_program("EF-1")

    def test_event_without_code_is_not_a_program(self):
        """A plain event (no program code) is not a program and is never open."""
        event = self.env["event.event"].create(
            {
                "name": "Plain",
                "date_begin": "2030-04-01 08:00:00",
                "date_end": "2030-04-02 08:00:00",
            }
        )
        self.assertFalse(event.prs_is_program)
        self.assertFalse(event._prs_is_open(now=OPENS + SECOND)[0])
        self.assertTrue(self.program.prs_is_program)

    def test_smart_button_counts(self):
        """The program counts its flows and its published steps."""
        self.assertEqual(self.program.prs_flow_count, 1)
        self.assertEqual(self.program.prs_published_step_count, 5)
        self.flow.action_unpublish()
        self.program.invalidate_recordset(["prs_published_step_count"])
        self.assertEqual(self.program.prs_published_step_count, 0)
