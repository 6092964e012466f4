from odoo import fields, models


class EventRegistrationSubmission(models.Model):
    """One accepted intake call: replaying its submission id returns ``result``."""

    _name = "event.registration.submission"
    _description = "Registration Submission"
    _order = "id desc"
    _rec_name = "submission_id"

    submission_id = fields.Char(required=True, readonly=True, index=True)
    registration_id = fields.Many2one(
        "event.registration", required=True, readonly=True, ondelete="cascade", index=True
    )
    step_id = fields.Many2one("event.flow.step", readonly=True, ondelete="set null")
    form_version = fields.Integer(readonly=True)
    payload_hash = fields.Char(
        readonly=True, help="sha256 of the canonical JSON of the payload as first received."
    )
    result = fields.Json(readonly=True, help="The response returned to the first call.")

    _sql_constraints = [
        (
            "submission_id_uniq",
            "unique(submission_id)",
            "A submission id is accepted once.",
        ),
    ]
