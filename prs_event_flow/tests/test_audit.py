from odoo.tests import TransactionCase, new_test_user, tagged

from .common import FlowBuilder


@tagged("post_install", "-at_install", "prs", "prs_event_flow")
class TestCoordinatorAudit(FlowBuilder, TransactionCase):
    def test_coordinator_changes_tracked(self):
        """Adding or removing a program's coordinator leaves a tracking line in the
        program's chatter."""
        coordinator = new_test_user(
            self.env, login="prs_audit_crd", groups="prs_base.group_prs_coordinator"
        )
        program = self.create_program(self.env, "AUDIT-1")
        self.env.cr.flush()  # end of the creating transaction: tracking starts after it
        program.write({"prs_coordinator_ids": [(4, coordinator.id)]})
        self.env.flush_all()
        self.env.cr.flush()  # runs the precommit hooks that write the tracking values
        self.env.invalidate_all()
        values = program.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "prs_coordinator_ids"
        )
        self.assertEqual(values[:1].new_value_char, coordinator.name)
