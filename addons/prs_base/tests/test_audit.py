from odoo.tests import TransactionCase, new_test_user, tagged

AUDIT = "odoo.addons.prs_base.audit"


@tagged("post_install", "-at_install", "prs", "prs_base")
class TestGroupAudit(TransactionCase):
    """Changes to Global PRS group memberships are written to ir.logging (Settings >
    Technical > Logging, name odoo.addons.prs_base.audit), readable by administrators."""

    def _rows(self, user):
        return self.env["ir.logging"].search(
            [("name", "=", AUDIT), ("message", "like", f"PRS groups of {user.login} ")]
        )

    def test_grant_and_remove_logged(self):
        """Granting Coordinator through the user and removing it through the group each
        write a row naming who changed what."""
        user = new_test_user(self.env, login="prs_audit_user", groups="base.group_user")
        self.assertFalse(self._rows(user))
        coordinator = self.env.ref("prs_base.group_prs_coordinator")
        user.write({"groups_id": [(4, coordinator.id)]})
        rows = self._rows(user)
        self.assertEqual(len(rows), 1)
        self.assertIn("added Global PRS / Coordinator", rows.message)
        coordinator.write({"users": [(3, user.id)]})
        rows = self._rows(user)
        self.assertEqual(len(rows), 2)
        self.assertIn("removed Global PRS / Coordinator", rows[0].message)

    def test_other_groups_not_logged(self):
        """A change to non-PRS groups writes nothing."""
        user = new_test_user(self.env, login="prs_audit_other", groups="base.group_user")
        user.write({"groups_id": [(4, self.env.ref("base.group_partner_manager").id)]})
        self.assertFalse(self._rows(user))
