from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from . import test_intake_concurrency as concurrency
from .common import PrsFixtureMixin, PrsRegistrationCase

TEMPLATES = "prs_registration.mail_template_registration_%s"


def _state_mails(env, registration_ids):
    """``{registration id: [subjects of its queued mails]}``."""
    mails = env["mail.mail"].search(
        [("model", "=", "event.registration"), ("res_id", "in", list(registration_ids))]
    )
    found = {registration_id: [] for registration_id in registration_ids}
    for mail in mails:
        found[mail.res_id].append(mail.subject)
    return found


def _subject(env, registration_id, state):
    template = env.ref(TEMPLATES % state)
    return template._render_field("subject", [registration_id])[registration_id]


@tagged("post_install", "-at_install", "prs", "prs_lifecycle", "prs_mails")
class TestStateMailAfterCommit(PrsRegistrationCase):
    """The state mails are rendered and queued after the commit of the state change
    (README "Intake contract", Mails): marked in the state's UPDATE, sent by the
    after-commit hook, or by the cron when the hook never ran."""

    def _last_step(self, **answers):
        """A registration through its last step, the transaction not yet committed."""
        first = self.submit(self.payload(answers=self.personal_answers(**answers)))
        registration = self.Registration.browse(first["registration_id"])
        if registration.next_step_id == self.step_health:
            self.submit(self.payload(self.step_health, {"allergies": "none"}, registration))
        result = self.submit(self.payload(self.step_terms, {"accept": True}, registration))
        self.assertTrue(result["ok"], result)
        return registration

    def test_receipt_queued_after_commit_only(self):
        """The last step marks the receipt; no mail exists before the after-commit hooks
        run, then exactly one, and the mark is cleared (a second run sends nothing)."""
        registration = self._last_step(email="after@example.com")
        self.env.flush_all()
        self.assertEqual(registration.prs_mail_pending, "submitted")
        self.assertEqual(_state_mails(self.env, registration.ids)[registration.id], [])
        self.run_after_commit()
        subject = _subject(self.env, registration.id, "submitted")
        self.assertEqual(_state_mails(self.env, registration.ids)[registration.id], [subject])
        self.assertFalse(registration.prs_mail_pending)
        self.run_after_commit()
        self.assertEqual(len(_state_mails(self.env, registration.ids)[registration.id]), 1)

    def test_final_state_of_the_transaction_only(self):
        """Two state changes in one transaction: one mail, the final state's."""
        registration = self.register(email="twice@example.com")  # receipt sent
        registration.with_user(self.coordinator).action_prs_confirm()
        registration.with_user(self.coordinator)._prs_cancel("The venue closed.")
        self.run_after_commit()
        subjects = _state_mails(self.env, registration.ids)[registration.id]
        self.assertEqual(
            sorted(subjects),
            sorted(
                [
                    _subject(self.env, registration.id, "submitted"),
                    _subject(self.env, registration.id, "cancelled"),
                ]
            ),
        )
        self.assertNotIn(_subject(self.env, registration.id, "confirmed"), subjects)

    def test_no_mail_for_a_rolled_back_change(self):
        """A state change rolled back (here to a savepoint) leaves no mark, and its
        registered hook finds nothing to send."""
        registration = self.register(email="rolled@example.com")
        before = _state_mails(self.env, registration.ids)[registration.id]
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            registration.with_user(self.coordinator).action_prs_confirm()
            self.env.flush_all()
            raise ZeroDivisionError
        self.env.invalidate_all()
        self.assertEqual(registration.prs_state, "submitted")
        self.assertFalse(registration.prs_mail_pending)
        self.run_after_commit()
        self.assertEqual(_state_mails(self.env, registration.ids)[registration.id], before)

    def test_cron_sends_what_the_hook_left(self):
        """A crash between the commit and its hook (the hook is lost): the cron sends
        the pending mail, once."""
        registration = self.register(email="leftover@example.com")
        registration.with_user(self.coordinator).action_prs_confirm()
        self.env.cr.flush()
        self.env.cr.postcommit.clear()  # the process died after the commit
        self.assertEqual(registration.prs_mail_pending, "confirmed")
        self.env["event.registration"]._cron_send_state_mails()
        confirmed = _subject(self.env, registration.id, "confirmed")
        self.assertEqual(
            _state_mails(self.env, registration.ids)[registration.id].count(confirmed), 1
        )
        self.assertFalse(registration.prs_mail_pending)
        self.env["event.registration"]._cron_send_state_mails()
        self.assertEqual(
            _state_mails(self.env, registration.ids)[registration.id].count(confirmed), 1
        )

    def test_no_mark_no_mail_for_test_registrations(self):
        """Test registrations are never marked and get no state mail."""
        registration = self.register(test=True, email="tester-ac@example.com")
        self.assertFalse(registration.prs_mail_pending)
        registration.with_user(self.coordinator)._prs_reject("Test run.")
        self.env.flush_all()
        self.assertFalse(registration.prs_mail_pending)
        self.run_after_commit()
        self.env["event.registration"]._cron_send_state_mails()
        self.assertEqual(_state_mails(self.env, registration.ids)[registration.id], [])

    def test_mark_is_system_only(self):
        """Users cannot write the mark (it is one of the action fields)."""
        registration = self.register(email="guard-mark@example.com")
        with self.assertRaises(AccessError):
            registration.with_user(self.coordinator).write({"prs_mail_pending": "confirmed"})


@tagged("post_install", "-at_install", "prs", "prs_mails")
class TestStateMailCommitted(PrsFixtureMixin, TransactionCase):
    """Real commits on separate cursors: the hook after a commit, a rollback, and the
    hook racing the cron (the fixtures are committed and removed again by SQL)."""

    _committed_fixtures = concurrency.TestIntakeConcurrency._committed_fixtures
    _cleanup = concurrency.TestIntakeConcurrency._cleanup
    _registrations = concurrency.TestIntakeConcurrency._registrations

    def _committed_registrations(self, count):
        ids = self._committed_fixtures()
        registration_ids = self._registrations(ids, ["submitted"] * count)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"prs_no_mail": True})
            for registration in env["event.registration"].browse(registration_ids):
                registration.email = f"committed{registration.id}@example.com"
        self.addCleanup(self._delete_mails, registration_ids)
        return registration_ids

    def _delete_mails(self, registration_ids):
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'event.registration' AND res_id IN %s",
                [tuple(registration_ids)],
            )

    def _reject(self, registration_ids, lose_hook=False):
        """Reject in its own committed transaction; ``lose_hook``: a crash between the
        commit and the hook."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["event.registration"].browse(registration_ids).write(
                {"prs_state": "rejected", "prs_reason": "No seat left."}
            )
            if lose_hook:
                cr.flush()
                cr.postcommit.clear()

    def _mails_and_marks(self, registration_ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(
                "SELECT id, prs_mail_pending FROM event_registration WHERE id IN %s",
                [tuple(registration_ids)],
            )
            marks = dict(cr.fetchall())
            return _state_mails(env, registration_ids), marks

    def test_hook_after_a_real_commit(self):
        """The commit runs the hook: each rejected registration has its mail, in a
        separate transaction, and no mark is left."""
        registration_ids = self._committed_registrations(2)
        self._reject(registration_ids)
        mails, marks = self._mails_and_marks(registration_ids)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for registration_id in registration_ids:
                subject = _subject(env, registration_id, "rejected")
                self.assertEqual(mails[registration_id], [subject])
        self.assertEqual(set(marks.values()), {None})

    def test_rollback_sends_nothing(self):
        """A rolled back transaction leaves neither a mark nor a mail."""
        registration_ids = self._committed_registrations(1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["event.registration"].browse(registration_ids).write(
                {"prs_state": "rejected", "prs_reason": "Rolled back."}
            )
            env.flush_all()
            cr.rollback()
        mails, marks = self._mails_and_marks(registration_ids)
        self.assertEqual(mails, {registration_ids[0]: []})
        self.assertEqual(marks, {registration_ids[0]: None})

    def test_hook_and_cron_race_send_once(self):
        """The hook and the cron on two cursors: the one holding the rows sends, the
        other skips them (locked) or is refused them (changed since its snapshot); each
        mail is queued once."""
        locked_ids = self._committed_registrations(2)
        self._reject(locked_ids, lose_hook=True)
        with self.registry.cursor() as hook_cr, self.registry.cursor() as cron_cr:
            hook_env = api.Environment(hook_cr, SUPERUSER_ID, {})
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            cron_cr.execute("SELECT 1")  # the cron's snapshot predates the hook's commit
            sent = hook_env["event.registration"].browse(locked_ids)._prs_send_pending_state_mails()
            self.assertEqual(sorted(sent.ids), sorted(locked_ids))
            # the hook still holds the rows: the cron skips them
            self.assertFalse(
                cron_env["event.registration"].browse(locked_ids)._prs_claim_pending_mails()
            )
            hook_cr.commit()
            # committed since the cron's snapshot: PostgreSQL refuses them to the cron
            self.assertFalse(
                cron_env["event.registration"].browse(locked_ids)._prs_send_pending_state_mails()
            )
            cron_cr.commit()
        mails, marks = self._mails_and_marks(locked_ids)
        self.assertEqual([len(subjects) for subjects in mails.values()], [1, 1])
        self.assertEqual(set(marks.values()), {None})
