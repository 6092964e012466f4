"""Issue 12 in the module that owns registrations: programs' registrations, submissions,
files and messages only through the PRS groups (item 1), registrations changed and
created by hand through the actions only (item 3), private wizards and an export file
not kept after its download (item 4)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged, users

from .common import NO_PRS_ROLES, AccessFixtureMixin, PrsFixtureMixin, PrsRegistrationCase

NO_PRS_LOGINS = tuple(f"prs_acc_{role}" for role in NO_PRS_ROLES)


class AccessFixture(AccessFixtureMixin):
    @classmethod
    def _setup_access(cls):
        cls.no_prs_users = cls._create_no_prs_users("prs_acc")
        cls.registration = cls._make_registration(cls.program, cls.flow, "Asha")
        cls.other_registration = cls._make_registration(cls.other_program, cls.other_flow, "Ravi")
        cls._create_participant_records("prs-acc-sub")


@tagged("post_install", "-at_install", "prs", "prs_registration", "prs_access")
class TestRegistrationAccess(AccessFixture, PrsRegistrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_access()

    def assertUnreachable(self, records, label):
        with self.assertRaises(AccessError, msg=label):
            records.read(["display_name"])
        if records.check_access_rights("read", raise_exception=False):
            self.assertFalse(records.search([("id", "in", records.ids)]), f"{label}: found")

    # ------------------------------------------------------------------ item 1
    @users(*NO_PRS_LOGINS, "prs_reg_cfg", "prs_reg_api")
    def test_program_data_unreachable_without_coordinator_role(self):
        """The default user, each Odoo event group, a configurator and the API user read
        and find no registration, submission, answer file or message of a program."""
        for label, record in (
            ("registration", self.registration),
            ("submission", self.submission),
            ("attachment", self.attachment),
            ("message", self.message),
        ):
            self.assertUnreachable(record.with_env(self.env), f"{self.env.user.login} {label}")
        attachments = self.env["ir.attachment"]
        if attachments.check_access_rights("read", raise_exception=False):
            found = attachments.search([("res_model", "=", "event.registration")])
            self.assertNotIn(self.attachment.id, found.ids)

    @users(*NO_PRS_LOGINS)
    def test_plain_attendees_keep_odoo_behaviour(self):
        """Odoo's event groups still read plain events' attendees."""
        self.assertTrue(self.plain_registration.with_env(self.env).read(["name"]))

    @users("prs_reg_crd")
    def test_coordinator_reaches_own_program_only(self):
        """A coordinator reads his program's registration, file, message and
        submission, and none of another program's."""
        self.assertTrue(self.registration.with_env(self.env).read(["answers"]))
        self.assertTrue(self.attachment.with_env(self.env).read(["name"]))
        self.assertTrue(self.message.with_env(self.env).read(["body"]))
        self.assertTrue(self.submission.with_env(self.env).read(["result"]))
        self.assertUnreachable(self.other_registration.with_env(self.env), "other program")

    # ------------------------------------------------------------------ item 3: writes
    @users("prs_reg_crd", "prs_reg_adm")
    def test_lifecycle_fields_written_by_actions_only(self):
        """Coordinators and PRS administrators cannot write lifecycle, answer or step
        fields of a registration directly, nor move it; the actions still work."""
        # one registration per user: @users runs the users in the same transaction
        fresh = self._make_registration(self.program, self.flow, self.env.user.login)
        registration = fresh.with_env(self.env)
        step = self.flow.step_ids[:1].id
        forged = {
            "prs_state": "confirmed",
            "state": "open",
            "answers": {"personal": {"first_name": "Forged"}},
            "step_versions": {"personal": 99},
            "prs_is_test": True,
            "event_id": self.other_program.id,
            "flow_id": self.other_flow.id,
            "current_step_id": step,
            "next_step_id": step,
            "reopened_step_ids": [(6, 0, [step])],
            "prs_submitted_at": "2020-01-01 00:00:00",
            "prs_changes_message": "Forged",
        }
        for name, value in forged.items():
            with self.assertRaises(AccessError, msg=name):
                registration.write({name: value})
        for method in ("action_confirm", "action_cancel", "action_set_draft"):  # Odoo's
            with self.assertRaises(AccessError, msg=method):
                getattr(registration, method)()
        registration.write({"name": "Corrected"})
        self.assertEqual((fresh.prs_state, fresh.event_id), ("submitted", self.program))
        registration._prs_reject("Not eligible")
        self.assertEqual(fresh.prs_state, "rejected")

    @users("prs_reg_crd")
    def test_registration_never_moves_into_a_program(self):
        """A coordinator cannot move a plain attendee into his program or another."""
        for program in (self.program, self.other_program):
            with self.assertRaises(AccessError):
                self.plain_registration.with_env(self.env).write({"event_id": program.id})
        self.assertEqual(self.plain_registration.event_id, self.plain_event)

    # ------------------------------------------------------------------ item 3: creation
    @users("prs_reg_crd")
    def test_hand_made_registration_refuses_lifecycle_values(self):
        """Creating a registration by hand, a coordinator cannot choose a state other
        than in progress (Odoo's or PRS's), answers, steps, the test flag or a flow of
        another program, neither in the values nor through context defaults."""
        model = self.env["event.registration"]
        base = {"event_id": self.program.id, "flow_id": self.flow.id, "name": "By hand"}
        step = self.flow.step_ids[:1].id
        for extra in (
            {"prs_state": "confirmed"},
            {"prs_state": "submitted"},
            {"prs_state": "waitlisted"},
            {"state": "open"},
            {"state": "done"},
            {"answers": {"personal": {"first_name": "Forged"}}},
            {"step_versions": {"personal": 1}},
            {"prs_is_test": True},
            {"next_step_id": step},
            {"current_step_id": step},
            {"prs_submitted_at": "2020-01-01 00:00:00"},
            {"flow_id": self.other_flow.id},
        ):
            with self.assertRaises(AccessError, msg=extra):
                model.create({**base, **extra})
        for default in ({"default_prs_state": "confirmed"}, {"default_state": "open"}):
            # the hand-made state wins over a state default
            created = model.with_context(**default).create(dict(base))
            self.assertEqual((created.prs_state, created.state), ("in_progress", "draft"))
        for default in (
            {"default_answers": {"personal": {"first_name": "Forged"}}},
            {"default_prs_is_test": True},
            {"default_next_step_id": step},
            {"default_flow_id": self.other_flow.id},
        ):
            with self.assertRaises(AccessError, msg=default):
                model.with_context(**default).create(
                    {"event_id": self.program.id, "name": "By hand"}
                )
        with self.assertRaises(AccessError):
            model.with_context(default_event_id=self.program.id).create(
                {"name": "By hand", "answers": {"personal": {"first_name": "Forged"}}}
            )
        with self.assertRaises(AccessError):
            model.with_context(default_event_id=self.program.id).create(
                {"name": "By hand", "prs_state": "confirmed"}
            )

    @users("prs_reg_crd")
    def test_hand_made_registration_goes_through_capacity(self):
        """A registration created by hand starts in progress (no seat, although Odoo's
        default state is Registered); Mark Submitted and Confirm bring it in, and
        Confirm checks the program's capacity."""
        self.program.sudo().write(
            {"seats_limited": True, "seats_max": 1, "prs_waitlist_allowed": False}
        )
        model = self.env["event.registration"]
        first = model.create({"event_id": self.program.id, "flow_id": self.flow.id, "name": "A"})
        self.assertEqual((first.prs_state, first.state), ("in_progress", "draft"))
        # Odoo's form sends the field defaults: prs_state in progress is accepted
        second = model.create(
            {"event_id": self.program.id, "name": "B", "prs_state": "in_progress"}
        )
        (first | second).action_prs_submit()
        first.action_prs_confirm()
        self.assertEqual(first.prs_state, "confirmed")
        with self.assertRaises(UserError):  # the one seat is taken, no waitlist
            second.action_prs_confirm()
        self.assertEqual(second.prs_state, "submitted")

    @users("prs_reg_crd")
    def test_hand_made_registration_only_in_own_program(self):
        """A coordinator cannot create a registration in another program."""
        with self.assertRaises(AccessError):
            self.env["event.registration"].create(
                {"event_id": self.other_program.id, "name": "Elsewhere"}
            )

    def test_plain_attendee_created_as_odoo_does(self):
        """A plain event's attendee created by an Events Administrator keeps Odoo's
        default state (Registered)."""
        manager = self.no_prs_users["ev_mgr"]
        attendee = (
            self.env["event.registration"]
            .with_user(manager)
            .create({"event_id": self.plain_event.id, "name": "Guest 2"})
        )
        self.assertEqual(attendee.state, "open")

    # ------------------------------------------------------------------ item 4
    def test_wizards_private_to_their_creator(self):
        """Export and request-changes wizards are read by their creator only, not by
        another coordinator of the same program, a configurator or an administrator."""
        colleague = new_test_user(
            self.env, login="prs_acc_crd_same", groups="prs_base.group_prs_coordinator"
        )
        self.program.write({"prs_coordinator_ids": [(4, colleague.id)]})
        export = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"})
        )
        export.action_export()
        request = (
            self.env["event.registration.request.changes"]
            .with_user(self.coordinator)
            .create(
                {
                    "registration_ids": [(6, 0, self.registration.ids)],
                    "step_ids": [(6, 0, self.flow.step_ids[:1].ids)],
                    "message": "Please change",
                }
            )
        )
        for wizard in (export, request):
            self.assertTrue(wizard.read(["create_uid"]))
            for user in (colleague, self.other_coordinator, self.administrator):
                with self.assertRaises(AccessError, msg=f"{wizard._name} {user.login}"):
                    wizard.with_user(user).read(["registration_ids"])
                self.assertFalse(
                    wizard.with_user(user).search([("id", "=", wizard.id)]), user.login
                )
        with self.assertRaises(AccessError):
            export.with_user(colleague)._prs_take_file()

    def test_export_file_not_kept_after_download(self):
        """The built file is handed out once and leaves the database."""
        export = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"})
        )
        action = export.action_export()
        self.assertEqual(action["url"], f"/prs_registration/export/{export.id}")
        filename, content = export._prs_take_file()
        self.assertTrue(filename.endswith(".csv"))
        self.assertIn(b"Asha", content)
        self.env.invalidate_all()
        self.assertFalse(export.sudo().data)
        self.assertEqual(export._prs_take_file(), (None, None))


@tagged("post_install", "-at_install", "prs", "prs_registration", "prs_access")
class TestExportDownload(AccessFixture, PrsFixtureMixin, HttpCase):
    """The export file over HTTP: once, for its creator only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("regdl")
        cls.coordinator = new_test_user(
            cls.env, login="prs_dl_crd", groups="prs_base.group_prs_coordinator"
        )
        cls.colleague = new_test_user(
            cls.env, login="prs_dl_crd2", groups="prs_base.group_prs_coordinator"
        )
        cls.program = cls._create_program("REGDL-1", coordinators=cls.coordinator | cls.colleague)
        cls.flow = cls._create_flow(cls.program)
        cls.registration = cls._make_registration(cls.program, cls.flow, "Asha")

    def test_download_once_by_its_creator(self):
        """The creator downloads the file once (no-store); a second download and a
        colleague's get 404, and the file is gone from the database."""
        export = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, self.registration.ids)], "file_format": "csv"})
        )
        url = export.action_export()["url"]
        self.authenticate("prs_dl_crd2", "prs_dl_crd2")
        self.assertIn(self.url_open(url).status_code, (403, 404))  # same program, not his
        self.authenticate("prs_dl_crd", "prs_dl_crd")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"Asha", response.content)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(self.url_open(url).status_code, 404)
        self.env.invalidate_all()
        self.assertFalse(export.sudo().data)
