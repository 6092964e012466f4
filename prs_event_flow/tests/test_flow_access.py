from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs", "prs_access")
class TestFlowAccess(PrsEventFlowCase):
    def test_configurator_creates_flow(self):
        """A configurator creates a flow with a step on a program."""
        flow = (
            self.env["event.flow"]
            .with_user(self.configurator)
            .create(
                {
                    "event_id": self.program.id,
                    "code": "cfg",
                    "name": "Configured",
                    "step_ids": [
                        (0, 0, {"code": "confirm", "name": "Done", "step_type": "confirmation"})
                    ],
                }
            )
        )
        self.assertEqual(flow.step_ids.code, "confirm")

    def test_configurator_edits_any_program(self):
        """A configurator edits programs they do not coordinate."""
        self.other_program.with_user(self.configurator).prs_fee = 10
        self.assertEqual(self.other_program.prs_fee, 10)

    def test_configurator_creates_program(self):
        """A configurator creates a program."""
        program = (
            self.env["event.event"]
            .with_user(self.configurator)
            .create(
                {
                    "name": "New",
                    "prs_code": "EF-NEW",
                    "date_begin": "2030-04-01 08:00:00",
                    "date_end": "2030-04-02 08:00:00",
                }
            )
        )
        self.assertTrue(program.prs_is_program)

    def test_coordinator_cannot_create_flow(self):
        """A coordinator reads flows but may not create them."""
        with self.assertRaises(AccessError):
            self.env["event.flow"].with_user(self.coordinator).create(
                {"event_id": self.program.id, "code": "x", "name": "X"}
            )

    def test_coordinator_reads_own_program(self):
        """A coordinator reads their program, its flows and its steps."""
        program = self.program.with_user(self.coordinator)
        self.assertEqual(program.prs_code, "EF-1")
        self.assertEqual(program.flow_ids.step_ids.mapped("code")[0], "personal")

    def test_coordinator_sees_only_own_programs(self):
        """A search by a coordinator returns only the programs they coordinate."""
        programs = (
            self.env["event.event"]
            .with_user(self.coordinator)
            .search([("prs_is_program", "=", True)])
        )
        self.assertIn(self.program, programs)
        self.assertNotIn(self.other_program, programs)
        flows = self.env["event.flow"].with_user(self.coordinator).search([])
        self.assertIn(self.flow, flows)
        self.assertNotIn(self.other_flow, flows)

    def test_coordinator_cannot_read_other_program(self):
        """A coordinator cannot read a program they do not coordinate, nor its flows."""
        with self.assertRaises(AccessError):
            self.other_program.with_user(self.coordinator).read(["prs_code"])
        with self.assertRaises(AccessError):
            self.other_flow.with_user(self.coordinator).read(["code"])
        with self.assertRaises(AccessError):
            self.other_flow.step_ids.with_user(self.coordinator).read(["code"])

    def test_coordinator_cannot_edit_own_program(self):
        """A coordinator reads their program but cannot change it."""
        with self.assertRaises(AccessError):
            self.program.with_user(self.coordinator).write({"prs_fee": 1})

    def test_coordinator_cannot_create_program(self):
        """A coordinator cannot create a program."""
        with self.assertRaises(AccessError):
            self.env["event.event"].with_user(self.coordinator).create(
                {
                    "name": "Mine",
                    "prs_code": "EF-MINE",
                    "date_begin": "2030-04-01 08:00:00",
                    "date_end": "2030-04-02 08:00:00",
                }
            )

    def test_coordinator_cannot_change_steps(self):
        """A coordinator reads the steps of their program but cannot change or add one."""
        step = self.flow.step_ids[:1].with_user(self.coordinator)
        self.assertTrue(step.code)
        with self.assertRaises(AccessError):
            step.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["event.flow.step"].with_user(self.coordinator).create(
                {"flow_id": self.flow.id, "code": "extra", "name": "Extra", "step_type": "review"}
            )

    def test_user_without_prs_group_reads_no_flow(self):
        """An internal user without a PRS group cannot read flows or steps."""
        user = new_test_user(self.env, login="prs_ef_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.flow.with_user(user).read(["code"])
        with self.assertRaises(AccessError):
            self.flow.step_ids.with_user(user).read(["code"])

    def test_coordinator_cannot_publish(self):
        """A coordinator cannot publish a flow of their program."""
        with self.assertRaises(AccessError):
            self.flow.with_user(self.coordinator).action_publish()

    def test_administrator_sees_all_programs(self):
        """An administrator (also a coordinator) sees every program and flow."""
        programs = (
            self.env["event.event"]
            .with_user(self.administrator)
            .search([("prs_is_program", "=", True)])
        )
        self.assertIn(self.program, programs)
        self.assertIn(self.other_program, programs)
        flows = self.env["event.flow"].with_user(self.administrator).search([])
        self.assertIn(self.other_flow, flows)

    def test_template_flows_configurator_only(self):
        """Coordinators read program templates' flows but cannot change them."""
        template = self.env["event.type"].create(
            {"name": "T", "prs_flow_ids": [(0, 0, {"code": "s", "name": "S"})]}
        )
        flow = template.prs_flow_ids.with_user(self.coordinator)
        self.assertEqual(flow.code, "s")
        with self.assertRaises(AccessError):
            flow.name = "Changed"
        template.prs_flow_ids.with_user(self.configurator).name = "Changed"
        self.assertEqual(template.prs_flow_ids.name, "Changed")

    def test_views_load_for_each_group(self):
        """The program, flow and template views load for configurators and coordinators."""
        for user in (self.configurator, self.coordinator):
            for model in ("event.event", "event.flow", "event.flow.step"):
                views = (
                    self.env[model].with_user(user).get_views([(False, "form"), (False, "list")])
                )
                self.assertIn("form", views["views"])
        program_form = (
            self.env["event.event"]
            .with_user(self.coordinator)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("prs_flows", program_form)

    def test_flows_follow_program_company(self):
        """A flow of another company's program is hidden from this company's users."""
        company = self.env["res.company"].create({"name": "PRS Other Co"})
        self.other_program.company_id = company
        flows = self.env["event.flow"].with_user(self.configurator).search([])
        self.assertNotIn(self.other_flow, flows)
        self.assertIn(self.flow, flows)
        steps = self.env["event.flow.step"].with_user(self.configurator).search([])
        self.assertFalse(steps & self.other_flow.step_ids)
        self.configurator.company_ids |= company
        flows = (
            self.env["event.flow"]
            .with_user(self.configurator)
            .with_context(allowed_company_ids=[self.env.company.id, company.id])
            .search([])
        )
        self.assertIn(self.other_flow, flows)
