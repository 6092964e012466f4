from odoo import fields, models


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    prs_visible = fields.Boolean(
        string="Visible Follower",
        compute="_compute_prs_visible",
        search="_search_prs_visible",
        help="False for the followers of a program's registration the current user may "
        "not read (issue 12, D3: followers would list registration ids and partners).",
    )

    def _compute_prs_visible(self):
        registrations = self.env["event.registration"]
        readable = set(
            registrations.browse(
                self.filtered(lambda f: f.res_model == registrations._name).mapped("res_id")
            )
            .exists()
            ._filter_access_rules("read")
            .ids
        )
        for follower in self:
            follower.prs_visible = (
                follower.res_model != registrations._name or follower.res_id in readable
            )

    def _search_prs_visible(self, operator, value):
        if operator not in ("=", "!=") or (operator == "=") != bool(value):
            raise NotImplementedError(operator)
        registrations = self.env["event.registration"].with_context(active_test=False)
        # sudo: which registrations belong to programs (a subquery of ids, never shown)
        programs = registrations.sudo()._search([("event_id.prs_is_program", "=", True)])
        # the current user's own rules (rules are evaluated as superuser: drop it)
        readable = registrations.sudo(False)._search([("event_id.prs_is_program", "=", True)])
        return [
            "|",
            ("res_model", "!=", registrations._name),
            "|",
            ("res_id", "not in", programs),
            ("res_id", "in", readable),
        ]
