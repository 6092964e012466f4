from markupsafe import Markup

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AccessFixtureMixin, PrsRegistrationCase

TEMPLATES = "prs_registration.mail_template_registration_%s"


@tagged("post_install", "-at_install", "prs", "prs_lifecycle", "prs_mails")
class TestReasonsMails(AccessFixtureMixin, PrsRegistrationCase):
    """Reject, cancel and request changes with a reason (tracked, mailed), the receipt
    and cancellation mails, and the participant's language (issue 16)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = cls._create_no_prs_users("prs_rm")

    # ------------------------------------------------------------------ helpers
    def _mails(self, registration, template="", lang=None):
        """The queued mails of ``registration`` (those of the ``template`` state, by
        subject, rendered in ``lang`` when given)."""
        self.run_after_commit()  # the state mails are rendered after the commit
        mails = self.env["mail.mail"].search(
            [("model", "=", "event.registration"), ("res_id", "=", registration.id)]
        )
        if template:
            xmlid = TEMPLATES % template
            subject = (
                self.env.ref(xmlid)
                .with_context(lang=lang)
                ._render_field("subject", registration.ids)[registration.id]
            )
            mails = mails.filtered(lambda m: m.subject == subject)
        return mails

    def _run_bulk(self, xmlid, registrations, user):
        """Run the list's bulk action ``xmlid`` on ``registrations`` as ``user``; return
        the wizard form it opens."""
        action = self.env.ref(f"prs_registration.{xmlid}").with_user(user)
        opened = action.with_context(
            active_model="event.registration", active_ids=registrations.ids
        ).run()
        return Form(self.env[opened["res_model"]].with_user(user).with_context(**opened["context"]))

    def _reason_wizard(self, registrations, decision, user):
        action = getattr(registrations.with_user(user), f"action_prs_{decision}")()
        return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))

    def _tracked(self, registration, field_name):
        """New values of ``field_name`` tracked in the registration's chatter."""
        self.env.cr.flush()  # the tracking is written by the precommit hooks
        values = registration.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == field_name
        )
        return values.mapped("new_value_text") + values.mapped("new_value_integer")

    # ------------------------------------------------------------------ reasons
    def test_reason_is_required(self):
        """An empty reason (or blanks) is refused with a clear message, and nothing is
        written: no state change, no reason, no mail."""
        registration = self.register(email="empty@example.com")
        coordinator_registration = registration.with_user(self.coordinator)
        for reason in ("", "   ", None, False):
            with self.subTest(reason=reason):
                with self.assertRaisesRegex(UserError, "reason"):
                    coordinator_registration._prs_reject(reason)
                with self.assertRaisesRegex(UserError, "reason"):
                    coordinator_registration._prs_cancel(reason)
                with self.assertRaisesRegex(UserError, "reason"):
                    coordinator_registration._prs_request_changes(self.step_personal, reason)
        wizard = self.env["event.registration.reason.wizard"].with_user(self.coordinator)
        wizard = wizard.create(
            {"registration_ids": registration.ids, "decision": "cancel", "reason": " "}
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_apply()
        self.assertEqual(registration.prs_state, "submitted")
        self.assertFalse(registration.prs_reason)
        self.assertFalse(registration.prs_changes_message)
        self.assertFalse(self._mails(registration) - self._mails(registration, "submitted"))

    def test_reject_reason_stored_tracked_and_mailed(self):
        """The reject button asks for the reason: it is stored, tracked in the chatter
        and shown (escaped) to the participant in the rejection mail."""
        registration = self.register(email="rejected@example.com")
        wizard = self._reason_wizard(registration, "reject", self.coordinator)
        wizard.reason = "Places go to <b>residents</b> & staff first."
        wizard.save().action_apply()
        self.assertEqual(registration.prs_state, "rejected")
        self.assertEqual(registration.prs_reason, "Places go to <b>residents</b> & staff first.")
        self.assertIn(registration.prs_reason, self._tracked(registration, "prs_reason"))
        mail = self._mails(registration, "rejected")
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, never sent in the transaction")
        self.assertIn(
            "Places go to &lt;b&gt;residents&lt;/b&gt; &amp; staff first.", mail.body_html
        )
        self.assertNotIn("<b>residents</b>", mail.body_html)

    def test_bulk_cancel_with_one_reason(self):
        """Bulk cancel from the list: one reason for two confirmed registrations; each
        gets its cancellation mail with the reason, and each freed seat promotes the
        oldest waitlisted registration (with its confirmation mail)."""
        self.program.write({"seats_limited": True, "seats_max": 2, "prs_waitlist_allowed": True})
        registrations = [self.register(email=f"bulk{n}@example.com") for n in range(4)]
        for registration in registrations:
            registration.action_prs_confirm()
        confirmed, waitlisted = (
            registrations[0] | registrations[1],
            registrations[2] | registrations[3],
        )
        self.assertEqual(set(waitlisted.mapped("prs_state")), {"waitlisted"})
        wizard = self._run_bulk(
            "event_registration_action_server_cancel", confirmed, self.coordinator
        )
        wizard.reason = "The venue halved its capacity."
        wizard = wizard.save()
        self.assertEqual(wizard.registration_ids, confirmed)
        wizard.action_apply()
        self.assertEqual(set(confirmed.mapped("prs_state")), {"cancelled"})
        self.assertEqual(set(confirmed.mapped("prs_reason")), {"The venue halved its capacity."})
        self.assertFalse(any(confirmed.mapped("prs_cancelled_by_participant")))
        self.assertEqual(set(waitlisted.mapped("prs_state")), {"confirmed"})
        for registration in confirmed:
            mail = self._mails(registration, "cancelled")
            self.assertEqual(len(mail), 1)
            self.assertIn("The venue halved its capacity.", mail.body_html)
            self.assertIn(registration.event_id.name, mail.body_html)
        for registration in waitlisted:
            self.assertEqual(len(self._mails(registration, "confirmed")), 1)

    def test_bulk_request_changes(self):
        """Request changes for two registrations at once from the list: both reopen the
        step, keep the message (in the chatter too) and mail it to each participant."""
        registrations = self.register(email="one@example.com") | self.register(
            email="two@example.com"
        )
        wizard = self._run_bulk(
            "event_registration_action_server_request_changes", registrations, self.coordinator
        )
        wizard.step_ids.add(self.step_personal)
        wizard.message = "Your passport number has a typo."
        wizard.save().action_apply()
        for registration in registrations:
            self.assertEqual(registration.prs_state, "changes_requested")
            self.assertEqual(registration.reopened_step_ids, self.step_personal)
            self.assertEqual(registration.prs_changes_message, "Your passport number has a typo.")
            notes = registration.message_ids.filtered(
                lambda m: "Your passport number has a typo." in (m.body or "")
            )
            self.assertTrue(notes, "the message is in the chatter")
            mail = self._mails(registration, "changes_requested")
            self.assertEqual(len(mail), 1)
            self.assertIn("Your passport number has a typo.", mail.body_html)

    # ------------------------------------------------------------------ receipt, cancel
    def test_receipt_when_the_last_step_is_submitted(self):
        """The last step's submission queues one receipt naming the program and the
        submission date; it carries no answer (sensitive or not)."""
        first = self.submit(self.payload(answers=self.personal_answers(email="rcpt@example.com")))
        registration = self.Registration.browse(first["registration_id"])
        self.assertFalse(self._mails(registration), "no mail before the last step")
        result = self.submit(self.payload(self.step_terms, {"accept": True}, registration))
        self.assertEqual(result["next_step_id"], False)
        self.assertEqual(registration.prs_state, "submitted")
        mail = self._mails(registration, "submitted")
        self.assertEqual(len(mail), 1)
        self.assertEqual(self._mails(registration), mail, "the receipt only")
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(self.program.name, mail.body_html)
        self.assertIn(str(registration.prs_submitted_at.year), mail.body_html)
        for answer in ("P1234567", "NID-998877", "yoga"):
            self.assertNotIn(answer, mail.body_html)

    def test_cancellation_asked_by_the_participant(self):
        """A cancellation the participant asked for (the worker's call) is flagged,
        mailed ("as you asked") without echoing the reason, and frees the seat."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        registration = self.register(email="leaving@example.com")
        registration.action_prs_confirm()
        waiting = self.register(email="waiting@example.com")
        waiting.action_prs_confirm()
        self.assertEqual(waiting.prs_state, "waitlisted")
        registration.sudo()._prs_cancel("I broke my leg", by_participant=True)
        self.assertEqual(registration.prs_state, "cancelled")
        self.assertTrue(registration.prs_cancelled_by_participant)
        self.assertEqual(registration.prs_reason, "I broke my leg")
        self.assertEqual(waiting.prs_state, "confirmed")
        mail = self._mails(registration, "cancelled")
        self.assertEqual(len(mail), 1)
        self.assertIn("As you asked", mail.body_html)
        self.assertNotIn("I broke my leg", mail.body_html)
        # the participant need not give a reason (a coordinator must)
        silent = self.register(email="silent@example.com")
        silent.sudo()._prs_cancel("", by_participant=True)
        self.assertEqual((silent.prs_state, silent.prs_reason), ("cancelled", False))
        self.assertEqual(len(self._mails(silent, "cancelled")), 1)

    def test_no_mail_for_test_registrations(self):
        """Test registrations get no receipt, rejection or cancellation mail; the reason
        is still stored."""
        tested = self.register(test=True, email="tester@example.com")
        other = self.register(test=True, email="tester2@example.com")
        tested.with_user(self.coordinator)._prs_reject("Only a test")
        other.with_user(self.coordinator)._prs_cancel("Only a test")
        self.assertEqual(tested.prs_reason, "Only a test")
        self.assertFalse(self._mails(tested) | self._mails(other))

    # ------------------------------------------------------------------ language
    def test_mails_in_the_participants_language(self):
        """Mails are rendered in the registration's own language when installed, else
        the contact's language, else the program's default language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.env.ref(TEMPLATES % "rejected")
        template.with_context(
            lang="fr_FR"
        ).subject = "Votre inscription à {{ object.event_id.name }}"
        french_body = Markup(
            "<div><p>Bonjour <t t-out=\"object.name or ''\">participant</t>,</p>"
            "<p>Motif : <t t-out=\"object.prs_reason or ''\">motif</t></p></div>"
        )
        template.update_field_translations("body_html", {"fr_FR": french_body})
        Partner = self.env["res.partner"]
        # the registration's own language first, whatever the contact says
        contact_fr = self.register(email="fr@example.com")
        contact_fr.write(
            {
                "prs_language": "en_US",
                "partner_id": Partner.create(
                    {"name": "Fr", "email": "fr@example.com", "lang": "fr_FR"}
                ).id,
            }
        )
        contact_en = self.register(email="en@example.com")
        contact_en.write(
            {
                "prs_language": "fr_FR",
                "partner_id": Partner.create(
                    {"name": "En", "email": "en@example.com", "lang": "en_US"}
                ).id,
            }
        )
        # no contact: the registration's language when installed, else the program's
        answered_fr = self.register(email="answered@example.com")
        answered_fr.write({"prs_language": "fr_FR", "partner_id": False})
        unknown = self.register(email="xx@example.com")
        unknown.write({"prs_language": "Klingon", "partner_id": False})
        self.assertEqual(contact_fr._prs_mail_lang(), "en_US")
        self.assertEqual(contact_en._prs_mail_lang(), "fr_FR")
        self.assertEqual(answered_fr._prs_mail_lang(), "fr_FR")
        self.assertEqual(unknown._prs_mail_lang(), "en_US", "the program's default language")
        registrations = contact_fr | contact_en | answered_fr | unknown
        registrations.with_user(self.coordinator)._prs_reject("Complet")
        for registration in contact_en | answered_fr:
            mail = self._mails(registration, "rejected", lang="fr_FR")
            self.assertEqual(len(mail), 1)
            self.assertEqual(mail.subject, f"Votre inscription à {self.program.name}")
            self.assertIn("Bonjour", mail.body_html)
            self.assertIn("Motif : Complet", mail.body_html)
        for registration in contact_fr | unknown:
            mail = self._mails(registration, "rejected")
            self.assertEqual(len(mail), 1)
            self.assertIn("could not be accepted", mail.body_html)
            self.assertIn("Complet", mail.body_html)

    def test_reason_invisible_or_too_long_refused(self):
        """A reason of invisible characters only (zero-width, BOM, no-break space) is
        refused like an empty one; one beyond 2000 characters (the worker's cancel
        reason, schemas/prs.cancel.request.1.json) too; the edges are stripped."""
        registration = self.register(email="invisible@example.com")
        as_coordinator = registration.with_user(self.coordinator)
        for reason in ("\u200b", "\u200c\u200d", "\ufeff", "\u00a0 \u200b\n", "\u2060"):
            with self.subTest(reason=repr(reason)):
                with self.assertRaisesRegex(UserError, "Give a reason"):
                    as_coordinator._prs_reject(reason)
                with self.assertRaisesRegex(UserError, "Give a reason"):
                    as_coordinator._prs_request_changes(self.step_personal, reason)
        with self.assertRaisesRegex(UserError, "too long"):
            as_coordinator._prs_cancel("x" * 2001)
        self.assertEqual(registration.prs_state, "submitted")
        as_coordinator._prs_request_changes(self.step_personal, "\u200b Fix the name\u00a0\ufeff")
        self.assertEqual(registration.prs_changes_message, "Fix the name")
        # tracked in the chatter, as README "Access" says
        self.assertIn("Fix the name", self._tracked(registration, "prs_changes_message"))
        self.assertEqual(
            self.Registration._prs_check_reason("y" * 2000), "y" * 2000, "the limit itself"
        )

    # ------------------------------------------------------------------ rights
    def test_request_changes_wizard_refuses_hidden_registrations(self):
        """The Request Changes wizard naming a registration the user cannot see raises
        an access error (no silent success with nothing changed)."""
        registration = self.register(email="hidden-changes@example.com")
        wizards = self.env["event.registration.request.changes"]
        for user in (self.other_coordinator, self.users["dflt"]):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                wizards.with_user(user).create(
                    {
                        "registration_ids": registration.ids,
                        "step_ids": self.step_personal.ids,
                        "message": "Fix it",
                    }
                ).action_apply()
        self.assertEqual(registration.prs_state, "submitted")
        self.assertFalse(registration.prs_changes_message)
        wizard = wizards.with_user(self.coordinator).create(
            {
                "registration_ids": registration.ids,
                "step_ids": self.step_personal.ids,
                "message": "Fix it",
            }
        )
        wizard.action_apply()
        self.assertEqual(registration.prs_state, "changes_requested")

    def test_coordinator_of_other_programs_cannot_cancel(self):
        """A coordinator of other programs can neither open the reason wizard on a
        registration of this program nor apply one naming it."""
        registration = self.register(email="guarded@example.com")
        with self.assertRaises(AccessError):
            registration.with_user(self.other_coordinator).action_prs_cancel()
        wizards = self.env["event.registration.reason.wizard"].with_user(self.other_coordinator)
        with self.assertRaises(AccessError):
            wizards.create(
                {"registration_ids": registration.ids, "decision": "cancel", "reason": "No"}
            ).action_apply()
        with self.assertRaises(AccessError):
            registration.with_user(self.other_coordinator)._prs_cancel("No")
        self.assertEqual(registration.prs_state, "submitted")
        self.assertFalse(self._mails(registration, "cancelled"))

    def test_default_user_cannot_cancel(self):
        """A user created with Odoo's default groups (Events Administrator included)
        reaches neither the wizard nor the cancellation, nor another user's wizard."""
        registration = self.register(email="dflt-guarded@example.com")
        user = self.users["dflt"]
        with self.assertRaises(AccessError):
            registration.with_user(user).action_prs_cancel()
        with self.assertRaises(AccessError):
            self.env["event.registration.reason.wizard"].with_user(user).create(
                {"registration_ids": registration.ids, "decision": "cancel", "reason": "No"}
            )
        with self.assertRaises(AccessError):
            registration.with_user(user)._prs_cancel("No")
        # a coordinator's wizard is his own
        wizard = self._reason_wizard(registration, "cancel", self.coordinator)
        wizard.reason = "Mine"
        wizard = wizard.save()
        with self.assertRaises(AccessError):
            wizard.with_user(user).action_apply()
        with self.assertRaises(AccessError):
            wizard.with_user(self.other_coordinator).action_apply()
        self.assertEqual(registration.prs_state, "submitted")
        wizard.action_apply()
        self.assertEqual(registration.prs_state, "cancelled")
