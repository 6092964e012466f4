from odoo import models


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        if "users" not in vals and "implied_ids" not in vals:
            return super().write(vals)
        # sudo: the members of the changed groups (implied memberships are stored on
        # the users too), for the audit trail of PRS group memberships
        affected = self.sudo().with_context(active_test=False).users
        before = affected._prs_group_snapshot()
        result = super().write(vals)
        affected |= self.sudo().with_context(active_test=False).users
        affected._prs_audit_groups(before)
        return result
