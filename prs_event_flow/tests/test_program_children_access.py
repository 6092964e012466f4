"""What hangs off a program (breaker D1 of issue 12): mail schedules, their lines and
tickets are reached through the PRS groups only; plain events keep Odoo's behaviour."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs", "prs_access")
class TestProgramChildrenAccess(PrsEventFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # created the way Odoo creates a colleague: Events Administrator and Mail
        # Template Editor among the default groups, no PRS group
        cls.colleague = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "New Colleague", "login": "prs_ef_dflt", "email": "d@example.com"})
        )
        cls.template = cls.env.ref("event.event_subscription")
        cls.plain_event = cls.env["event.event"].create(
            {
                "name": "Staff party",
                "date_begin": "2030-04-01 08:00:00",
                "date_end": "2030-04-02 08:00:00",
            }
        )
        cls.program_mail = cls.env["event.mail"].create(cls._mail_values(cls.program))
        cls.program_ticket = cls.env["event.event.ticket"].create(
            {"event_id": cls.program.id, "name": "Seat"}
        )

    @classmethod
    def _mail_values(cls, event):
        return {
            "event_id": event.id,
            "interval_type": "after_sub",
            "template_ref": f"mail.template,{cls.template.id}",
        }

    def test_no_prs_group_attaches_no_mail_or_ticket_to_a_program(self):
        """A default colleague creates no mail schedule or ticket on a program, and
        reads or changes none of a program's; on a plain event he still does."""
        user = self.colleague
        self.assertTrue(user.has_group("event.group_event_manager"))
        with self.assertRaises(AccessError):
            self.env["event.mail"].with_user(user).create(self._mail_values(self.program))
        with self.assertRaises(AccessError):
            self.env["event.event.ticket"].with_user(user).create(
                {"event_id": self.program.id, "name": "Free seat"}
            )
        for record in (self.program_mail, self.program_ticket):
            with self.assertRaises(AccessError):
                record.with_user(user).read(["event_id"])
            with self.assertRaises(AccessError):
                record.with_user(user).unlink()
        self.assertFalse(
            self.env["event.mail.registration"]
            .with_user(user)
            .search([("scheduler_id", "=", self.program_mail.id)])
        )
        self.env["event.mail"].with_user(user).create(self._mail_values(self.plain_event))
        self.env["event.event.ticket"].with_user(user).create(
            {"event_id": self.plain_event.id, "name": "Guest"}
        )

    def test_mail_schedules_of_programs_by_prs_administrators(self):
        """Configurators read a program's mail schedule but attach none (a schedule
        mails every participant); coordinators read their program's; PRS
        administrators attach one."""
        with self.assertRaises(AccessError):
            self.env["event.mail"].with_user(self.configurator).create(
                self._mail_values(self.program)
            )
        with self.assertRaises(AccessError):
            self.program_mail.with_user(self.configurator).write({"interval_nbr": 3})
        self.assertTrue(self.program_mail.with_user(self.configurator).read(["event_id"]))
        self.assertTrue(self.program_mail.with_user(self.coordinator).read(["event_id"]))
        with self.assertRaises(AccessError):
            self.program_mail.with_user(self.other_coordinator).read(["event_id"])
        with self.assertRaises(AccessError):
            self.env["event.mail"].with_user(self.coordinator).create(
                self._mail_values(self.program)
            )
        self.env["event.mail"].with_user(self.administrator).create(self._mail_values(self.program))

    def test_program_tickets_by_configurators(self):
        """Configurators manage a program's tickets; its coordinator reads them, the
        coordinator of another program does not."""
        ticket = (
            self.env["event.event.ticket"]
            .with_user(self.configurator)
            .create({"event_id": self.program.id, "name": "Early bird"})
        )
        ticket.write({"name": "Early"})
        self.assertTrue(self.program_ticket.with_user(self.coordinator).read(["name"]))
        with self.assertRaises(AccessError):
            self.program_ticket.with_user(self.coordinator).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.program_ticket.with_user(self.other_coordinator).read(["name"])
