"""Issue 12, what a breaker found after the access work: mail templates mailing
participants' answers (D1), archive around the capacity (D2), followers of programs'
registrations (D3), corrected contact columns audited (D4), reveal without an email
address (D6)."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PrsRegistrationCase


@tagged("post_install", "-at_install", "prs", "prs_registration", "prs_access")
class TestAccessBreaker(PrsRegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # created the way Odoo creates a colleague: Events Administrator and Mail
        # Template Editor among the default groups, no PRS group
        cls.colleague = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "New Colleague", "login": "prs_brk_dflt", "email": "d@example.com"})
        )

    # ------------------------------------------------------------------ D1
    def test_template_rendering_decrypts_nothing(self):
        """A template calling the decrypting methods (as the superuser a schedule
        renders with) shows no sensitive answer: the key is refused while rendering."""
        registration = self.register()
        self.assertEqual(registration._prs_plain_answers()["personal"]["national_id"], "NID-998877")
        template = self.env["mail.template"].create(
            {
                "name": "Leak",
                "model_id": self.env["ir.model"]._get_id("event.registration"),
                "subject": "{{ object._prs_plain_answers() }}",
                "body_html": '<p t-out="object._prs_export_table(reveal=True)"/>',
            }
        )
        for field in ("subject", "body_html"):
            with self.subTest(field=field):
                try:
                    rendered = template._render_field(field, registration.ids)[registration.id]
                except Exception as exc:  # noqa: BLE001 (refused: what matters is no value)
                    rendered = str(exc)
                self.assertNotIn("NID-998877", str(rendered))
        # outside a template the key is there again
        self.assertEqual(registration._prs_plain_answers()["personal"]["national_id"], "NID-998877")

    def test_templates_sent_for_programs_changed_by_prs_administrators_only(self):
        """A Mail Template Editor without a PRS group (or a coordinator, a configurator)
        cannot change the PRS state mails or a template a program's schedule sends;
        other templates stay his; a PRS administrator changes them."""
        state_mail = self.env.ref("prs_registration.mail_template_registration_confirmed")
        scheduled = self.env["mail.template"].create(
            {
                "name": "Program schedule",
                "model_id": self.env["ir.model"]._get_id("event.registration"),
                "body_html": "<p>Hello</p>",
            }
        )
        self.env["event.mail"].create(
            {
                "event_id": self.program.id,
                "interval_type": "after_sub",
                "template_ref": f"mail.template,{scheduled.id}",
            }
        )
        plain = self.env.ref("event.event_subscription")
        self.assertTrue(self.colleague.has_group("mail.group_mail_template_editor"))
        for user in (self.colleague, self.coordinator, self.configurator):
            for template in (state_mail, scheduled):
                with self.subTest(user=user.login, template=template.name):
                    with self.assertRaises(AccessError):
                        template.with_user(user).write({"body_html": "<p>{{ object.answers }}</p>"})
                    with self.assertRaises(AccessError):
                        template.with_user(user).unlink()
        plain.with_user(self.colleague).write({"subject": "Plain events' mail"})
        state_mail.with_user(self.administrator).write({"subject": "Confirmed"})
        self.assertEqual(state_mail.subject, "Confirmed")

    # ------------------------------------------------------------------ D2
    def test_archive_is_no_way_around_capacity(self):
        """A coordinator cannot archive or unarchive a program's registration, and an
        archived confirmed registration still holds its seat."""
        self.program.write({"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": False})
        first = self.register(email="first@example.com")
        second = self.register(email="second@example.com")
        first.with_user(self.coordinator).action_prs_confirm()
        for method in ("action_archive", "toggle_active"):
            with self.assertRaises(AccessError, msg=method):
                getattr(first.with_user(self.coordinator), method)()
        with self.assertRaises(AccessError):
            first.with_user(self.coordinator).write({"active": False})
        first.active = False  # archived anyway (by the superuser): the seat stays taken
        with self.assertRaises(Exception):  # noqa: B017 (full: UserError)
            second.with_user(self.coordinator).action_prs_confirm()
        self.assertNotEqual(second.prs_state, "confirmed")
        with self.assertRaises(AccessError):
            first.with_user(self.coordinator).write({"active": True})

    # ------------------------------------------------------------------ D3
    def test_followers_of_program_registrations(self):
        """The intake's API user follows no registration; followers of a program's
        registration are hidden from users who cannot read it."""
        registration = self.register()
        self.assertNotIn(self.api_user.partner_id, registration.message_partner_ids)
        registration.message_subscribe(partner_ids=self.coordinator.partner_id.ids)
        domain = [("res_model", "=", "event.registration"), ("res_id", "=", registration.id)]
        Followers = self.env["mail.followers"]
        self.assertTrue(Followers.with_user(self.coordinator).search(domain))
        for user in (self.colleague, self.configurator, self.other_coordinator):
            with self.subTest(user=user.login):
                self.assertFalse(Followers.with_user(user).search(domain))
        plain = self.env["event.event"].create(
            {
                "name": "Staff party",
                "date_begin": self.program.date_begin,
                "date_end": self.program.date_end,
            }
        )
        guest = self.env["event.registration"].create({"event_id": plain.id, "name": "Guest"})
        guest.message_subscribe(partner_ids=self.coordinator.partner_id.ids)
        self.assertTrue(
            Followers.with_user(self.colleague).search(
                [("res_model", "=", "event.registration"), ("res_id", "=", guest.id)]
            )
        )

    # ------------------------------------------------------------------ D4
    def test_corrected_contact_columns_tracked(self):
        """A coordinator corrects a mapped contact column; the change is tracked."""
        registration = self.register()
        self.env.flush_all()
        registration.with_user(self.coordinator).write(
            {"prs_first_name": "Aasha", "prs_birthdate": "1990-01-02"}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = registration.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("prs_first_name", tracked)
        self.assertIn("prs_birthdate", tracked)

    # ------------------------------------------------------------------ D6
    def test_reveal_without_email_address(self):
        """A reviewer without an email address reveals (the reveal is logged)."""
        revealer = new_test_user(
            self.env, login="prs_brk_rev", groups="prs_registration.group_prs_reveal"
        )
        revealer.email = False
        self.program.prs_coordinator_ids |= revealer
        registration = self.register()
        registration.with_user(revealer).action_prs_reveal()
        self.assertTrue(
            self.env["prs.reveal.log"].search(
                [("registration_id", "=", registration.id), ("user_id", "=", revealer.id)]
            )
        )
        self.assertTrue(
            registration.message_ids.filtered(lambda m: "revealed by" in (m.body or ""))
        )
