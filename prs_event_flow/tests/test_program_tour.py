from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs", "prs_tour")
class TestProgramTour(PrsEventFlowCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        (cls.program | cls.other_program).write(
            {
                "prs_registration_opens_at": now - timedelta(days=1),
                "prs_registration_closes_at": now + timedelta(days=30),
            }
        )
        cls.action = cls.env.ref("prs_event_flow.event_event_action_prs_program")

    def _url(self):
        return f"/web#action={self.action.id}&view_type=list"

    def test_configurator_publishes_flow_from_program(self):
        """A configurator sees why a program is closed, publishes its flow, sees it open."""
        self.start_tour(self._url(), "prs_event_flow_program_tour", login=self.configurator.login)
        self.assertEqual(self.flow.state, "published")
        self.assertTrue(self.program._prs_is_open()[0])

    def test_coordinator_lists_own_programs(self):
        """A coordinator's Programs list holds the programs they coordinate, no other."""
        self.start_tour(
            self._url(), "prs_event_flow_coordinator_tour", login=self.coordinator.login
        )
