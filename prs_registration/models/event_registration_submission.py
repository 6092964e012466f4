from odoo import fields, models


class EventRegistrationSubmission(models.Model):
    """One accepted intake call (``prs_submit``) or worker operation (a payment, a
    cancellation): replaying its id returns ``result``."""

    _name = "event.registration.submission"
    _description = "Registration Submission"
    _order = "id desc"
    _rec_name = "submission_id"

    submission_id = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="The intake call's submission id, or a worker method's operation id.",
    )
    operation = fields.Selection(
        [
            ("submit", "Step Submitted"),
            ("record_payment", "Payment Recorded"),
            ("cancel", "Cancelled by the Participant"),
        ],
        default="submit",
        required=True,
        readonly=True,
        help='The method of the accepted call (README "Worker methods").',
    )
    registration_id = fields.Many2one(
        "event.registration", required=True, readonly=True, ondelete="cascade", index=True
    )
    step_id = fields.Many2one("event.flow.step", readonly=True, ondelete="set null")
    form_version = fields.Integer(readonly=True)
    payload_hash = fields.Char(
        readonly=True,
        help="HMAC-SHA256 of the canonical JSON of the payload as first received, keyed "
        "with the database's intake secret (system parameter prs_registration.intake_secret).",
    )
    result = fields.Json(
        readonly=True,
        help="The response returned to the first call (without the continuation token).",
    )
    continuation_token_sealed = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The continuation token a first step returned, encrypted with a key derived "
        "from the intake secret: replaying the submission returns the same token.",
    )

    _sql_constraints = [
        (
            "submission_id_uniq",
            "unique(submission_id)",
            "A submission id is accepted once.",
        ),
    ]
