from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import create_index

from ..tools.contacts import PHONE_SQL_PATTERN


class ResPartner(models.Model):
    """A participant's contact: the registrations linked to it (README "Intake
    contract", *Participants as contacts*)."""

    _inherit = "res.partner"

    # intake finds a participant's contact by it (one index scan, never a table scan)
    email_normalized = fields.Char(index="btree_not_null")
    prs_registration_count = fields.Integer(
        string="Program Registrations Count",
        compute="_compute_prs_registration_count",
        groups="prs_base.group_prs_coordinator",
        help="Registrations of programs linked to this contact that you may read.",
    )

    def _auto_init(self):
        result = super()._auto_init()
        # the phone lookup of intake compares this expression (digits and + only) with
        # the participant's number: one btree index per column, partial like the column
        # (here, not in ``init``: that one is public, callable over RPC)
        for column in ("phone", "mobile"):
            create_index(
                self.env.cr,
                f"res_partner_prs_{column}_key_index",
                self._table,
                [f"regexp_replace(({column})::text, '{PHONE_SQL_PATTERN}'::text, ''::text, 'g')"],
                where=f"{column} IS NOT NULL",
            )
        return result

    def unlink(self):
        """A deleted contact's registrations lose it (the database sets their contact to
        none): they are no duplicates any more."""
        # sudo: only which registrations are flagged is read, to clear their flag
        flagged = (
            self.env["event.registration"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids), ("prs_duplicate", "=", True)])
        )
        result = super().unlink()
        if flagged:
            flagged._prs_sync_duplicates((), (), registration_ids=flagged.ids)
        return result

    @api.depends_context("uid")
    def _compute_prs_registration_count(self):
        """Counted with the user's rights: a coordinator counts the registrations of the
        programs he coordinates only (record rules)."""
        counts = {}
        Registration = self.env["event.registration"]
        real = self.filtered("id")
        if real and Registration.check_access_rights("read", raise_exception=False):
            counts = dict(
                Registration._read_group(
                    [
                        ("partner_id", "in", real.ids),
                        ("event_id.prs_is_program", "=", True),
                    ],
                    ["partner_id"],
                    ["__count"],
                )
            )
        for partner in self:
            partner.prs_registration_count = counts.get(partner._origin, 0)

    def action_prs_view_registrations(self):
        """The registrations of programs linked to this contact (those the user may
        read), in the registrations list."""
        self.ensure_one()
        if not self.env.user.has_group("prs_base.group_prs_coordinator"):
            raise AccessError(_("Only coordinators see a contact's program registrations."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        return self.env["event.registration"]._prs_registrations_action(
            [("partner_id", "=", self.id)], _("Registrations of %s", self.display_name)
        )
