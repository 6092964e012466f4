"""Access matrix: each PRS group against each PRS model and action, allowed and refused
as DESIGN.md says (configurators build, coordinators review their programs,
administrators do everything, the integration user submits and nothing else)."""

import inspect

from common import (
    GROUP_ADMINISTRATOR,
    GROUP_API,
    GROUP_CONFIGURATOR,
    GROUP_COORDINATOR,
    PrsBuilder,
)

from odoo.exceptions import AccessError, UserError
from odoo.models import regex_private
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.prs_registration.tests.common import NO_PRS_ROLES, AccessFixtureMixin

MODES = ("read", "write", "create", "unlink")
FULL, READ, NONE = "rwcu", "r", ""
# Published versions are immutable and created by publishing only (action_publish
# creates them as superuser after its checks): nobody creates or writes one directly.
VERSION = "r"
PRS_MODULES = frozenset(
    {"prs_base", "prs_form_builder", "prs_event_flow", "prs_registration", "prs_cache_sync"}
)
# Public methods every user without a PRS group and the integration user may call:
# prs_submit and the worker methods check the API group themselves
# (test_submit_integration_user_only, test_worker_methods).
RPC_ALLOWED = {
    ("event.registration", method)
    for method in (
        "prs_submit",
        # the worker methods check the API group themselves, as prs_submit does
        # (prs_registration test_worker_methods: refused to every other user)
        "prs_record_payment",
        "prs_cancel_registration",
        "prs_registration_status",
    )
}
# The ORM's own CRUD, overridden by PRS models, is guarded by the access rights and
# record rules of this matrix (test_model_access_rights and the record tests below).
ORM_CRUD = frozenset({"create", "write", "unlink", "copy", "copy_data"})

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
    # replaced answers: read like the answers (coordinators of the program), written by
    # the intake only
    "event.registration.answer.history": {
        "cfg": NONE,
        "crd": READ,
        "adm": READ,
        "api": NONE,
        "int": NONE,
    },
    # payments recorded by the API worker's prs_record_payment: read like the answers
    "event.registration.payment": {
        "cfg": NONE,
        "crd": READ,
        "adm": READ,
        "api": NONE,
        "int": NONE,
    },
    "prs.cache.target": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    "prs.cache.key": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    "prs.cache.outbox": {"cfg": NONE, "crd": NONE, "adm": FULL, "api": NONE, "int": NONE},
    # audit logs: written by the system, read by administrators (who may purge intake)
    "prs.reveal.log": {"cfg": NONE, "crd": NONE, "adm": READ, "api": NONE, "int": NONE},
    "prs.intake.log": {"cfg": NONE, "crd": NONE, "adm": "ru", "api": NONE, "int": NONE},
}

# Users without a PRS group reach no PRS model (Odoo's event rights on event.event and
# event.registration stay; record rules keep programs away: test_no_prs_group_*).
for _model, _rights in MATRIX.items():
    if _model not in ("event.event", "event.registration"):
        for _role in NO_PRS_ROLES:
            _rights.setdefault(_role, NONE)


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_access")
class TestAccessMatrix(AccessFixtureMixin, PrsBuilder, TransactionCase):
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
        # users without a PRS group: created like Odoo creates a colleague (SSO
        # invitation: default groups only) and one per Odoo event group
        cls.users.update(cls._create_no_prs_users("h7_acc"))
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
        # what a participant leaves besides answers: a file, a message, a submission;
        # a plain Odoo event and attendee: Odoo's own behaviour is kept for them
        cls._create_participant_records("h7-acc-sub")
        # one wizard of each kind, opened by an administrator (public-method test)
        env = cls.env
        cls.wizards = {
            "event.registration.export": {"registration_ids": [(6, 0, cls.registration.ids)]},
            "event.registration.request.changes": {
                "registration_ids": [(6, 0, cls.registration.ids)],
                "step_ids": [(6, 0, cls.flow.step_ids.ids)],
                "message": "Please change",
            },
            "event.registration.reason.wizard": {
                "registration_ids": [(6, 0, cls.registration.ids)],
                "decision": "cancel",
                "reason": "Not eligible",
            },
            "form.field.template.add.wizard": {
                "section_id": cls.draft_form.section_ids[:1].id,
                "template_ids": [(6, 0, env["form.field.template"].search([], limit=1).ids)],
            },
            "form.form.from.template.wizard": {
                "template_id": cls.form.id,
                "name": "Copy",
                "code": "h7_acc_copy",
            },
            "form.version.compare.wizard": {"form_id": cls.form.id},
            "prs.cache.verify": {},
        }
        for model, vals in cls.wizards.items():
            cls.wizards[model] = env[model].with_user(cls.users["adm"]).create(vals)

    @classmethod
    def _registration(cls, program, flow):
        return cls._make_registration(
            program, flow, f"Participant {program.prs_code}", "main", {"name": "Participant"}
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
        self.registration.with_user(crd)._prs_reject("Not eligible")
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

    # ------------------------------------------------------------------ no PRS group
    def assertNoAccess(self, records, label):
        """``records`` can neither be read nor found (no right at all, or rules)."""
        with self.assertRaises(AccessError, msg=label):
            records.read(["display_name"])
        if records.check_access_rights("read", raise_exception=False):
            found = records.search([("id", "in", records.ids)])
            self.assertFalse(found, f"{label}: found by search")

    def test_no_prs_group_reaches_no_program(self):
        """A new colleague (default groups: Events Administrator) and each Odoo event
        group without a PRS group reach no program, flow, step, registration,
        submission, attachment or message of a program, and change no program."""
        records = {
            "program": self.program,
            "flow": self.flow,
            "step": self.flow.step_ids,
            "registration": self.registration,
            "submission": self.submission,
            "attachment": self.attachment,
            "message": self.message,
            "form": self.form,
            "version": self.form.current_version_id,
        }
        for role in NO_PRS_ROLES + ("api",):
            user = self.users[role]
            for label, record in records.items():
                self.assertNoAccess(record.with_user(user), f"{role} {label}")
            attachments = self.env["ir.attachment"].with_user(user)
            if attachments.check_access_rights("read", raise_exception=False):
                found = attachments.search([("res_model", "=", "event.registration")])
                self.assertNotIn(self.attachment, found, role)
            with self.assertRaises(AccessError, msg=role):
                self.program.with_user(user).write({"name": "Renamed"})
        self.assertEqual(self.program.name, "Program H7-ACC-1")

    def test_no_prs_group_cannot_create_program(self):
        """An Events Administrator without a PRS group cannot turn an event into a
        program or create one."""
        manager = self.users["dflt"]
        with self.assertRaises(AccessError):
            self.plain_event.with_user(manager).write({"prs_code": "FORGED"})
        with self.assertRaises(AccessError):
            self.env["event.event"].with_user(manager).create(
                {
                    "name": "Forged",
                    "prs_code": "FORGED-2",
                    "date_begin": self.program.date_begin,
                    "date_end": self.program.date_end,
                }
            )

    def test_plain_events_keep_odoo_behaviour(self):
        """Plain events and their attendees stay Odoo's: the event groups read them and
        managers change them."""
        for role in NO_PRS_ROLES:
            user = self.users[role]
            self.assertTrue(self.plain_event.with_user(user).read(["name"]), role)
            self.assertTrue(self.plain_registration.with_user(user).read(["name"]), role)
        self.plain_event.with_user(self.users["dflt"]).write({"name": "Staff party 2"})
        self.plain_registration.with_user(self.users["ev_user"]).write({"name": "Guest 2"})
        self.assertEqual(self.plain_registration.name, "Guest 2")

    def test_configurator_reads_no_registration_file_or_message(self):
        """A configurator edits programs but reads no registration, answer file,
        message or submission of a program."""
        cfg = self.users["cfg"]
        self.program.with_user(cfg).write({"name": "Renamed by the configurator"})
        for label, record in (
            ("registration", self.registration),
            ("attachment", self.attachment),
            ("message", self.message),
        ):
            self.assertNoAccess(record.with_user(cfg), label)
        with self.assertRaises(AccessError):
            self.submission.with_user(cfg).read(["result"])

    def test_coordinators_reach_their_program_only(self):
        """Each of two coordinators reads his program's registration, file and message,
        and none of the other program's."""
        crd, crd2 = self.users["crd"], self.other_coordinator
        self.assertTrue(self.attachment.with_user(crd).read(["name"]))
        self.assertTrue(self.message.with_user(crd).read(["body"]))
        self.assertTrue(self.submission.with_user(crd).read(["result"]))
        for label, record in (
            ("registration", self.registration),
            ("attachment", self.attachment),
            ("message", self.message),
            ("submission", self.submission),
        ):
            self.assertNoAccess(record.with_user(crd2), label)
        self.assertTrue(self.other_registration.with_user(crd2).read(["name"]))

    # ------------------------------------------------------------------ direct writes
    def test_coordinator_changes_registrations_through_actions_only(self):
        """A coordinator cannot write lifecycle or answer fields of his registration
        directly, nor move it to another program; the actions still work."""
        crd = self.users["crd"]
        registration = self.registration.with_user(crd)
        forged = {
            "prs_state": "confirmed",
            "state": "open",
            "answers": {"main": {"name": "Forged"}},
            "step_versions": {"main": 99},
            "prs_is_test": True,
            "event_id": self.other_program.id,
            "flow_id": self.other_flow.id,
            "current_step_id": self.flow.step_ids[:1].id,
            "next_step_id": self.flow.step_ids[:1].id,
            "reopened_step_ids": [(6, 0, self.flow.step_ids.ids)],
            "prs_submitted_at": "2020-01-01 00:00:00",
        }
        for name, value in forged.items():
            with self.assertRaises(AccessError, msg=name):
                registration.write({name: value})
        for method in ("action_confirm", "action_cancel", "action_set_draft"):
            with self.assertRaises(AccessError, msg=method):
                getattr(registration, method)()
        self.assertEqual(self.registration.prs_state, "submitted")
        self.assertEqual(self.registration.event_id, self.program)
        registration.write({"name": "Corrected name"})
        registration._prs_reject("Not eligible")
        self.assertEqual(self.registration.prs_state, "rejected")

    def test_registration_never_leaves_the_users_programs(self):
        """A coordinator cannot move a plain attendee into a program (his or another),
        nor create a registration with answers."""
        crd = self.users["crd"]
        for program in (self.program, self.other_program):
            with self.assertRaises(AccessError):
                self.plain_registration.with_user(crd).write({"event_id": program.id})
        self.assertEqual(self.plain_registration.event_id, self.plain_event)
        with self.assertRaises(AccessError):
            self.env["event.registration"].with_user(crd).create(
                {"event_id": self.program.id, "answers": {"main": {"name": "Forged"}}}
            )

    # ------------------------------------------------------------------ wizards
    def test_wizards_private_to_their_creator(self):
        """Every PRS wizard (transient model) has a record rule limiting it to its
        creator; another coordinator cannot read an export."""
        transient = [
            self.env[name]
            for name in self.env.registry
            if self.env[name]._transient and self._prs_module_of(name)
        ]
        self.assertTrue(transient)
        rules = self.env["ir.rule"].search([("model_id.model", "in", [m._name for m in transient])])
        private = {
            rule.model_id.model
            for rule in rules
            if rule["global"] and "create_uid" in rule.domain_force
        }
        self.assertEqual(sorted(m._name for m in transient if m._name not in private), [])
        crd = self.users["crd"]
        wizard = (
            self.env["event.registration.export"]
            .with_user(crd)
            .create({"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"})
        )
        wizard.action_export()
        for user in (self.other_coordinator, self.users["cfg"]):
            with self.assertRaises(AccessError):
                wizard.with_user(user).read(["data"])
        self.assertTrue(wizard.read(["data"])[0]["data"])

    def test_export_file_removed_after_download(self):
        """The export file is handed out once and is not kept in the database."""
        crd = self.users["crd"]
        wizard = (
            self.env["event.registration.export"]
            .with_user(crd)
            .create({"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"})
        )
        action = wizard.action_export()
        self.assertEqual(action["url"], f"/prs_registration/export/{wizard.id}")
        filename, content = wizard._prs_take_file()
        self.assertTrue(filename.endswith(".csv"))
        self.assertIn(b"Participant H7-ACC-1", content)
        self.env.invalidate_all()
        self.assertFalse(wizard.data)
        self.assertEqual(wizard._prs_take_file(), (None, None))
        with self.assertRaises(AccessError):
            wizard.with_user(self.other_coordinator)._prs_take_file()

    # ------------------------------------------------------------------ versions
    def test_versions_created_by_publishing_only(self):
        """Nobody creates a form version or sets a form's current version directly,
        administrators included; publishing does both."""
        version = self.form.current_version_id
        for role in ("cfg", "adm"):
            user = self.users[role]
            with self.assertRaises(AccessError, msg=role):
                self.env["form.form.version"].with_user(user).create(
                    {"form_id": self.draft_form.id, "version": 7, "tree": {"forged": True}}
                )
            with self.assertRaises(AccessError, msg=role):
                self.draft_form.with_user(user).write({"current_version_id": version.id})
            with self.assertRaises(UserError, msg=role):  # AccessError is a UserError
                version.with_user(user).write({"tree": {"forged": True}})
        self.assertFalse(self.draft_form.current_version_id)
        self.draft_form.with_user(self.users["cfg"]).action_publish()
        self.assertEqual(self.draft_form.current_version_id.version, 1)
        self.assertEqual(self.draft_form.current_version_id.published_by_id, self.users["cfg"])

    # ------------------------------------------------------------------ public methods
    def _prs_module_of(self, model_name):
        """True when a PRS module defines or extends ``model_name``."""
        return any(
            getattr(klass, "_module", None) in PRS_MODULES
            for klass in type(self.env[model_name]).__mro__
        )

    def _prs_public_methods(self):
        """``[(model, method)]``: every public method (callable over RPC: not
        ``models.regex_private``) that a PRS module defines or overrides, on concrete
        models."""
        found = set()
        for name in self.env.registry:
            model = self.env[name]
            if model._abstract:
                continue
            for klass in type(model).__mro__:
                if getattr(klass, "_module", None) not in PRS_MODULES:
                    continue
                for attr, value in vars(klass).items():
                    # Odoo refuses ``_*`` and ``init`` over RPC (models.regex_private)
                    if not regex_private.match(attr) and inspect.isfunction(value):
                        found.add((name, attr))
        return sorted(found)

    def _prs_sample(self, model_name):
        """A record of ``model_name`` to call methods on (empty when none exists)."""
        samples = {
            "event.event": self.program,
            "event.flow": self.flow,
            "event.flow.step": self.flow.step_ids[:1],
            "event.registration": self.registration,
            "form.form": self.form,
            "form.form.version": self.form.current_version_id,
        }
        samples.update(self.wizards)
        if model_name in samples:
            return samples[model_name].with_env(self.env)
        return self.env[model_name].with_context(active_test=False).search([], limit=1)

    def test_public_methods_refused_without_prs_role(self):
        """Every public method of every PRS model refuses the integration user and a user
        without a PRS group (AccessError), except the explicit allow-list: a method
        added later is covered without editing this test."""
        methods = [
            (model, name)
            for model, name in self._prs_public_methods()
            if name not in ORM_CRUD and (model, name) not in RPC_ALLOWED
        ]
        self.assertIn(("event.event", "action_prs_cache_publish"), methods)
        outbox = self.env["prs.cache.outbox"]
        outbox_before = outbox.search_count([])
        accepted = []
        for role in ("api", "dflt"):
            user = self.users[role]
            for model, name in methods:
                records = self._prs_sample(model).with_user(user)
                method = getattr(records, name)
                params = [
                    p
                    for p in list(inspect.signature(method).parameters.values())
                    if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
                ]
                # over RPC nothing is cached: read everything with the caller's rights
                self.env.invalidate_all()
                try:
                    with self.env.cr.savepoint():
                        method(*[{}] * len(params))
                except AccessError:
                    continue
                except Exception as error:  # noqa: BLE001 - reported below
                    accepted.append(f"{role} {model}.{name}: {type(error).__name__} {error}")
                    continue
                accepted.append(f"{role} {model}.{name}: accepted")
        self.maxDiff = None
        self.assertEqual("\n".join(accepted), "")
        self.assertEqual(outbox.search_count([]), outbox_before)

    # ------------------------------------------------------------------ breaker (D1-D6)
    def test_no_prs_group_hangs_no_mail_or_ticket_on_a_program(self):
        """Users without a PRS group (and configurators, for mails) attach no mail
        schedule or ticket to a program, and change no template a program sends
        (issue 12, breaker D1); plain events keep Odoo's behaviour."""
        template = self.env.ref("event.event_subscription")
        schedule = {
            "interval_type": "after_sub",
            "template_ref": f"mail.template,{template.id}",
        }
        state_mail = self.env.ref("prs_registration.mail_template_registration_confirmed")
        for role in ("dflt", "ev_user", "ev_mgr", "cfg", "crd"):
            user = self.users[role]
            with self.assertRaises(AccessError, msg=role):
                self.env["event.mail"].with_user(user).create(
                    dict(schedule, event_id=self.program.id)
                )
            with self.assertRaises(AccessError, msg=role):
                state_mail.with_user(user).write({"body_html": "<p>{{ object.answers }}</p>"})
        for role in ("dflt", "ev_user", "ev_mgr", "crd"):
            with self.assertRaises(AccessError, msg=role):
                self.env["event.event.ticket"].with_user(self.users[role]).create(
                    {"event_id": self.program.id, "name": "Seat"}
                )
        self.env["event.mail"].with_user(self.users["adm"]).create(
            dict(schedule, event_id=self.program.id)
        )
        self.env["event.event.ticket"].with_user(self.users["cfg"]).create(
            {"event_id": self.program.id, "name": "Seat"}
        )
        self.env["event.mail"].with_user(self.users["dflt"]).create(
            dict(schedule, event_id=self.plain_event.id)
        )

    def test_coordinator_archives_no_registration(self):
        """Archiving is no way around Confirm's capacity check (breaker D2)."""
        registration = self.registration.with_user(self.users["crd"])
        for vals in ({"active": False}, {"active": True}):
            with self.assertRaises(AccessError, msg=vals):
                registration.write(vals)
        self.assertTrue(self.registration.active)

    def test_followers_of_program_registrations_hidden(self):
        """Followers of a program's registration are found by those who read it only
        (breaker D3)."""
        self.registration.message_subscribe(partner_ids=self.users["crd"].partner_id.ids)
        domain = [("res_model", "=", "event.registration"), ("res_id", "=", self.registration.id)]
        followers = self.env["mail.followers"]
        self.assertTrue(followers.with_user(self.users["crd"]).search(domain))
        for role in NO_PRS_ROLES + ("cfg",):
            self.assertFalse(followers.with_user(self.users[role]).search(domain), role)
        self.assertFalse(followers.with_user(self.other_coordinator).search(domain))

    def test_form_state_through_actions_only(self):
        """A configurator changes a form's state through its actions only (breaker D5)."""
        cfg = self.users["cfg"]
        for form, state in ((self.draft_form, "published"), (self.form, "draft")):
            with self.assertRaises(AccessError, msg=state):
                form.with_user(cfg).write({"state": state})
        with self.assertRaises(AccessError):
            self.env["form.form"].with_user(cfg).create(
                {"name": "Forged", "code": "h7_acc_forged", "state": "published"}
            )
        self.form.with_user(cfg).action_new_version()
        self.assertEqual(self.form.state, "draft")
