from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EventRegistrationRequestChanges(models.TransientModel):
    """Reopen chosen steps of registrations and tell the participants why."""

    _name = "event.registration.request.changes"
    _description = "Request Changes to Registrations"
    _order = "id desc"

    registration_ids = fields.Many2many("event.registration", string="Registrations", required=True)
    flow_ids = fields.Many2many("event.flow", compute="_compute_flow_ids")
    step_ids = fields.Many2many(
        "event.flow.step",
        string="Steps to Reopen",
        required=True,
        domain="[('flow_id', 'in', flow_ids), ('step_type', '=', 'form')]",
    )
    message = fields.Text(required=True, help="Sent to the participant with the request.")
    deadline = fields.Datetime(
        help="The participant may answer until then, even after the registration window "
        "closed; empty: the start of each registration's program.",
    )

    @api.depends("registration_ids")
    def _compute_flow_ids(self):
        for wizard in self:
            wizard.flow_ids = wizard.registration_ids.flow_id

    @api.constrains("deadline")
    def _check_deadline(self):
        for wizard in self:
            if wizard.deadline and wizard.deadline <= fields.Datetime.now():
                # a past deadline leaves the registrations in changes requested, refusing
                # every answer once the window closes
                raise UserError(_("The deadline of the changes is past: choose a later one."))

    def action_apply(self):
        self.ensure_one()
        # read with the user's rights: the wizard is private to its creator
        steps, message, deadline = self.step_ids, self.message, self.deadline
        # sudo: the ids of the selection only, so that a registration the user may not
        # see or change raises below (the relation alone would silently hide it and
        # report success); the request runs with the user's rights
        registrations = self.sudo().registration_ids.with_env(self.env)
        if not registrations:
            raise UserError(_("Choose the registrations first."))
        registrations.check_access_rights("write")
        registrations.check_access_rule("write")
        registrations._prs_request_changes(steps, message, deadline=deadline)
        return {"type": "ir.actions.act_window_close"}
