from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged, users

from .common import FlowBuilder

# Odoo's event groups, none of which reaches a program (issue 12, item 1)
EVENT_GROUPS = {
    "prs_priv_desk": "event.group_event_registration_desk",
    "prs_priv_evuser": "event.group_event_user",
    "prs_priv_evmgr": "event.group_event_manager",
}
NO_PRS_LOGINS = ("prs_priv_dflt", *EVENT_GROUPS)


@tagged("post_install", "-at_install", "prs", "prs_event_flow")
class TestProgramPrivacy(FlowBuilder, TransactionCase):
    """Programs, their flows and steps are reached through the PRS groups only: a user
    created the way Odoo creates one (base.default_user's groups, Events Administrator
    included) and each Odoo event group without a PRS group reach none of them, while
    plain events keep Odoo's behaviour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # created like an SSO invitation creates a colleague: no groups given, so
        # base.default_user's groups (Events Administrator among them)
        cls.default_user = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "New Colleague", "login": "prs_priv_dflt"})
        )
        for login, group in EVENT_GROUPS.items():
            new_test_user(cls.env, login=login, groups=group)
        new_test_user(cls.env, login="prs_priv_cfg", groups="prs_base.group_prs_configurator")
        cls.coordinator = new_test_user(
            cls.env, login="prs_priv_crd", groups="prs_base.group_prs_coordinator"
        )
        cls.program = cls.create_program(cls.env, "PRIV-1", coordinators=cls.coordinator)
        cls.flow = cls.create_flow(cls.env, cls.program, [cls.step("main", 10, "confirmation")])
        cls.plain_event = cls.env["event.event"].create(
            {
                "name": "Staff party",
                "date_begin": cls.program.date_begin,
                "date_end": cls.program.date_end,
            }
        )

    def assertUnreachable(self, records, label):
        """Neither read nor found by search."""
        with self.assertRaises(AccessError, msg=label):
            records.read(["display_name"])
        if records.check_access_rights("read", raise_exception=False):
            self.assertFalse(records.search([("id", "in", records.ids)]), label)

    def test_default_user_is_an_events_administrator(self):
        """The premise: Odoo's event module gives every new internal user Events
        Administrator, and no PRS group."""
        self.assertTrue(self.default_user.has_group("event.group_event_manager"))
        self.assertFalse(self.default_user.has_group("prs_base.group_prs_coordinator"))
        self.assertFalse(self.default_user.has_group("prs_base.group_prs_configurator"))

    @users(*NO_PRS_LOGINS)
    def test_no_prs_group_reaches_no_program_flow_or_step(self):
        """The default user and each event group read and find no program, flow or
        step, and cannot rename the program or turn a plain event into one."""
        for label, records in (
            ("program", self.program),
            ("flow", self.flow),
            ("step", self.flow.step_ids),
        ):
            self.assertUnreachable(records.with_env(self.env), f"{self.env.user.login} {label}")
        with self.assertRaises(AccessError):
            self.program.with_env(self.env).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.plain_event.with_env(self.env).write({"prs_code": "FORGED"})
        self.assertEqual(self.program.sudo().name, "Program PRIV-1")

    @users(*NO_PRS_LOGINS)
    def test_plain_events_keep_odoo_behaviour(self):
        """Every event group still reads plain events; the program is not among what
        they find."""
        events = self.env["event.event"].search(
            [("id", "in", (self.program | self.plain_event).ids)]
        )
        self.assertEqual(events, self.plain_event.with_env(self.env))

    @users("prs_priv_dflt", "prs_priv_evmgr")
    def test_events_administrator_changes_plain_events(self):
        """An Events Administrator without a PRS group still manages plain events."""
        self.plain_event.with_env(self.env).write({"name": "Staff party 2"})
        self.assertEqual(self.plain_event.name, "Staff party 2")

    @users("prs_priv_cfg")
    def test_configurator_builds_programs(self):
        """A configurator reads and changes the program, its flow and its steps."""
        self.program.with_env(self.env).write({"name": "Renamed"})
        self.flow.with_env(self.env).write({"name": "Main flow"})
        self.assertTrue(self.flow.step_ids.with_env(self.env).read(["name"]))

    @users("prs_priv_crd")
    def test_coordinator_reads_own_program(self):
        """A coordinator reads the program he coordinates and its flow, changes
        neither."""
        self.assertTrue(self.program.with_env(self.env).read(["name"]))
        self.assertTrue(self.flow.with_env(self.env).read(["name"]))
        with self.assertRaises(AccessError):
            self.program.with_env(self.env).write({"name": "Renamed"})
