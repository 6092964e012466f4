import os
import threading
import uuid
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from .common import TEST_KEY, PrsFixtureMixin


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestIntakeConcurrency(PrsFixtureMixin, TransactionCase):
    """Two real transactions racing with one submission id.

    The fixtures are committed (other cursors cannot see the test's own transaction) and
    removed again by SQL in a cleanup.
    """

    def _committed_fixtures(self, **program_values):
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # the builders use ``self.env``: point them at the committed cursor
            builder = type("Builder", (PrsFixtureMixin,), {"env": env})
            builder.startClassPatcher = staticmethod(lambda patcher: None)
            builder._setup_prs_forms(f"cc_{tag}")
            program = builder._create_program(f"CC-{tag}", **program_values)
            flow = builder._create_flow(program)
            forms = builder.form_personal | builder.form_health | builder.form_terms
            ids = {
                "program": program.id,
                "flow": flow.id,
                "step": flow.step_ids.sorted("sequence")[0].id,
                "forms": tuple(forms.ids),
            }
        self.addCleanup(self._cleanup, ids)
        return ids

    def _cleanup(self, ids):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM event_mail WHERE event_id = %s", [ids["program"]])
            cr.execute("DELETE FROM event_registration WHERE event_id = %s", [ids["program"]])
            cr.execute("DELETE FROM event_flow WHERE id = %s", [ids["flow"]])
            cr.execute("DELETE FROM event_event WHERE id = %s", [ids["program"]])
            cr.execute(
                "UPDATE form_form SET current_version_id = NULL WHERE id IN %s", [ids["forms"]]
            )
            cr.execute("DELETE FROM form_form WHERE id IN %s", [ids["forms"]])

    def _same_call_twice_at_once(self, method, payload):
        """Call ``event.registration.<method>(payload)`` from two threads, each in its own
        transaction whose snapshot is taken before either call runs (the loser cannot
        see the winner's commit); both must answer the same successful result."""
        barrier = threading.Barrier(2, timeout=30)
        results, failures = [], []

        def call():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    cr.execute("SELECT 1")  # both snapshots are taken before the race
                    barrier.wait()
                    results.append(getattr(env["event.registration"], method)(dict(payload)))
            except Exception as error:  # reported below, in the test thread
                failures.append(error)

        threads = [threading.Thread(target=call) for __ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(failures, failures)
        self.assertEqual(len(results), 2)
        self.assertTrue(results[0]["ok"], results)
        self.assertEqual(results[0], results[1])
        return results[0]

    def test_two_cursors_one_registration(self):
        """Two concurrent calls with one submission id give one registration and the same
        answer, although the second one's snapshot predates the first one's commit."""
        ids = self._committed_fixtures()
        payload = {
            "submission_id": f"cc-{uuid.uuid4()}",
            "program_id": ids["program"],
            "flow_id": ids["flow"],
            "step_id": ids["step"],
            "form_version": 1,
            "answers": self.personal_answers(),
        }
        with patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": TEST_KEY}):
            self._same_call_twice_at_once("prs_submit", payload)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM event_registration WHERE event_id = %s", [ids["program"]]
            )
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                "SELECT count(*) FROM event_registration_submission WHERE submission_id = %s",
                [payload["submission_id"]],
            )
            self.assertEqual(cr.fetchone()[0], 1)

    # ------------------------------------------------------------------
    # Capacity decisions under concurrency (one transaction per thread)
    # ------------------------------------------------------------------

    def _registrations(self, ids, states):
        """Committed real registrations of the fixture program, one per state given."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"prs_no_mail": True})
            registrations = env["event.registration"].create(
                [
                    {
                        "event_id": ids["program"],
                        "flow_id": ids["flow"],
                        "name": f"Racer {index}",
                        "prs_state": state,
                        "answers": {},
                        "step_versions": {},
                    }
                    for index, state in enumerate(states)
                ]
            )
            return registrations.ids

    def _race(self, *calls):
        """Run each ``call(env)`` in its own thread and transaction, all snapshots taken
        before any of them starts; a serialisation failure retries the call in a new
        transaction as Odoo's RPC layer does. Return the exceptions raised, by call."""
        barrier = threading.Barrier(len(calls), timeout=30)
        outcome = {}

        def run(index, call):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"prs_no_mail": True})
                    cr.execute("SELECT 1")  # the snapshot predates every other commit
                    barrier.wait()
                    retrying(lambda: call(env), env)
                    outcome[index] = None
            except Exception as error:  # reported to the test thread
                outcome[index] = error

        threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(len(outcome), len(calls), "a thread did not finish")
        return [outcome[index] for index in range(len(calls))]

    def _states(self, ids):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id, prs_state FROM event_registration WHERE event_id = %s ORDER BY id",
                [ids["program"]],
            )
            return dict(cr.fetchall())

    @staticmethod
    def _confirm(registration_id):
        return lambda env: env["event.registration"].browse(registration_id).action_prs_confirm()

    def test_concurrent_confirmations_one_seat_waitlist(self):
        """1 seat, 4 coordinators confirming 4 registrations at once: exactly 1 confirmed,
        the others waitlisted."""
        ids = self._committed_fixtures(seats_limited=True, seats_max=1, prs_waitlist_allowed=True)
        racers = self._registrations(ids, ["submitted"] * 4)
        errors = self._race(*[self._confirm(rid) for rid in racers])
        self.assertEqual(errors, [None] * 4)
        states = sorted(self._states(ids).values())
        self.assertEqual(states, ["confirmed", "waitlisted", "waitlisted", "waitlisted"])

    def test_concurrent_confirmations_one_seat_no_waitlist(self):
        """1 seat, no waitlist, 3 confirmations at once: 1 confirmed, 2 refused (full)."""
        ids = self._committed_fixtures(seats_limited=True, seats_max=1)
        racers = self._registrations(ids, ["submitted"] * 3)
        errors = self._race(*[self._confirm(rid) for rid in racers])
        self.assertEqual(sum(error is None for error in errors), 1, errors)
        refused = [error for error in errors if error is not None]
        self.assertTrue(all(isinstance(error, UserError) for error in refused), refused)
        self.assertIn("is full", str(refused[0]))
        states = sorted(self._states(ids).values())
        self.assertEqual(states, ["confirmed", "submitted", "submitted"])

    def test_concurrent_promotion_and_confirmation(self):
        """2 seats, 1 taken, 2 on the waitlist: a cancellation (which promotes the
        waitlist into the seats it sees free) races a confirmation; never more than 2
        confirmed."""
        ids = self._committed_fixtures(seats_limited=True, seats_max=2, prs_waitlist_allowed=True)
        taken, first, second, newcomer = self._registrations(
            ids, ["confirmed", "waitlisted", "waitlisted", "submitted"]
        )

        def cancel(env):
            env["event.registration"].browse(taken)._prs_cancel("Cannot come")

        errors = self._race(cancel, self._confirm(newcomer))
        self.assertEqual(errors, [None, None])
        states = self._states(ids)
        self.assertEqual(states[taken], "cancelled")
        confirmed = [rid for rid, state in states.items() if state == "confirmed"]
        self.assertEqual(len(confirmed), 2, states)
        self.assertIn(first, confirmed)  # the oldest waitlisted one is promoted
        self.assertEqual(
            sorted(states[rid] for rid in (second, newcomer)), ["confirmed", "waitlisted"]
        )

    # ------------------------------------------------------------------
    # Worker methods: one operation id (README "Worker methods", Idempotency)
    # ------------------------------------------------------------------

    def test_two_cursors_one_payment_operation(self):
        """Two concurrent copies of one ``prs_record_payment`` operation: both answer
        the stored result (never ``conflict``), although the loser's snapshot predates
        the winner's commit; one payment is recorded."""
        ids = self._committed_fixtures()
        # the payment reads the answers back (sensitive ones decrypted)
        self.startPatcher(patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": TEST_KEY}))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            personal = env["form.form"].browse(ids["forms"][0])
            flow = self.create_flow(
                env,
                env["event.event"].browse(ids["program"]),
                [self.step("personal", 10, form=personal), self.step("pay", 20, "payment")],
                code="paid",
            )
            flow.write({"state": "published"})
            first_step, pay_step = flow.step_ids.sorted("sequence")
            first = env["event.registration"].prs_submit(
                {
                    "submission_id": f"cc-{uuid.uuid4()}",
                    "program_id": ids["program"],
                    "flow_id": flow.id,
                    "step_id": first_step.id,
                    "form_version": personal.current_version_id.version,
                    "answers": self.personal_answers(),
                }
            )
            self.assertTrue(first["ok"], first)
            flow_id = flow.id

        def drop_flow():
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM event_registration WHERE event_id = %s", [ids["program"]])
                cr.execute("DELETE FROM event_flow WHERE id = %s", [flow_id])

        self.addCleanup(drop_flow)
        payload = {
            "operation_id": f"cc-{uuid.uuid4()}",
            "registration_id": first["registration_id"],
            "continuation_token": first["continuation_token"],
            "step_id": pay_step.id,
            "reference": f"pi_{uuid.uuid4().hex[:12]}",
            "amount": 10.0,
            "currency": "EUR",
            "provider": "stripe",
        }
        self._same_call_twice_at_once("prs_record_payment", payload)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM event_registration_payment WHERE registration_id = %s",
                [first["registration_id"]],
            )
            self.assertEqual(cr.fetchone()[0], 1)
