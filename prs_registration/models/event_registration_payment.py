from odoo import fields, models


class EventRegistrationPayment(models.Model):
    """A payment recorded on a registration's payment step by the API workers
    (``event.registration.prs_record_payment``, README "Worker methods"). A provider's
    reference is recorded once."""

    _name = "event.registration.payment"
    _description = "Registration Payment"
    _order = "recorded_at desc, id desc"
    _rec_name = "reference"

    registration_id = fields.Many2one(
        "event.registration", required=True, readonly=True, ondelete="cascade", index=True
    )
    event_id = fields.Many2one(
        related="registration_id.event_id", string="Program", store=True, index=True
    )
    step_id = fields.Many2one(
        "event.flow.step", string="Payment Step", readonly=True, ondelete="restrict"
    )
    provider = fields.Char(required=True, readonly=True, help="Payment provider (its code).")
    reference = fields.Char(
        required=True, readonly=True, help="The provider's reference of the payment."
    )
    amount = fields.Monetary(required=True, readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(
        "res.currency", string="Currency", required=True, readonly=True, ondelete="restrict"
    )
    recorded_at = fields.Datetime(
        string="Recorded On", required=True, readonly=True, default=fields.Datetime.now
    )
    operation_id = fields.Char(
        readonly=True, help="The operation id of the worker call that recorded it."
    )

    _sql_constraints = [
        (
            "provider_reference_uniq",
            "unique(provider, reference)",
            "A provider's payment reference is recorded once.",
        ),
    ]

    def _prs_event_values(self):
        """The ``payment`` member of the integration event (README "Redis contract")."""
        self.ensure_one()
        return {
            "id": self.id,
            "reference": self.reference,
            "provider": self.provider,
            "amount": self.amount,
            "currency": self.currency_id.name,
        }

    def _prs_status_values(self):
        """The payments as the status worker method returns them."""
        return [
            {
                "reference": payment.reference,
                "provider": payment.provider,
                "amount": payment.amount,
                "currency": payment.currency_id.name,
                "step_id": payment.step_id.id or False,
                "recorded_at": payment.recorded_at.isoformat(timespec="seconds") + "Z",
            }
            for payment in self.sorted(lambda p: (p.recorded_at, p.id))
        ]
