from odoo import _, fields, models
from odoo.exceptions import UserError


class EventRegistrationReasonWizard(models.TransientModel):
    """Reject or cancel registrations with a reason the participants read in the mail."""

    _name = "event.registration.reason.wizard"
    _description = "Reject or Cancel Registrations"
    _order = "id desc"

    registration_ids = fields.Many2many("event.registration", string="Registrations", required=True)
    decision = fields.Selection(
        [("reject", "Reject"), ("cancel", "Cancel")], required=True, default="cancel"
    )
    # required in the form; an empty reason is refused with a clear message (action_apply)
    reason = fields.Text(help="Sent to the participants in the mail.")

    def action_apply(self):
        self.ensure_one()
        # read with the user's rights: the wizard is private to its creator
        decision, reason = self.decision, self.reason
        # sudo: the ids of the selection only, so that a registration the user may not
        # change raises below (the relation alone would silently hide it); the decision
        # runs with the user's rights
        registrations = self.sudo().registration_ids.with_env(self.env)
        if not registrations:
            raise UserError(_("Choose the registrations first."))
        if decision == "reject":
            registrations._prs_reject(reason)
        else:
            registrations._prs_cancel(reason)
        return {"type": "ir.actions.act_window_close"}
