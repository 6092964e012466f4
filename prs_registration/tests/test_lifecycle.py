from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import PrsRegistrationCase


@tagged("post_install", "-at_install", "prs", "prs_lifecycle")
class TestLifecycle(PrsRegistrationCase):
    def _mails(self, registration, template_xmlid):
        template = self.env.ref(template_xmlid)
        subject = template._render_field("subject", registration.ids)[registration.id]
        self.run_after_commit()  # the state mails are rendered after the commit
        return self.env["mail.mail"].search(
            [("subject", "=", subject), ("email_to", "=", registration.email)]
        )

    def test_confirm_under_capacity(self):
        """Confirming with free seats confirms and opens Odoo's attendee state."""
        registration = self.register()
        registration.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual(registration.prs_state, "confirmed")
        self.assertEqual(registration.state, "open")

    def test_confirm_beyond_capacity_waitlists(self):
        """Beyond capacity, confirming puts the registration on the waitlist when allowed."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        first, second = self.register(), self.register(first_name="Ben")
        (first | second).with_user(self.coordinator).action_prs_confirm()
        self.assertEqual(first.prs_state, "confirmed")
        self.assertEqual(second.prs_state, "waitlisted")
        self.assertEqual(second.state, "draft")

    def test_confirm_beyond_capacity_without_waitlist_fails(self):
        """Beyond capacity without a waitlist, confirming is refused and nothing moves."""
        self.program.write({"seats_limited": True, "seats_max": 1})
        first, second = self.register(), self.register(first_name="Ben")
        with self.assertRaises(UserError):
            (first | second).with_user(self.coordinator).action_prs_confirm()

    def test_waitlist_maximum(self):
        """The waitlist takes no more than its maximum."""
        self.program.write(
            {
                "seats_limited": True,
                "seats_max": 1,
                "prs_waitlist_allowed": True,
                "prs_waitlist_max": 1,
            }
        )
        registrations = self.register() | self.register(first_name="B")
        third = self.register(first_name="C")
        registrations.action_prs_confirm()
        self.assertEqual(registrations.mapped("prs_state"), ["confirmed", "waitlisted"])
        with self.assertRaises(UserError):
            third.action_prs_confirm()
        with self.assertRaises(UserError):
            third.action_prs_waitlist()

    def test_cancel_promotes_oldest_waitlisted(self):
        """Cancelling a confirmed registration confirms the oldest waitlisted one."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        first = self.register()
        first.action_prs_confirm()
        second = self.register(first_name="B")
        second.action_prs_confirm()
        third = self.register(first_name="C")
        third.action_prs_confirm()
        self.assertEqual((second | third).mapped("prs_state"), ["waitlisted", "waitlisted"])
        first.with_user(self.coordinator)._prs_cancel("Cannot come")
        self.assertEqual(first.prs_state, "cancelled")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(second.prs_state, "confirmed")
        self.assertEqual(third.prs_state, "waitlisted")
        # Odoo's own attendee cancel button frees the seat the same way
        second.action_cancel()
        self.assertEqual(second.prs_state, "cancelled")
        self.assertEqual(third.prs_state, "confirmed")

    def test_newcomer_never_passes_the_waitlist(self):
        """Seats freed by a capacity raise go to the waitlist first: confirming a newcomer
        confirms those already waiting, in their order, before (or instead of) it."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        first, second, third = (self.register(first_name=name) for name in ("A", "B", "C"))
        (first | second | third).action_prs_confirm()
        self.assertEqual((second | third).mapped("prs_state"), ["waitlisted", "waitlisted"])
        self.program.write({"seats_max": 3})
        newcomer = self.register(first_name="D")
        newcomer.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual((second | third).mapped("prs_state"), ["confirmed", "confirmed"])
        self.assertEqual(newcomer.prs_state, "waitlisted")
        # a waitlisted one picked by hand keeps the coordinator's choice
        self.program.write({"seats_max": 4})
        late = self.register(first_name="E")
        late.action_prs_confirm()
        self.assertEqual((newcomer.prs_state, late.prs_state), ("confirmed", "waitlisted"))
        self.program.write({"seats_max": 5})
        late.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual(late.prs_state, "confirmed")

    def test_plain_event_registrations_refused(self):
        """The PRS actions (and their mails) are for programs: a plain Odoo event's
        attendee is refused, unchanged."""
        event = self.env["event.event"].create(
            {
                "name": "Plain",
                "date_begin": self.program.date_begin,
                "date_end": self.program.date_end,
            }
        )
        attendee = self.Registration.create({"event_id": event.id, "name": "Walk-in"})
        state = (attendee.state, attendee.prs_state)
        for action in (
            lambda r: r._prs_reject("No"),
            lambda r: r._prs_cancel("No"),
            lambda r: r.action_prs_confirm(),
        ):
            with self.assertRaisesRegex(UserError, "is not a program"):
                action(attendee)
        self.assertEqual((attendee.state, attendee.prs_state), state)

    def test_test_registrations_do_not_count(self):
        """Test registrations take no seat: a real one is still confirmed."""
        self.program.write({"seats_limited": True, "seats_max": 1})
        test_registration = self.register(test=True)
        self.assertTrue(test_registration.prs_is_test)
        test_registration.action_prs_confirm()
        real = self.register(first_name="Real")
        real.action_prs_confirm()
        self.assertEqual(real.prs_state, "confirmed")
        self.assertEqual(self.program.seats_taken, 1)

    def test_state_mails(self):
        """Each state change sends its template to the participant."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        confirmed, waitlisted, rejected = (
            self.register(),
            self.register(first_name="W", email="w@example.com"),
            self.register(first_name="R", email="r@example.com"),
        )
        confirmed.action_prs_confirm()
        waitlisted.action_prs_confirm()
        rejected._prs_reject("No seat for this profile")
        for registration, xmlid in [
            (confirmed, "prs_registration.mail_template_registration_confirmed"),
            (waitlisted, "prs_registration.mail_template_registration_waitlisted"),
            (rejected, "prs_registration.mail_template_registration_rejected"),
        ]:
            with self.subTest(state=registration.prs_state):
                self.assertEqual(len(self._mails(registration, xmlid)), 1)
        self.assertFalse(
            self._mails(rejected, "prs_registration.mail_template_registration_confirmed")
        )

    def test_confirm_sends_prs_mail_only(self):
        """Issue 13 item 9: a program has no Odoo event mail schedule (a plain event
        keeps Odoo's default), so confirming sends the PRS confirmation only; a line the
        configurator adds on purpose is sent too."""
        plain = self.env["event.event"].create(
            {
                "name": "Plain event",
                "date_begin": fields.Datetime.now() + timedelta(days=5),
                "date_end": fields.Datetime.now() + timedelta(days=6),
            }
        )
        self.assertTrue(plain.event_mail_ids)
        self.assertFalse(self.program.event_mail_ids)
        registration = self.register(email="only-prs@example.com")
        # before: the receipt of the last step (issue 16)
        mails_before = self.env["mail.mail"].search([("email_to", "ilike", "only-prs@")])
        mail_messages = [
            ("model", "=", "event.registration"),
            ("res_id", "=", registration.id),
            ("message_type", "in", ("email", "email_outgoing")),
        ]
        messages_before = self.env["mail.message"].search(mail_messages)
        registration.with_user(self.coordinator).action_prs_confirm()
        self.assertEqual(registration.state, "open")
        self.run_after_commit()
        mails = self.env["mail.mail"].search([("email_to", "ilike", "only-prs@")]) - mails_before
        messages = self.env["mail.message"].search(mail_messages) - messages_before
        confirmed = self._mails(
            registration, "prs_registration.mail_template_registration_confirmed"
        )
        self.assertEqual(mails, confirmed, mails.mapped("subject"))
        self.assertLessEqual(len(messages), 1, messages.mapped("subject"))
        # on purpose: the configurator adds Odoo's "after registration" mail
        template = self.env.ref("event.event_subscription")
        self.program.write(
            {
                "event_mail_ids": [
                    fields.Command.create(
                        {
                            "interval_type": "after_sub",
                            "template_ref": f"mail.template,{template.id}",
                        }
                    )
                ]
            }
        )
        self.assertEqual(len(self.program.event_mail_ids), 1)
        other = self.register(first_name="Odoo", email="with-odoo@example.com")
        other.with_user(self.coordinator).action_prs_confirm()
        self.assertTrue(self.program.event_mail_ids.mail_registration_ids)

    def test_event_turned_program_drops_plain_schedule(self):
        """Breaker D2 of item 9: a plain event given a program code loses the schedule
        Odoo gave it as a plain event (its confirmation would follow the PRS one); a
        line given in the same write, and lines added later, are kept."""
        now = fields.Datetime.now()
        dates = {"date_begin": now + timedelta(days=5), "date_end": now + timedelta(days=6)}
        plain = self.env["event.event"].create(dict(dates, name="Plain then program"))
        other = self.env["event.event"].create(dict(dates, name="Plain, then with a line"))
        self.assertTrue(plain.event_mail_ids)
        plain.write({"prs_code": "REG-PLAIN"})
        self.assertTrue(plain.prs_is_program)
        self.assertFalse(plain.event_mail_ids)
        template = self.env.ref("event.event_subscription")
        line = {"interval_type": "after_sub", "template_ref": f"mail.template,{template.id}"}
        other.write({"prs_code": "REG-PLAIN-2", "event_mail_ids": [fields.Command.create(line)]})
        self.assertEqual(len(other.event_mail_ids), 1)
        # a program code changed later leaves the program's schedule alone
        other.write({"prs_code": "REG-PLAIN-3"})
        self.assertEqual(len(other.event_mail_ids), 1)

    def test_request_changes_refuses_a_past_deadline(self):
        """Breaker D3 of item 3: a deadline already past (given, or the program start
        by default) is refused by the wizard and the model method, and the registration
        stays as it was (it would refuse every answer with ``closed``)."""
        registration = self.register()
        now = fields.Datetime.now()
        with self.assertRaisesRegex(UserError, "past"):
            past = now - timedelta(hours=1)
            self._request_changes(registration, self.step_personal, deadline=past)
        with self.assertRaisesRegex(UserError, "past"):
            registration.with_user(self.coordinator)._prs_request_changes(
                self.step_personal, "Fix it", deadline=now - timedelta(minutes=1)
            )
        self.program.write({"date_begin": now - timedelta(hours=2)})
        with self.assertRaisesRegex(UserError, "past"):
            registration.with_user(self.coordinator)._prs_request_changes(
                self.step_personal, "Fix it"
            )
        self.assertEqual(registration.prs_state, "submitted")
        self._request_changes(registration, self.step_personal, deadline=now + timedelta(hours=1))

    def test_state_change_tracked(self):
        """The state change is tracked in the chatter with its author."""
        registration = self.register()
        self.env.flush_all()
        self.env.cr.precommit.run()
        registration.with_user(self.coordinator).action_prs_confirm()
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracking = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id", "in", registration.message_ids.ids),
                ("field_id.name", "=", "prs_state"),
            ]
        )
        self.assertTrue(tracking)
        self.assertIn(self.coordinator.partner_id, tracking.mail_message_id.author_id)

    def test_request_changes_reopens_steps(self):
        """Requesting changes reopens chosen steps; intake accepts them, then submits."""
        registration = self.register()
        action = registration.with_user(self.coordinator).action_prs_request_changes()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.coordinator)
            .with_context(**action["context"])
        )
        wizard_form.step_ids.add(self.step_personal)
        wizard_form.message = "Please fix your passport number."
        wizard_form.save().action_apply()
        self.assertEqual(registration.prs_state, "changes_requested")
        self.assertEqual(registration.reopened_step_ids, self.step_personal)
        self.assertEqual(
            len(
                self._mails(
                    registration, "prs_registration.mail_template_registration_changes_requested"
                )
            ),
            1,
        )
        refused = self.submit(self.payload(self.step_terms, {"accept": True}, registration))
        self.assertIntakeError(refused, "step_order")
        answers = self.personal_answers(passport_no="P7654321")
        result = self.submit(self.payload(self.step_personal, answers, registration))
        self.assertEqual(result["next_step_id"], False)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertEqual(registration.answers["personal"]["passport_no"], "P7654321")

    def _request_changes(self, registration, steps, deadline=None):
        action = registration.with_user(self.coordinator).action_prs_request_changes()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.coordinator)
            .with_context(**action["context"])
        )
        for step in steps:
            wizard_form.step_ids.add(step)
        wizard_form.message = "Please check these answers."
        if deadline:
            wizard_form.deadline = deadline
        wizard_form.save().action_apply()
        self.assertEqual(registration.prs_state, "changes_requested")

    def test_changes_answerable_after_window(self):
        """Requested changes are answered after the window closed, until the deadline
        (default: the program start); new registrations stay refused."""
        registration = self.register()
        self._request_changes(registration, self.step_personal)
        self.assertEqual(registration.prs_changes_deadline, self.program.date_begin)
        now = fields.Datetime.now()
        self.program.write(
            {
                "prs_registration_opens_at": now - timedelta(days=10),
                "prs_registration_closes_at": now - timedelta(days=1),
            }
        )
        self.assertIntakeError(self.submit(self.payload()), "closed")
        answers = self.personal_answers(passport_no="P7654321")
        result = self.submit(self.payload(self.step_personal, answers, registration))
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.prs_state, "submitted")
        # past the coordinator's deadline: refused, and the message names it
        self._request_changes(registration, self.step_personal, deadline=now + timedelta(hours=1))
        registration.sudo().prs_changes_deadline = now - timedelta(minutes=1)
        refused = self.submit(self.payload(self.step_personal, answers, registration))
        self.assertIntakeError(refused, "closed")
        self.assertIn("requested changes", refused["errors"][0]["message"])

    def test_changes_show_a_skipped_step(self):
        """A resubmitted step that shows a step skipped before asks for it."""
        registration = self.register(age=34)
        self.assertNotIn("health", registration.answers)
        self._request_changes(registration, self.step_personal)
        answers = self.personal_answers(age=65)
        result = self.submit(self.payload(self.step_personal, answers, registration))
        self.assertEqual(result["next_step_id"], self.step_health.id, result)
        self.assertEqual(registration.prs_state, "changes_requested")
        self.assertIntakeError(
            self.submit(self.payload(self.step_terms, {"accept": True}, registration)),
            "step_order",
        )
        result = self.submit(self.payload(self.step_health, {"allergies": "pollen"}, registration))
        self.assertEqual(result["next_step_id"], False, result)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertEqual(registration.answers["health"], {"allergies": "pollen"})

    def test_changes_hide_an_answered_step(self):
        """A resubmitted step that hides an answered (even reopened) step drops its
        answers and never leaves the registration waiting for it."""
        registration = self.register(age=70)
        self.assertEqual(registration.answers["health"], {"allergies": "none"})
        self._request_changes(registration, self.step_personal | self.step_health)
        answers = self.personal_answers(age=30)
        result = self.submit(self.payload(self.step_personal, answers, registration))
        self.assertEqual(result["next_step_id"], False, result)
        self.assertEqual(registration.prs_state, "submitted")
        self.assertNotIn("health", registration.answers)
        self.assertNotIn("health", registration.step_versions)
        self.assertFalse(registration.reopened_step_ids)

    def test_changes_only_on_visible_steps(self):
        """A step hidden for the answers cannot be reopened (it could never be answered)."""
        registration = self.register(age=34)
        with self.assertRaises(UserError):
            self._request_changes(registration, self.step_health)

    def test_bulk_server_actions(self):
        """The list's bulk actions confirm, waitlist and reject the selected records (the
        rejection after its reason is given)."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": True})
        first, second, third, fourth = (self.register(first_name=n) for n in "ABCD")
        for xmlid, records in [
            ("event_registration_action_server_confirm", first | second),
            ("event_registration_action_server_waitlist", third),
            ("event_registration_action_server_reject", fourth),
        ]:
            action = self.env.ref(f"prs_registration.{xmlid}").with_user(self.coordinator)
            opened = action.with_context(
                active_model="event.registration", active_ids=records.ids
            ).run()
            if opened:  # the reason wizard
                wizard = self.env[opened["res_model"]].with_user(self.coordinator)
                wizard = Form(wizard.with_context(**opened["context"]))
                wizard.reason = "Not eligible"
                wizard.save().action_apply()
        self.assertEqual(
            (first | second | third | fourth).mapped("prs_state"),
            ["confirmed", "waitlisted", "waitlisted", "rejected"],
        )

    def test_invalid_transition(self):
        """An in-progress registration cannot be confirmed."""
        result = self.submit(self.payload())
        with self.assertRaises(UserError):
            self.Registration.browse(result["registration_id"]).action_prs_confirm()

    def test_odoo_attendee_features_keep_working(self):
        """Plain Odoo attendees still work and get a matching PRS state."""
        attendee = self.Registration.create({"event_id": self.program.id, "name": "Walk-in"})
        self.assertEqual((attendee.state, attendee.prs_state), ("open", "confirmed"))
        attendee.action_set_done()
        self.assertEqual((attendee.state, attendee.prs_state), ("done", "confirmed"))
        attendee.action_cancel()
        self.assertEqual((attendee.state, attendee.prs_state), ("cancel", "cancelled"))
        attendee.action_set_draft()
        self.assertEqual((attendee.state, attendee.prs_state), ("draft", "submitted"))
        attendee.action_confirm()
        self.assertEqual((attendee.state, attendee.prs_state), ("open", "confirmed"))

    def test_core_event_id_kept(self):
        """The PRS mixin does not change core's event_id (required, restrict, no index)."""
        field = self.Registration._fields["event_id"]
        self.assertTrue(field.required)
        self.assertEqual(field.ondelete, "restrict")
        self.assertFalse(field.index)
        self.env.cr.execute(
            """SELECT confdeltype FROM pg_constraint
               WHERE conrelid = 'event_registration'::regclass AND contype = 'f'
                 AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                     WHERE attrelid = 'event_registration'::regclass
                                       AND attname = 'event_id')]"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], "r")
