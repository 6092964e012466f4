"""Access matrix: each PRS group against each PRS model and action, allowed and refused
as DESIGN.md says (configurators build, coordinators review their programs,
administrators do everything, the integration user submits and nothing else)."""

from common import (
    GROUP_ADMINISTRATOR,
    GROUP_API,
    GROUP_CONFIGURATOR,
    GROUP_COORDINATOR,
    PrsBuilder,
)

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

MODES = ("read", "write", "create", "unlink")
FULL, READ, NONE = "rwcu", "r", ""
# Published versions are immutable: configurators create them by publishing.
VERSION = "rc"

# model: {role: allowed modes}; roles: cfg, crd, adm, api, int (a plain internal user)
MATRIX = {
    "form.form": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "form.page": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "form.section": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "form.field": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "form.field.choice": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "form.form.version": {"cfg": VERSION, "crd": READ, "adm": VERSION, "api": NONE, "int": NONE},
    "prs.master": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "prs.master.item": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "event.flow": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "event.flow.step": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "event.type.flow": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    "event.type.flow.step": {"cfg": FULL, "crd": READ, "adm": FULL, "api": NONE, "int": NONE},
    # coordinators' program rights come from Odoo's event user group; record rules keep
    # them to reading their own programs (test_coordinator_cannot_change_program)
    "event.event": {"cfg": FULL, "adm": FULL, "api": NONE},
    # configurators manage attendees (Odoo's event manager) but never read answers
    # (test_configurator_does_not_read_answers); coordinators review, never delete
    "event.registration": {"cfg": FULL, "crd": "rwc", "adm": FULL, "api": NONE, "int": NONE},
    "event.registration.submission": {"crd": READ, "api": NONE, "int": NONE},
    "prs.cache.target": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    "prs.cache.key": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    "prs.cache.outbox": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    # audit logs: written by the system, read by administrators (who may purge intake)
    "prs.reveal.log": {"cfg": NONE, "crd": NONE, "adm": READ, "api": NONE, "int": NONE},
    "prs.intake.log": {"cfg": NONE, "crd": NONE, "adm": "ru", "api": NONE, "int": NONE},
}


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_access")
class TestAccessMatrix(PrsBuilder, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "cfg": new_test_user(cls.env, login="h7_acc_cfg", groups=GROUP_CONFIGURATOR),
            "crd": new_test_user(cls.env, login="h7_acc_crd", groups=GROUP_COORDINATOR),
            "adm": new_test_user(cls.env, login="h7_acc_adm", groups=GROUP_ADMINISTRATOR),
            "api": new_test_user(cls.env, login="h7_acc_api", groups=GROUP_API),
            "int": new_test_user(cls.env, login="h7_acc_int", groups="base.group_user"),
        }
        cls.other_coordinator = new_test_user(
            cls.env, login="h7_acc_crd2", groups=GROUP_COORDINATOR
        )
        # no Redis write can leave this transaction, but keep the shared one out anyway
        cls.env["prs.cache.target"].search([]).write({"active": False})
        cls.form = cls.simple_form(cls.env, "h7_acc_form")
        cls.draft_form = cls.simple_form(cls.env, "h7_acc_draft", publish=False)
        cls.program = cls.create_program(cls.env, "H7-ACC-1", coordinators=cls.users["crd"])
        cls.other_program = cls.create_program(
            cls.env, "H7-ACC-2", coordinators=cls.other_coordinator
        )
        cls.flow = cls.create_flow(
            cls.env, cls.program, [cls.step("main", 10, form=cls.form)], publish=True
        )
        cls.other_flow = cls.create_flow(
            cls.env, cls.other_program, [cls.step("main", 10, form=cls.form)], publish=True
        )
        cls.draft_flow = cls.create_flow(
            cls.env, cls.program, [cls.step("main", 10, form=cls.form)], code="draft"
        )
        cls.registration = cls._registration(cls.program, cls.flow)
        cls.other_registration = cls._registration(cls.other_program, cls.other_flow)

    @classmethod
    def _registration(cls, program, flow):
        return cls.env["event.registration"].create(
            {
                "event_id": program.id,
                "flow_id": flow.id,
                "name": f"Participant {program.prs_code}",
                "prs_state": "submitted",
                "answers": {"main": {"name": "Participant"}},
                "step_versions": {"main": 1},
            }
        )

    # ------------------------------------------------------------------ model rights
    def test_model_access_rights(self):
        """Each role has exactly the create/read/write/delete rights of the matrix on
        each PRS model."""
        mismatches = []
        for model, rights in MATRIX.items():
            for role, allowed in rights.items():
                records = self.env[model].with_user(self.users[role])
                for mode in MODES:
                    expected = mode[0] in allowed if mode != "unlink" else "u" in allowed
                    got = records.check_access_rights(mode, raise_exception=False)
                    if got != expected:
                        mismatches.append(f"{role} {mode} {model}: {got}, expected {expected}")
        self.assertEqual(mismatches, [])

    def test_api_user_reads_nothing(self):
        """The integration user cannot read a form, a program's flow or a registration."""
        api = self.users["api"]
        for record in (self.form, self.flow, self.registration):
            with self.assertRaises(AccessError):
                record.with_user(api).read(["display_name"])

    def test_menus_per_group(self):
        """Configurators see Configuration, coordinators Registrations, administrators
        the Cache menu too; plain users see no PRS menu and the integration user no menu
        at all."""
        menus = {
            "configuration": self.env.ref("prs_form_builder.menu_prs_configuration"),
            "registrations": self.env.ref("prs_registration.event_registration_prs_menu"),
            "cache": self.env.ref("prs_cache_sync.prs_cache_menu"),
            "root": self.env.ref("prs_form_builder.menu_prs_root"),
        }
        expected = {
            "cfg": {"root", "configuration"},
            "crd": {"root", "registrations"},
            "adm": {"root", "configuration", "registrations", "cache"},
            "int": set(),
        }
        with self.assertRaises(AccessError):  # not even an internal user
            self.env["ir.ui.menu"].with_user(self.users["api"]).search([])
        for role, names in expected.items():
            visible = self.env["ir.ui.menu"].with_user(self.users[role])._visible_menu_ids()
            seen = {name for name, menu in menus.items() if menu.id in visible}
            self.assertEqual(seen, names, role)

    # ------------------------------------------------------------------ record rules
    def test_coordinator_sees_only_own_program(self):
        """A coordinator finds the registrations, flows and program he coordinates, and
        none of another program's."""
        crd = self.users["crd"]
        registrations = (
            self.env["event.registration"]
            .with_user(crd)
            .search([("event_id", "in", (self.program | self.other_program).ids)])
        )
        self.assertEqual(registrations, self.registration)
        flows = (
            self.env["event.flow"]
            .with_user(crd)
            .search([("event_id", "in", (self.program | self.other_program).ids)])
        )
        self.assertEqual(flows, self.flow | self.draft_flow)
        programs = (
            self.env["event.event"]
            .with_user(crd)
            .search([("id", "in", (self.program | self.other_program).ids)])
        )
        self.assertEqual(programs, self.program)
        with self.assertRaises(AccessError):
            self.other_registration.with_user(crd).read(["prs_state"])

    def test_coordinator_removed_loses_access_at_once(self):
        """Removing a coordinator from a program takes its registrations away from him
        in the very next request, without any cache to clear."""
        crd = self.users["crd"]
        registration = self.registration.with_user(crd)
        self.assertEqual(registration.read(["prs_state"])[0]["prs_state"], "submitted")
        self.program.write({"prs_coordinator_ids": [(3, crd.id)]})
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            registration.read(["prs_state"])
        self.assertFalse(
            self.env["event.registration"]
            .with_user(crd)
            .search([("id", "=", self.registration.id)])
        )

    def test_coordinator_cannot_change_program(self):
        """A coordinator reads his program but cannot change it; a configurator can."""
        program = self.program.with_user(self.users["crd"])
        self.assertEqual(program.read(["prs_code"])[0]["prs_code"], "H7-ACC-1")
        with self.assertRaises(AccessError):
            program.write({"name": "Renamed by a coordinator"})
        self.program.with_user(self.users["cfg"]).write({"name": "Renamed"})
        self.assertEqual(self.program.name, "Renamed")

    def test_configurator_does_not_read_answers(self):
        """A configurator builds programs but cannot read participants' answers."""
        with self.assertRaises(AccessError):
            self.registration.with_user(self.users["cfg"]).read(["answers"])
        self.assertTrue(self.registration.with_user(self.users["adm"]).read(["answers"]))

    # ------------------------------------------------------------------ actions
    def test_publish_form_configurator_only(self):
        """A configurator publishes a form; a coordinator cannot."""
        with self.assertRaises(AccessError):
            self.draft_form.with_user(self.users["crd"]).action_publish()
        self.draft_form.with_user(self.users["cfg"]).action_publish()
        self.assertEqual(self.draft_form.state, "published")

    def test_publish_flow_configurator_only(self):
        """A configurator publishes a flow; a coordinator of the program cannot."""
        with self.assertRaises(AccessError):
            self.draft_flow.with_user(self.users["crd"]).action_publish()
        self.draft_flow.with_user(self.users["cfg"]).action_publish()
        self.assertEqual(self.draft_flow.state, "published")

    def test_confirm_own_program_only(self):
        """A coordinator confirms a registration of his program, not of another one."""
        crd = self.users["crd"]
        with self.assertRaises(AccessError):
            self.other_registration.with_user(crd).action_prs_confirm()
        self.assertEqual(self.other_registration.prs_state, "submitted")
        self.registration.with_user(crd).action_prs_confirm()
        self.assertEqual(self.registration.prs_state, "confirmed")

    def test_review_actions_own_program_only(self):
        """Waitlist, reject, cancel and request changes are refused on another program's
        registration, and a coordinator's own registration can be rejected."""
        crd = self.users["crd"]
        actions = (
            "action_prs_waitlist",
            "action_prs_reject",
            "action_prs_cancel",
            "action_prs_request_changes",
        )
        for action in actions:
            with self.assertRaises(AccessError):
                getattr(self.other_registration.with_user(crd), action)()
        self.assertEqual(self.other_registration.prs_state, "submitted")
        self.registration.with_user(crd).action_prs_reject()
        self.assertEqual(self.registration.prs_state, "rejected")

    def test_reveal_needs_the_right_and_the_program(self):
        """Revealing sensitive answers needs the reveal right, only on the revealer's own
        programs, and each reveal is logged."""
        crd = self.users["crd"]
        with self.assertRaises(AccessError):
            self.registration.with_user(crd).action_prs_reveal()
        revealer = new_test_user(
            self.env,
            login="h7_acc_rev",
            groups=f"{GROUP_COORDINATOR},prs_registration.group_prs_reveal",
        )
        self.program.write({"prs_coordinator_ids": [(4, revealer.id)]})
        with self.assertRaises(AccessError):
            self.other_registration.with_user(revealer).action_prs_reveal()
        self.registration.with_user(revealer).action_prs_reveal()
        logs = self.env["prs.reveal.log"].search([("user_id", "=", revealer.id)])
        self.assertEqual(logs.registration_id, self.registration)

    def test_submit_integration_user_only(self):
        """Only the integration user may call prs_submit; the other roles are refused
        before anything is read."""
        payload = {
            "submission_id": "h7-acc",
            "program_id": 0,
            "flow_id": 0,
            "step_id": 0,
            "form_version": 0,
            "answers": {},
        }
        for role in ("cfg", "crd", "adm", "int"):
            with self.assertRaises(AccessError):
                self.env["event.registration"].with_user(self.users[role]).prs_submit(payload)
        result = self.env["event.registration"].with_user(self.users["api"]).prs_submit(payload)
        self.assertIs(result["ok"], False)

    def test_cache_actions_administrator_only(self):
        """Verify and Retry Now of the Redis cache are for administrators."""
        target = self.env["prs.cache.target"].with_context(active_test=False).search([], limit=1)
        for role in ("cfg", "crd"):
            with self.assertRaises(AccessError):
                target.with_user(self.users[role]).action_retry_now()
            with self.assertRaises(AccessError):
                target.with_user(self.users[role]).action_verify()
        target.with_user(self.users["adm"]).action_retry_now()
        target.with_user(self.users["adm"]).action_verify()

    def test_export_own_program_only(self):
        """A coordinator exports the registrations of his program, not another's."""
        crd = self.users["crd"]
        wizard = self.env["event.registration.export"].with_user(crd)
        content, __ = wizard.create(
            {"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"}
        )._prs_build()
        self.assertIn(b"Participant H7-ACC-1", content)
        with self.assertRaises(AccessError):
            wizard.create(
                {"registration_ids": [(6, 0, self.other_registration.ids)], "file_format": "csv"}
            )._prs_build()
