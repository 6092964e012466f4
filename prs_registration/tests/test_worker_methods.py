"""Worker methods beside prs_submit (README "Worker methods"): record a payment, a
cancellation asked by the participant, the registration's status; and the integration
events their state changes produce (README "Redis contract", Events)."""

import uuid
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import PrsRegistrationCase, check_contract

SCHEMAS = {
    "prs_record_payment": ("prs.payment.request.1.json", "prs.payment.response.1.json"),
    "prs_cancel_registration": ("prs.cancel.request.1.json", "prs.cancel.response.1.json"),
    "prs_registration_status": ("prs.status.request.1.json", "prs.status.response.1.json"),
}


@tagged("post_install", "-at_install", "prs", "prs_registration")
class TestWorkerMethods(PrsRegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.paid_program = cls._create_program(
            "REG-PAY",
            coordinators=cls.coordinator,
            prs_fee=120.0,
            prs_currency_id=cls.eur.id,
            seats_limited=True,
            seats_max=1,
            prs_waitlist_allowed=True,
        )
        # personal -> pay -> terms
        cls.paid_flow = cls.create_flow(
            cls.env,
            cls.paid_program,
            [
                cls.step("personal", 10, form=cls.form_personal),
                cls.step("pay", 20, step_type="payment"),
                cls.step("terms", 30, form=cls.form_terms),
            ],
            code="paid",
        )
        cls.paid_flow.write({"state": "published"})
        cls.paid_personal, cls.step_pay, cls.paid_terms = cls.paid_flow.step_ids.sorted("sequence")
        cls.Payment = cls.env["event.registration.payment"]
        cls.registry.enter_test_mode(cls.cr)  # the intake log's cursor is the test's
        cls.addClassCleanup(cls.registry.leave_test_mode)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def call(self, method, payload, user=None):
        """Call a worker method as the API user: the request and the response must
        match their schemas (refused requests excepted) and no message may leak."""
        request_schema, response_schema = SCHEMAS[method]
        result = getattr(self.Registration.with_user(user or self.api_user), method)(payload)
        if result["ok"]:
            check_contract(request_schema, payload)
        check_contract(response_schema, result)
        self.assertNoIntakeLeak(result)
        return result

    def start(self, **answers):
        """A registration of the paid program, its first step submitted (next: pay)."""
        first = self.submit(self.payload(self.paid_personal, self.personal_answers(**answers)))
        self.assertTrue(first["ok"], first)
        registration = self.Registration.browse(first["registration_id"])
        self.assertEqual(registration.next_step_id, self.step_pay)
        return registration

    def token(self, registration):
        return type(self)._tokens[registration.id]

    def payment_payload(self, registration, **values):
        payload = {
            "operation_id": str(uuid.uuid4()),
            "registration_id": registration.id,
            "continuation_token": self.token(registration),
            "step_id": self.step_pay.id,
            "reference": f"pi_{uuid.uuid4().hex[:12]}",
            "amount": 120.0,
            "currency": "EUR",
            "provider": "stripe",
        }
        payload.update(values)
        return payload

    def cancel_payload(self, registration, **values):
        payload = {
            "operation_id": str(uuid.uuid4()),
            "registration_id": registration.id,
            "continuation_token": self.token(registration),
            "reason": "I cannot travel.",
        }
        payload.update(values)
        return payload

    def status(self, registration, **values):
        payload = {
            "registration_id": registration.id,
            "continuation_token": self.token(registration),
        }
        payload.update(values)
        return self.call("prs_registration_status", payload)

    def capture_events(self):
        """Record the events handed to the hook (still passed on to the overrides)."""
        events = []
        model_class = type(self.env["event.event"])
        original = model_class._prs_on_registration_events

        def spy(model, batch):
            events.extend(batch)
            return original(model, batch)

        self.startPatcher(patch.object(model_class, "_prs_on_registration_events", spy))
        return events

    def finish(self, registration):
        result = self.submit(self.payload(self.paid_terms, {"accept": True}, registration))
        self.assertTrue(result["ok"], result)

    # ------------------------------------------------------------------
    # Payment
    # ------------------------------------------------------------------

    def test_payment_is_recorded_and_moves_on(self):
        """A payment on the payment step is stored, the step is done and the
        registration goes to the next step; the last step then submits it."""
        registration = self.start()
        payload = self.payment_payload(registration)
        result = self.call("prs_record_payment", payload)
        self.assertTrue(result["ok"], result)
        payment = self.Payment.browse(result["payment_id"])
        self.assertEqual(
            (payment.registration_id, payment.step_id, payment.reference, payment.provider),
            (registration, self.step_pay, payload["reference"], "stripe"),
        )
        self.assertEqual((payment.amount, payment.currency_id), (120.0, self.eur))
        self.assertEqual(result["next_step_id"], self.paid_terms.id)
        self.assertEqual(result["state"], "in_progress")
        self.assertEqual(registration.current_step_id, self.step_pay)
        self.assertEqual(registration.next_step_id, self.paid_terms)
        self.finish(registration)
        self.assertEqual(registration.prs_state, "submitted")

    def test_payment_on_the_last_step_submits(self):
        """When the payment step is the last visible one, the registration is submitted."""
        flow = self.create_flow(
            self.env,
            self.paid_program,
            [self.step("personal", 10, form=self.form_personal), self.step("pay", 20, "payment")],
            code="quick",
        )
        flow.write({"state": "published"})
        personal, pay = flow.step_ids.sorted("sequence")
        first = self.submit(self.payload(personal, flow=flow))
        registration = self.Registration.browse(first["registration_id"])
        result = self.call("prs_record_payment", self.payment_payload(registration, step_id=pay.id))
        self.assertTrue(result["ok"], result)
        self.assertEqual((result["state"], result["next_step_id"]), ("submitted", False))
        self.assertEqual(registration.prs_state, "submitted")
        self.assertTrue(registration.prs_submitted_at)

    def test_payment_replay_and_conflict(self):
        """The same operation id and payload returns the first result and writes
        nothing; the same id with another payload is ``duplicate_operation``."""
        registration = self.start()
        payload = self.payment_payload(registration)
        first = self.call("prs_record_payment", payload)
        again = self.call("prs_record_payment", dict(payload))
        self.assertEqual(again, first)
        self.assertEqual(len(registration.prs_payment_ids), 1)
        other = self.call("prs_record_payment", dict(payload, reference="pi_other"))
        self.assertIntakeError(other, "duplicate_operation")
        self.assertEqual(len(registration.prs_payment_ids), 1)
        submissions = registration.submission_ids.filtered(
            lambda s: s.operation == "record_payment"
        )
        self.assertEqual(submissions.submission_id, payload["operation_id"])

    def test_payment_checks_amount_and_currency(self):
        """With a program fee, the amount and currency must be the fee's; an unknown
        currency is refused; a refusal writes nothing."""
        registration = self.start()
        cases = [
            ({"amount": 100.0}, "amount_mismatch", "amount"),
            ({"currency": "USD"}, "currency_mismatch", "currency"),
            ({"currency": "XQZ"}, "unknown_currency", "currency"),
        ]
        for values, code, field in cases:
            with self.subTest(code=code):
                result = self.call(
                    "prs_record_payment", self.payment_payload(registration, **values)
                )
                self.assertIntakeError(result, code, field)
        self.assertFalse(registration.prs_payment_ids)
        self.assertEqual(registration.next_step_id, self.step_pay)

    def test_payment_without_fee_takes_any_currency(self):
        """A program without a fee records the payment as given."""
        self.paid_program.prs_fee = 0
        registration = self.start()
        result = self.call(
            "prs_record_payment", self.payment_payload(registration, amount=5.0, currency="USD")
        )
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.prs_payment_ids.currency_id.name, "USD")

    def test_payment_step_checks(self):
        """Only the registration's next step, of type payment, in its flow, takes a
        payment; a provider's reference is recorded once."""
        registration = self.start()
        result = self.call(
            "prs_record_payment", self.payment_payload(registration, step_id=self.paid_terms.id)
        )
        self.assertIntakeError(result, "step_type")
        result = self.call(
            "prs_record_payment", self.payment_payload(registration, step_id=self.step_terms.id)
        )
        self.assertIntakeError(result, "unknown_step")
        paid = self.call("prs_record_payment", self.payment_payload(registration))
        self.assertTrue(paid["ok"], paid)
        result = self.call("prs_record_payment", self.payment_payload(registration))
        self.assertIntakeError(result, "step_order")
        other = self.start()
        reference = registration.prs_payment_ids.reference
        result = self.call("prs_record_payment", self.payment_payload(other, reference=reference))
        self.assertIntakeError(result, "duplicate_payment", "reference")
        self.assertFalse(other.prs_payment_ids)

    def test_payment_needs_the_continuation_token(self):
        """Another registration's token, or none, is refused like an unknown id."""
        registration, other = self.start(), self.start()
        result = self.call(
            "prs_record_payment",
            self.payment_payload(registration, continuation_token=self.token(other)),
        )
        self.assertIntakeError(result, "unknown_registration")
        payload = self.payment_payload(registration)
        del payload["continuation_token"]
        self.assertIntakeError(self.call("prs_record_payment", payload), "malformed")
        self.assertFalse(registration.prs_payment_ids)

    def test_payment_on_a_closed_registration(self):
        """A submitted registration takes no payment."""
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration))
        self.finish(registration)
        result = self.call("prs_record_payment", self.payment_payload(registration))
        self.assertIntakeError(result, "registration_closed")

    def test_calls_are_logged_with_their_method(self):
        """Every worker call, accepted or refused, is in the intake log with its method
        and operation id."""
        registration = self.start()
        payload = self.payment_payload(registration)
        self.call("prs_record_payment", payload)
        refused = self.payment_payload(registration, amount=-1)
        self.assertIntakeError(self.call("prs_record_payment", refused), "malformed")
        self.status(registration)
        logs = self.env["prs.intake.log"].search(
            [("submission_id", "in", [payload["operation_id"], refused["operation_id"]])]
        )
        self.assertEqual(
            sorted((log.method, log.result) for log in logs),
            [("prs_record_payment", "error"), ("prs_record_payment", "ok")],
        )
        self.assertTrue(
            self.env["prs.intake.log"].search_count(
                [
                    ("method", "=", "prs_registration_status"),
                    ("registration_id", "=", registration.id),
                ]
            )
        )

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_api_group_only(self):
        """Only the API integration user calls the worker methods: a coordinator, an
        internal user and a user created with Odoo's default groups get AccessError."""
        registration = self.start()
        colleague = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "Colleague", "login": "prs_worker_dflt"})
        )
        for user in (self.coordinator, self.internal_user, colleague):
            for method, payload in (
                ("prs_record_payment", self.payment_payload(registration)),
                ("prs_cancel_registration", self.cancel_payload(registration)),
                ("prs_registration_status", {"registration_id": registration.id}),
            ):
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    getattr(self.Registration.with_user(user), method)(payload)
        self.assertFalse(registration.prs_payment_ids)

    def test_payment_access(self):
        """Payments are read by the program's coordinators and administrators; another
        program's coordinator, the API user and a default user read none; nobody writes."""
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration))
        payment = registration.prs_payment_ids
        self.assertEqual(payment.with_user(self.coordinator).reference, payment.reference)
        self.assertTrue(payment.with_user(self.administrator).read(["amount"]))
        internal = new_test_user(self.env, login="prs_worker_int2", groups="base.group_user")
        # created the way Odoo creates a colleague: default groups (Events Administrator)
        colleague = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "Colleague", "login": "prs_worker_dflt2"})
        )
        self.assertTrue(colleague.has_group("event.group_event_manager"))
        for user in (self.other_coordinator, self.api_user, internal, colleague):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                payment.with_user(user).read(["reference"])
        with self.assertRaises(AccessError):
            payment.with_user(self.coordinator).write({"amount": 1})
        with self.assertRaises(AccessError):
            payment.with_user(self.administrator).unlink()

    # ------------------------------------------------------------------
    # Cancellation
    # ------------------------------------------------------------------

    def test_participant_cancels(self):
        """A participant's cancellation cancels with the reason, by the participant;
        the same operation again returns the first result; a new one is refused."""
        registration = self.start()
        payload = self.cancel_payload(registration)
        result = self.call("prs_cancel_registration", payload)
        self.assertEqual(
            result, {"ok": True, "registration_id": registration.id, "state": "cancelled"}
        )
        self.assertEqual(registration.prs_state, "cancelled")
        self.assertTrue(registration.prs_cancelled_by_participant)
        self.assertEqual(registration.prs_reason, "I cannot travel.")
        self.assertEqual(self.call("prs_cancel_registration", dict(payload)), result)
        again = self.call("prs_cancel_registration", self.cancel_payload(registration))
        self.assertIntakeError(again, "registration_closed")
        conflict = self.call("prs_cancel_registration", dict(payload, reason="Other"))
        self.assertIntakeError(conflict, "duplicate_operation")

    def test_cancel_frees_the_seat(self):
        """Cancelling a confirmed registration frees its seat: the waitlisted one is
        confirmed."""
        first, second = self.start(), self.start(email="b@example.com")
        for registration in (first, second):
            self.call("prs_record_payment", self.payment_payload(registration))
            self.finish(registration)
        first.action_prs_confirm()
        second.action_prs_confirm()
        self.assertEqual((first.prs_state, second.prs_state), ("confirmed", "waitlisted"))
        result = self.call("prs_cancel_registration", self.cancel_payload(first))
        self.assertTrue(result["ok"], result)
        self.assertEqual((first.prs_state, second.prs_state), ("cancelled", "confirmed"))

    def test_cancel_needs_the_token(self):
        registration, other = self.start(), self.start()
        result = self.call(
            "prs_cancel_registration",
            self.cancel_payload(registration, continuation_token=self.token(other)),
        )
        self.assertIntakeError(result, "unknown_registration")
        self.assertEqual(registration.prs_state, "in_progress")

    # ------------------------------------------------------------------
    # Status
    # ------------------------------------------------------------------

    def test_status_in_progress_with_payments(self):
        """State, program, flow, next step and the payments recorded."""
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration, reference="pi_42"))
        result = self.status(registration)
        self.assertEqual(result["state"], "in_progress")
        self.assertEqual(result["program"], {"id": self.paid_program.id, "code": "REG-PAY"})
        self.assertEqual(result["flow"], {"id": self.paid_flow.id, "code": "paid"})
        self.assertEqual(result["next_step"], {"id": self.paid_terms.id, "code": "terms"})
        self.assertFalse(result["changes"])
        [payment] = result["payments"]
        self.assertEqual(
            (payment["reference"], payment["amount"], payment["currency"], payment["step_id"]),
            ("pi_42", 120.0, "EUR", self.step_pay.id),
        )

    def test_status_changes_requested(self):
        """Requested changes come with the reopened steps, the message and the deadline."""
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration))
        self.finish(registration)
        deadline = fields.Datetime.now().replace(microsecond=0) + timedelta(days=3)
        registration.with_user(self.coordinator)._prs_request_changes(
            self.paid_personal, "Your passport number is incomplete.", deadline
        )
        result = self.status(registration)
        self.assertEqual(result["state"], "changes_requested")
        self.assertEqual(result["next_step"], {"id": self.paid_personal.id, "code": "personal"})
        self.assertEqual(
            result["changes"],
            {
                "steps": [{"id": self.paid_personal.id, "code": "personal"}],
                "message": "Your passport number is incomplete.",
                "deadline": deadline.isoformat() + "Z",
            },
        )

    def test_status_needs_the_token(self):
        registration = self.start()
        result = self.status(registration, continuation_token="x" * 43)
        self.assertIntakeError(result, "unknown_registration")
        result = self.call("prs_registration_status", {"registration_id": registration.id})
        self.assertIntakeError(result, "malformed")

    # ------------------------------------------------------------------
    # Integration events
    # ------------------------------------------------------------------

    def test_events_of_the_worker_methods(self):
        """Intake, payment and cancellation each hand their events to the hook, with a
        seq increasing by one per event (the stored counter)."""
        events = self.capture_events()
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration, reference="pi_ev"))
        self.finish(registration)
        self.call("prs_cancel_registration", self.cancel_payload(registration))
        mine = [e for e in events if e["registration_id"] == registration.id]
        self.assertEqual(
            [(e["seq"], e["type"], e["old_state"], e["new_state"]) for e in mine],
            [
                (1, "state_changed", None, "in_progress"),
                (2, "payment_recorded", "in_progress", "in_progress"),
                (3, "state_changed", "in_progress", "submitted"),
                (4, "state_changed", "submitted", "cancelled"),
            ],
        )
        self.assertEqual(registration.prs_event_seq, 4)
        # the creation event carries the first step and the step it leads to
        self.assertEqual(
            (mine[0]["step_code"], mine[0]["next_step_id"], mine[0]["next_step_code"]),
            ("personal", self.step_pay.id, "pay"),
        )
        payment_event = mine[1]
        self.assertEqual(
            (payment_event["step_code"], payment_event["payment"]["reference"]),
            ("pay", "pi_ev"),
        )
        self.assertEqual(
            (mine[0]["program_code"], mine[0]["flow_code"], mine[0]["is_test"]),
            ("REG-PAY", "paid", False),
        )
        for event in mine:
            # ids, codes and states only: no answer, no personal data
            self.assertNotIn("Asha", str(event))
            self.assertNotIn("asha@example.com", str(event))

    def test_events_of_review_actions_and_batches(self):
        """Every state change is an event, also a coordinator's cancel of a batch of
        registrations with different counters."""
        events = self.capture_events()
        first, second = self.start(), self.start(email="b@example.com")
        for registration in (first, second):
            self.call("prs_record_payment", self.payment_payload(registration))
        self.finish(first)
        del events[:]
        (first | second).with_user(self.coordinator)._prs_cancel("The program is cancelled.")
        self.assertEqual(
            sorted((e["registration_id"], e["seq"], e["old_state"]) for e in events),
            sorted([(first.id, 4, "submitted"), (second.id, 3, "in_progress")]),
        )
        self.assertEqual((first.prs_event_seq, second.prs_event_seq), (4, 3))

    def test_counter_is_guarded(self):
        """The counter is written by the state changes only, never directly."""
        registration = self.start()
        with self.assertRaises(AccessError):
            registration.with_user(self.coordinator).write({"prs_event_seq": 99})

    def test_creation_event_of_a_one_step_flow(self):
        """A registration created by its only step: the creation event (seq 1, in
        progress, that step, no next step) comes before its submission (seq 2)."""
        events = self.capture_events()
        flow = self.create_flow(
            self.env,
            self.paid_program,
            [self.step("personal", 10, form=self.form_personal)],
            code="single",
        )
        flow.write({"state": "published"})
        result = self.submit(self.payload(flow.step_ids, flow=flow))
        self.assertTrue(result["ok"], result)
        mine = [e for e in events if e["registration_id"] == result["registration_id"]]
        self.assertEqual(
            [
                (e["seq"], e["old_state"], e["new_state"], e["step_code"], e["next_step_id"])
                for e in mine
            ],
            [
                (1, None, "in_progress", "personal", False),
                (2, "in_progress", "submitted", "personal", False),
            ],
        )

    def test_status_after_the_first_step(self):
        """The status right after the first step names the next step."""
        registration = self.start()
        result = self.status(registration)
        self.assertEqual(result["next_step"], {"id": self.step_pay.id, "code": "pay"})
        self.assertEqual(result["state"], "in_progress")

    # ------------------------------------------------------------------
    # Breaker findings (amounts, replays, log rows, retries, review actions)
    # ------------------------------------------------------------------

    def test_non_finite_and_absurd_amounts(self):
        """NaN, infinities and amounts over the schema's maximum are ``malformed`` (a
        structured refusal, never internal_error); nothing is stored."""
        self.paid_program.prs_fee = 0
        registration = self.start()
        for amount in (float("nan"), float("inf"), float("-inf"), 1e308, 1e13):
            with self.subTest(amount=amount):
                result = self.call(
                    "prs_record_payment", self.payment_payload(registration, amount=amount)
                )
                self.assertIntakeError(result, "malformed")
                self.assertTrue(result["errors"][0]["message"].startswith("$.amount"), result)
        self.assertFalse(registration.prs_payment_ids)
        self.assertEqual(registration.next_step_id, self.step_pay)

    def test_amount_precision(self):
        """An amount with more decimals than its currency allows is refused, never
        rounded: 99.999 EUR, 1.5 JPY; 12.34 EUR is taken as given."""
        self.paid_program.prs_fee = 0
        registration = self.start()
        for amount, currency in ((99.999, "EUR"), (1.5, "JPY"), (0.001, "EUR")):
            with self.subTest(amount=amount, currency=currency):
                result = self.call(
                    "prs_record_payment",
                    self.payment_payload(registration, amount=amount, currency=currency),
                )
                self.assertIntakeError(result, "amount_precision", "amount")
        self.assertFalse(registration.prs_payment_ids)
        result = self.call("prs_record_payment", self.payment_payload(registration, amount=12.34))
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.prs_payment_ids.amount, 12.34)

    def test_replay_whatever_the_number_notation(self):
        """One operation written with 120.0 or 120 is one operation: the replay returns
        the stored result, not ``duplicate_operation``."""
        registration = self.start()
        payload = self.payment_payload(registration, amount=120.0)
        first = self.call("prs_record_payment", payload)
        self.assertTrue(first["ok"], first)
        self.assertEqual(self.call("prs_record_payment", dict(payload, amount=120)), first)
        self.assertEqual(len(registration.prs_payment_ids), 1)
        other = self.call("prs_record_payment", dict(payload, amount=120.5))
        self.assertIntakeError(other, "duplicate_operation")

    def test_log_rows_name_program_and_flow(self):
        """A worker call's log row names the program and flow of its registration."""
        registration = self.start()
        payload = self.payment_payload(registration)
        self.call("prs_record_payment", payload)
        cancel = self.cancel_payload(registration)
        self.call("prs_cancel_registration", cancel)
        self.status(registration, operation_id="status-op-log")
        logs = self.env["prs.intake.log"].search(
            [
                (
                    "submission_id",
                    "in",
                    [payload["operation_id"], cancel["operation_id"], "status-op-log"],
                )
            ]
        )
        self.assertEqual(len(logs), 3)
        for log in logs:
            with self.subTest(method=log.method):
                self.assertEqual(
                    (log.program_id, log.flow_id, log.registration_id),
                    (self.paid_program.id, self.paid_flow.id, registration.id),
                )

    @staticmethod
    def raised(function, *args):
        """The exception ``function(*args)`` raised (None if none)."""
        try:
            function(*args)
        except Exception as error:  # returned to the test, which checks its type
            return error
        return None

    def test_no_failed_log_row_for_a_retried_call(self):
        """A call failing on a concurrent update (serialisation failure) is retried by
        Odoo's RPC layer: it leaves no failed row, only the retry's (same path as
        prs_submit: ``_prs_logged_call``)."""
        registration = self.start()
        payload = self.payment_payload(registration)
        model_class = type(self.Registration)
        original = model_class._prs_worker_record_payment
        attempts = []

        def clash(model, values):
            attempts.append(values["operation_id"])
            if len(attempts) == 1:
                # a real serialisation failure from PostgreSQL, as a concurrent update gives
                # (inside the worker's savepoint: the test's transaction goes on)
                model.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'clash' "
                    "USING ERRCODE = 'serialization_failure'; END $$"
                )
            return original(model, values)

        with (
            patch.object(model_class, "_prs_worker_record_payment", clash),
            mute_logger("odoo.sql_db"),
        ):
            # not assertRaises: its savepoint would also roll back a row written
            self.assertIsInstance(
                self.raised(
                    self.Registration.with_user(self.api_user).prs_record_payment, dict(payload)
                ),
                psycopg2.errors.SerializationFailure,
            )
            result = self.call("prs_record_payment", dict(payload))
        self.assertTrue(result["ok"], result)
        logs = self.env["prs.intake.log"].search([("submission_id", "=", payload["operation_id"])])
        self.assertEqual(logs.mapped("result"), ["ok"])
        # any other failure keeps its row
        submission = self.payload()
        with patch.object(model_class, "_prs_submit", side_effect=ZeroDivisionError):
            self.assertIsInstance(
                self.raised(self.Registration.with_user(self.api_user).prs_submit, submission),
                ZeroDivisionError,
            )
        failed = self.env["prs.intake.log"].search(
            [("submission_id", "=", submission["submission_id"])]
        )
        self.assertEqual((failed.result, failed.error_codes), ("error", "server_error"))

    def test_payment_step_is_never_reopened(self):
        """Requesting changes on a payment step is refused on the server (the wizard's
        domain is only the client's), also mixed with a form step."""
        registration = self.start()
        self.call("prs_record_payment", self.payment_payload(registration))
        self.finish(registration)
        deadline = fields.Datetime.now() + timedelta(days=3)
        for steps in (self.step_pay, self.step_pay | self.paid_personal):
            with self.subTest(steps=steps.mapped("code")), self.assertRaises(UserError):
                registration.with_user(self.coordinator)._prs_request_changes(
                    steps, "Pay again.", deadline
                )
        wizard = (
            self.env["event.registration.request.changes"]
            .with_user(self.coordinator)
            .create(
                {
                    "registration_ids": [fields.Command.set(registration.ids)],
                    "step_ids": [fields.Command.set(self.step_pay.ids)],
                    "message": "Pay again.",
                    "deadline": deadline,
                }
            )
        )
        with self.assertRaises(UserError):
            wizard.action_apply()
        self.assertEqual(registration.prs_state, "submitted")

    def test_coordinator_without_email(self):
        """A coordinator without an email address requests changes, rejects and
        cancels (the note is posted with the company's address)."""
        coordinator = new_test_user(
            self.env, login="prs_worker_noemail", groups="prs_base.group_prs_coordinator"
        )
        coordinator.partner_id.email = False
        self.paid_program.prs_coordinator_ids = [fields.Command.link(coordinator.id)]
        deadline = fields.Datetime.now() + timedelta(days=3)
        first, second, third = (self.start(email=f"p{index}@example.com") for index in range(3))
        for registration in (first, second, third):
            self.call("prs_record_payment", self.payment_payload(registration))
            self.finish(registration)
        first.with_user(coordinator)._prs_request_changes(
            self.paid_personal, "Your passport number is incomplete.", deadline
        )
        self.assertEqual(first.prs_state, "changes_requested")
        note = first.message_ids.filtered(lambda m: "passport" in (m.body or ""))
        self.assertEqual(note.author_id, coordinator.partner_id)
        second.with_user(coordinator)._prs_reject("No seat for this profile.")
        third.with_user(coordinator)._prs_cancel("The program is cancelled.")
        self.run_after_commit()  # the state mails render after the commit
        self.assertEqual((second.prs_state, third.prs_state), ("rejected", "cancelled"))
