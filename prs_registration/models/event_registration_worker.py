"""Worker methods beside ``prs_submit`` (README "Worker methods"): the API workers'
background tasks call them over RPC as the API integration user."""

import functools
import logging
import os

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import float_compare

from ..tools import intake
from ..tools.intake import IntakeError

_logger = logging.getLogger(__name__)

#: request schema of each worker method (``prs_registration/schemas/``)
REQUEST_SCHEMAS = {
    "prs_record_payment": "prs.payment.request.1.json",
    "prs_cancel_registration": "prs.cancel.request.1.json",
    "prs_registration_status": "prs.status.request.1.json",
}
#: ``event.registration.submission.operation`` of the methods that change something
OPERATIONS = {"prs_record_payment": "record_payment", "prs_cancel_registration": "cancel"}
#: states in which a registration still takes answers (and a payment)
OPEN_STATES = ("in_progress", "changes_requested")
#: states a participant's cancellation leaves as they are
CLOSED_STATES = ("rejected", "cancelled")


def _ref(record):
    return {"id": record.id, "code": record.code} if record else False


class EventRegistration(models.Model):
    _inherit = "event.registration"

    prs_payment_ids = fields.One2many(
        "event.registration.payment", "registration_id", string="Payments", readonly=True
    )

    # ------------------------------------------------------------------
    # Entry points (RPC)
    # ------------------------------------------------------------------

    @api.model
    def prs_record_payment(self, payload):
        """Record a payment on the registration's payment step and move it on (the
        next step, or submitted); see README "Worker methods"."""
        return self._prs_logged_call(
            "prs_record_payment", self._prs_worker_runner("prs_record_payment"), payload
        )

    @api.model
    def prs_cancel_registration(self, payload):
        """Cancel a registration at its participant's request (frees the seat; the
        waitlist moves up); see README "Worker methods"."""
        return self._prs_logged_call(
            "prs_cancel_registration", self._prs_worker_runner("prs_cancel_registration"), payload
        )

    @api.model
    def prs_registration_status(self, payload):
        """The registration as its participant sees it: state, next step, requested
        changes, payments; see README "Worker methods"."""
        return self._prs_logged_call(
            "prs_registration_status", self._prs_worker_runner("prs_registration_status"), payload
        )

    # ------------------------------------------------------------------
    # Common path: group, request schema, idempotency, structured errors
    # ------------------------------------------------------------------

    @api.model
    def _prs_worker_runner(self, method):
        """``run(payload)`` of ``method`` for ``_prs_logged_call``."""
        return functools.partial(self._prs_worker_call, method)

    @api.model
    def _prs_worker_call(self, method, payload):
        if not (self.env.su or self.env.user.has_group("prs_base.group_prs_api")):
            raise AccessError(_("Only the API integration user may call the worker methods."))
        # sudo: as prs_submit, the caller is the API integration user without other
        # access; everything below reads/writes only the registration the payload names
        # after checking its continuation token
        self_sudo = self.sudo()
        validator = intake.schema_validator(
            os.path.join(intake.SCHEMA_DIR, REQUEST_SCHEMAS[method])
        )
        errors = intake.check_payload(
            payload, max_bytes=self._prs_max_payload_bytes(), validator=validator
        )
        if errors:
            return {"ok": False, "errors": errors}
        if method == "prs_registration_status":
            # a read: nothing to replay (the operation id, if any, is only logged)
            try:
                return self_sudo._prs_worker_registration(payload)._prs_status_result()
            except IntakeError as exc:
                return {"ok": False, "errors": exc.errors}
        operation_id = payload["operation_id"]
        payload_hash = intake.fingerprint(
            {"method": method, "payload": payload}, self_sudo._prs_intake_secret()
        )
        # one operation id at a time, as prs_submit's submission ids (same namespace):
        # the advisory lock and the look-up in one query
        replay = self_sudo._prs_operation_replay(operation_id, payload_hash, lock=True)
        if replay:
            return replay
        handler = {
            "prs_record_payment": self_sudo._prs_worker_record_payment,
            "prs_cancel_registration": self_sudo._prs_worker_cancel,
        }[method]
        try:
            with self.env.cr.savepoint():
                result = handler(payload)
                self_sudo._prs_store_operation(method, payload, payload_hash, result)
                return result
        except IntakeError as exc:
            return {"ok": False, "errors": exc.errors}
        except psycopg2.IntegrityError:
            # the same operation id, or the same payment, stored by a concurrent call that
            # may have committed after this transaction's snapshot: its stored result
            replay = self_sudo._prs_operation_replay(operation_id, payload_hash, committed=True)
            if not replay:
                _logger.warning("%s: integrity error for %s", method, operation_id)
            return replay or self._prs_error(
                "conflict", _("The call conflicts with another one."), detail="IntegrityError"
            )
        except psycopg2.OperationalError as exc:
            if exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise  # Odoo's RPC layer retries the whole call
            _logger.exception("%s: database failure for %s", method, operation_id)
            return self._prs_error(
                "internal_error",
                _("The call could not be completed; nothing was saved."),
                detail=f"OperationalError {exc.pgcode}",
            )
        except (UserError, ValidationError) as exc:
            detail = f"{type(exc).__name__}: {exc.args[0] if exc.args else exc}"
            _logger.warning("%s: %s refused: %s", method, operation_id, detail)
            return self._prs_error(
                "invalid", _("The call was refused; nothing was saved."), detail=detail
            )
        except Exception as exc:
            _logger.exception("%s: unexpected failure for %s", method, operation_id)
            return self._prs_error(
                "internal_error",
                _("The call could not be completed; nothing was saved."),
                detail=type(exc).__name__,
            )

    @api.model
    def _prs_operation_replay(self, operation_id, payload_hash, lock=False, committed=False):
        """The stored result of an accepted operation id; ``duplicate_operation`` for
        the same id with another payload (or another method); None when new. ``lock``:
        take the id's advisory lock first (:meth:`_prs_replay`); ``committed``: after an
        integrity error, also read what a concurrent call committed after this
        transaction's snapshot (:meth:`_prs_replay_committed`, shared with prs_submit)."""
        if committed:
            replay = self._prs_replay_committed(operation_id, payload_hash)
        else:
            replay = self._prs_replay(operation_id, payload_hash, lock=lock)
        if replay and not replay.get("ok"):
            return self._prs_error(
                "duplicate_operation",
                _("The operation id %s was already used with another payload.", operation_id),
            )
        return replay

    @api.model
    def _prs_store_operation(self, method, payload, payload_hash, result):
        self.env["event.registration.submission"].create(
            {
                "submission_id": payload["operation_id"],
                "operation": OPERATIONS[method],
                "registration_id": result["registration_id"],
                "step_id": payload.get("step_id") or False,
                "form_version": 0,
                "payload_hash": payload_hash,
                "result": result,
            }
        )
        self.env.flush_all()

    @api.model
    def _prs_intake_log_values(self, payload, result, failure):
        """A worker method's payload names no program nor flow: its log row takes them
        from the registration it names (when that exists)."""
        vals = super()._prs_intake_log_values(payload, result, failure)
        if (
            failure is None  # after a database error the transaction reads nothing more
            and isinstance(payload, dict)
            and "program_id" not in payload
            and vals.get("registration_id")
            and not vals.get("program_id")
        ):
            # sudo: only the ids of the program and flow go to the (administrators') log
            rows = (
                self.sudo()
                .with_context(active_test=False)
                .search_read(
                    [("id", "=", vals["registration_id"])], ["event_id", "flow_id"], load=None
                )
            )
            if rows:
                vals.update(program_id=rows[0]["event_id"] or 0, flow_id=rows[0]["flow_id"] or 0)
        return vals

    @api.model
    def _prs_worker_registration(self, payload):
        """The program registration of the payload, proven by its continuation token
        (the check of ``prs_submit``'s later steps: same error for a wrong token and an
        unknown id)."""
        registration = self.browse(payload["registration_id"]).exists()
        if (
            not registration
            or not registration.event_id.prs_is_program
            or not intake.token_matches(
                payload.get("continuation_token"), registration.prs_token_hash
            )
        ):
            raise IntakeError(
                [intake.error("unknown_registration", _("There is no such registration."))]
            )
        return registration

    # ------------------------------------------------------------------
    # Payment
    # ------------------------------------------------------------------

    @api.model
    def _prs_worker_record_payment(self, payload):
        registration = self._prs_worker_registration(payload)
        step = self.env["event.flow.step"].browse(payload["step_id"]).exists()
        if not step or step.flow_id != registration.flow_id:
            raise IntakeError([intake.error("unknown_step", _("The flow has no such step."))])
        if step.step_type != "payment":
            raise IntakeError(
                [intake.error("step_type", _("The step %s takes no payment.", step.code))]
            )
        if registration.prs_state not in OPEN_STATES:
            raise IntakeError(
                [
                    intake.error(
                        "registration_closed",
                        _("The registration takes no payment (it is %s).", registration.prs_state),
                    )
                ]
            )
        # the order of prs_submit: the next visible step (or a reopened one)
        self._prs_intake_navigation(registration, registration.flow_id, step)
        currency = self._prs_payment_currency(registration.event_id, payload)
        duplicate = self.env["event.registration.payment"].search_count(
            [("provider", "=", payload["provider"]), ("reference", "=", payload["reference"])],
            limit=1,
        )
        if duplicate:
            raise IntakeError(
                [
                    intake.error(
                        "duplicate_payment",
                        _("This payment reference of the provider is already recorded."),
                        "reference",
                    )
                ]
            )
        payment = self.env["event.registration.payment"].create(
            {
                "registration_id": registration.id,
                "step_id": step.id,
                "provider": payload["provider"],
                "reference": payload["reference"],
                "amount": payload["amount"],
                "currency_id": currency.id,
                "operation_id": payload["operation_id"],
            }
        )
        registration._prs_emit_payment_event(payment)
        # the payment step is done: the navigation of prs_submit moves the registration
        # on (the next step, or submitted)
        registration._prs_store_step(
            step, self.env["form.form.version"], {}, {}, self._prs_today(registration.event_id)
        )
        return {
            "ok": True,
            "registration_id": registration.id,
            "payment_id": payment.id,
            "state": registration.prs_state,
            "next_step_id": registration.next_step_id.id or False,
        }

    @api.model
    def _prs_payment_currency(self, program, payload):
        """The currency of the payment; with a program fee, amount and currency must be
        the fee's."""
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", payload["currency"])], limit=1)
        )
        if not currency:
            raise IntakeError(
                [intake.error("unknown_currency", _("Unknown currency."), "currency")]
            )
        amount = payload["amount"]
        if float_compare(
            amount, currency.round(amount), precision_digits=currency.decimal_places + 6
        ):
            # never rounded silently: 99.999 EUR is not 100.00 EUR, 1.5 JPY not 2 JPY
            raise IntakeError(
                [
                    intake.error(
                        "amount_precision",
                        _(
                            "The amount has more decimals than %(currency)s allows (%(digits)s).",
                            currency=currency.name,
                            digits=currency.decimal_places,
                        ),
                        "amount",
                    )
                ]
            )
        fee_currency = program.prs_currency_id
        if program.prs_fee and fee_currency:
            if currency != fee_currency:
                raise IntakeError(
                    [
                        intake.error(
                            "currency_mismatch",
                            _("The program's fee is in %s.", fee_currency.name),
                            "currency",
                        )
                    ]
                )
            if fee_currency.compare_amounts(payload["amount"], program.prs_fee):
                raise IntakeError(
                    [
                        intake.error(
                            "amount_mismatch",
                            _(
                                "The program's fee is %(amount)s %(currency)s.",
                                amount=program.prs_fee,
                                currency=fee_currency.name,
                            ),
                            "amount",
                        )
                    ]
                )
        return currency

    # ------------------------------------------------------------------
    # Cancellation
    # ------------------------------------------------------------------

    @api.model
    def _prs_worker_cancel(self, payload):
        registration = self._prs_worker_registration(payload)
        if registration.prs_state in CLOSED_STATES:
            raise IntakeError(
                [
                    intake.error(
                        "registration_closed",
                        _("The registration is already %s.", registration.prs_state),
                    )
                ]
            )
        # the cancel of the review (reason tracked, mail, seat freed, waitlist promoted)
        registration._prs_cancel(payload.get("reason") or "", by_participant=True)
        return {"ok": True, "registration_id": registration.id, "state": registration.prs_state}

    # ------------------------------------------------------------------
    # Status
    # ------------------------------------------------------------------

    def _prs_status_result(self):
        """The status response of this registration (README "Worker methods")."""
        self.ensure_one()
        changes = False
        if self.prs_state == "changes_requested":
            deadline = self.prs_changes_deadline
            changes = {
                "steps": [
                    _ref(step)
                    for step in self.reopened_step_ids.sorted(lambda s: (s.sequence, s.id))
                ],
                "message": self.prs_changes_message or False,
                "deadline": deadline.isoformat(timespec="seconds") + "Z" if deadline else False,
            }
        return {
            "ok": True,
            "registration_id": self.id,
            "state": self.prs_state,
            "program": {"id": self.event_id.id, "code": self.event_id.prs_code or ""},
            "flow": _ref(self.flow_id),
            "next_step": _ref(self.next_step_id),
            "changes": changes,
            "payments": self.prs_payment_ids._prs_status_values(),
        }
