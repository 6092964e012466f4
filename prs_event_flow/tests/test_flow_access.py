from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install", "prs")
class TestFlowAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["event.event"].create(
            {
                "name": "Retreat",
                "prs_code": "RET-1",
                "date_begin": "2030-01-01 08:00:00",
                "date_end": "2030-01-05 18:00:00",
            }
        )
        cls.configurator = new_test_user(
            cls.env, login="prs_cfg", groups="prs_form_builder.group_prs_configurator"
        )
        cls.coordinator = new_test_user(
            cls.env, login="prs_crd", groups="prs_form_builder.group_prs_coordinator"
        )

    def test_configurator_creates_flow(self):
        """A configurator creates a flow with a step on a program."""
        flow = (
            self.env["event.flow"]
            .with_user(self.configurator)
            .create(
                {
                    "event_id": self.program.id,
                    "code": "std",
                    "name": "Standard",
                    "step_ids": [
                        (0, 0, {"code": "confirm", "name": "Done", "step_type": "confirmation"})
                    ],
                }
            )
        )
        self.assertEqual(flow.step_ids.code, "confirm")

    def test_coordinator_cannot_create_flow(self):
        """A coordinator reads flows but may not create them."""
        with self.assertRaises(AccessError):
            self.env["event.flow"].with_user(self.coordinator).create(
                {"event_id": self.program.id, "code": "x", "name": "X"}
            )
