from odoo import fields, models

PRS_STATES = [
    ("in_progress", "In Progress"),
    ("submitted", "Submitted"),
    ("changes_requested", "Changes Requested"),
    ("confirmed", "Confirmed"),
    ("waitlisted", "Waitlisted"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]

# Odoo's own event.registration state for each PRS state: only confirmed registrations
# take a seat ("open"); closed ones are "cancel"; everything else waits in "draft".
PRS_TO_ODOO_STATE = {
    "in_progress": "draft",
    "submitted": "draft",
    "changes_requested": "draft",
    "confirmed": "open",
    "waitlisted": "draft",
    "rejected": "cancel",
    "cancelled": "cancel",
}


class EventRegistrationMixin(models.AbstractModel):
    """What a PRS registration is, independently of Odoo's attendee model.

    ``answers`` holds the validated answers per step: ``{step code: {field code: value}}``
    (sensitive values encrypted as ``{"$enc": token}``, files as attachment references);
    ``step_versions`` the form version each step was answered with: ``{step code: int}``;
    ``step_dates`` the ``today`` intake validated each step with: ``{step code: ISO
    date}`` (the review evaluates the step's conditions with it).
    """

    _name = "event.registration.mixin"
    _description = "Program Registration (PRS)"
    _order = "id desc"

    event_id = fields.Many2one(
        "event.event", string="Program", required=True, ondelete="cascade", index=True
    )
    flow_id = fields.Many2one("event.flow", string="Flow", ondelete="restrict", index=True)
    current_step_id = fields.Many2one(
        "event.flow.step",
        string="Last Completed Step",
        ondelete="restrict",
        tracking=True,
        help="The last step the participant submitted.",
    )
    next_step_id = fields.Many2one(
        "event.flow.step",
        string="Next Step",
        ondelete="restrict",
        help="The step the participant has to submit next (empty when done).",
    )
    reopened_step_ids = fields.Many2many(
        "event.flow.step",
        string="Reopened Steps",
        help="Steps a coordinator asked the participant to change.",
    )
    prs_state = fields.Selection(
        PRS_STATES,
        string="Registration State",
        default="in_progress",
        required=True,
        index=True,
        copy=False,
        tracking=True,
    )
    answers = fields.Json(
        copy=False,
        groups="prs_base.group_prs_coordinator",
        help="Validated answers per step: {step code: {field code: value}}.",
    )
    step_versions = fields.Json(
        copy=False, help="Form version each step was answered with: {step code: version}."
    )
    step_dates = fields.Json(
        copy=False,
        help="The date ('today' of form conditions) intake validated each step with: "
        "{step code: ISO date}.",
    )
    prs_is_test = fields.Boolean(
        string="Test Registration",
        index=True,
        tracking=True,
        help="Test registrations never count against the program's capacity.",
    )
    prs_submitted_at = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    prs_state_changed_at = fields.Datetime(string="State Changed On", readonly=True, copy=False)
    # static columns fed from form fields mapped to them (name, email and phone are
    # event.registration's own columns)
    # contact columns mapped from answers: correctable by coordinators (a typo in a
    # name), every change tracked in the chatter; the answers stay the record of what
    # the participant submitted (README "Access")
    prs_first_name = fields.Char(string="First Name", tracking=True)
    prs_last_name = fields.Char(string="Last Name", tracking=True)
    prs_country_code = fields.Char(string="Country", tracking=True)
    prs_city = fields.Char(string="City", tracking=True)
    prs_language = fields.Char(string="Language", tracking=True)
    prs_gender = fields.Char(string="Gender", tracking=True)
    prs_birthdate = fields.Date(string="Date of Birth", tracking=True)
