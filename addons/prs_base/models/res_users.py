import logging

from odoo import api, models

_logger = logging.getLogger(__name__)
AUDIT_LOGGER = "odoo.addons.prs_base.audit"


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _prs_groups(self):
        """Every group a Global PRS module defines (prs_base and the others)."""
        # sudo: XML ids of groups, read to recognise the PRS ones
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search([("model", "=", "res.groups"), ("module", "=like", "prs\\_%")])
        )
        return self.env["res.groups"].browse(data.mapped("res_id"))

    def _prs_group_snapshot(self):
        """``{user id: set of PRS group names}``, implied groups included."""
        prs_groups = self._prs_groups()
        # sudo: group memberships of the users being changed, for the audit trail
        return {
            user.id: set((user.sudo().groups_id & prs_groups).mapped("full_name")) for user in self
        }

    def _prs_audit_groups(self, before):
        """Write one audit row (Settings > Technical > Logging, name
        ``odoo.addons.prs_base.audit``) per user whose PRS groups changed."""
        after = self._prs_group_snapshot()
        rows = []
        for user in self:
            added = sorted(after[user.id] - before.get(user.id, set()))
            removed = sorted(before.get(user.id, set()) - after[user.id])
            if not (added or removed):
                continue
            message = (
                f"PRS groups of {user.login} (id {user.id}) changed by "
                f"{self.env.user.login} (id {self.env.uid}): "
                f"added {', '.join(added) or '-'}; removed {', '.join(removed) or '-'}"
            )
            _logger.info(message)
            rows.append(
                {
                    "name": AUDIT_LOGGER,
                    "type": "server",
                    "dbname": self.env.cr.dbname,
                    "level": "INFO",
                    "message": message,
                    "path": "prs_base",
                    "func": "groups",
                    "line": "0",
                }
            )
        if rows:
            # sudo: ir.logging is written by the system and read by administrators
            self.env["ir.logging"].sudo().create(rows)

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._prs_audit_groups({})
        return users

    def write(self, vals):
        if not any(key.startswith(("groups_id", "in_group_", "sel_groups_")) for key in vals):
            return super().write(vals)
        before = self._prs_group_snapshot()
        result = super().write(vals)
        self._prs_audit_groups(before)
        return result
