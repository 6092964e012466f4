from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import PrsEventFlowCase


@tagged("post_install", "-at_install", "prs")
class TestProgramTemplate(PrsEventFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["event.type"].create(
            {
                "name": "Residential Retreat",
                "prs_flow_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "standard",
                            "name": "Standard",
                            "step_ids": [
                                (0, 0, cls._step("personal", 10, form=cls.form_personal)),
                                (
                                    0,
                                    0,
                                    cls._step(
                                        "health",
                                        20,
                                        form=cls.form_health,
                                        condition="personal.age >= 60",
                                    ),
                                ),
                                (0, 0, cls._step("done", 30, step_type="confirmation")),
                            ],
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "code": "quick",
                            "name": "Quick",
                            "kind": "quick",
                            "step_ids": [(0, 0, cls._step("personal", 10, form=cls.form_personal))],
                        },
                    ),
                ],
            }
        )

    def _from_template(self, code):
        return self._create_program(code, event_type_id=self.template.id)

    def test_program_copies_template_flows(self):
        """A program created from a template gets copies of its flows and steps."""
        program = self._from_template("TPL-1")
        self.assertEqual(program.flow_ids.mapped("code"), ["standard", "quick"])
        standard = program.flow_ids.filtered(lambda f: f.code == "standard")
        self.assertEqual(standard.step_ids.mapped("code"), ["personal", "health", "done"])
        self.assertEqual(standard.step_ids[1].condition, "personal.age >= 60")
        self.assertEqual(set(program.flow_ids.mapped("state")), {"draft"})

    def test_program_records_template_and_version(self):
        """The program records its template and the template's version."""
        version = self.template.prs_template_version
        program = self._from_template("TPL-2")
        self.assertEqual(program.prs_template_id, self.template)
        self.assertEqual(program.prs_template_version, version)

    def test_link_mode_shares_forms(self):
        """In link mode the program's steps use the template's forms."""
        program = self._from_template("TPL-3")
        self.assertEqual(program.flow_ids.step_ids.form_id, self.form_personal | self.form_health)

    def test_copy_mode_copies_forms(self):
        """In copy mode each form is copied once for the program, with its fields."""
        self.template.prs_form_mode = "copy"
        program = self._from_template("TPL-4")
        forms = program.flow_ids.step_ids.form_id
        self.assertEqual(len(forms), 2)
        self.assertFalse(forms & (self.form_personal | self.form_health))
        personal = program.flow_ids.step_ids.filtered(lambda s: s.code == "personal").form_id
        self.assertEqual(len(personal), 1, "one copy shared by both flows")
        self.assertEqual(
            set(personal.page_ids.section_ids.field_ids.mapped("code")), {"first_name", "age"}
        )

    def test_template_edit_bumps_version(self):
        """Editing a template's flows or steps bumps its version once per save."""
        version = self.template.prs_template_version
        self.template.prs_flow_ids[0].step_ids[0].name = "About you"
        self.assertEqual(self.template.prs_template_version, version + 1)
        self.template.write(
            {"prs_flow_ids": [(1, self.template.prs_flow_ids[0].id, {"name": "Main"})]}
        )
        self.assertEqual(self.template.prs_template_version, version + 2)

    def test_template_edit_leaves_programs_alone(self):
        """Later template edits do not change programs created from it."""
        program = self._from_template("TPL-5")
        version = program.prs_template_version
        template_flow = self.template.prs_flow_ids.filtered(lambda f: f.code == "standard")
        template_flow.step_ids.filtered(lambda s: s.code == "health").condition = "true"
        template_flow.write({"step_ids": [(0, 0, self._step("terms", 25, form=self.form_terms))]})
        standard = program.flow_ids.filtered(lambda f: f.code == "standard")
        self.assertEqual(standard.step_ids.mapped("code"), ["personal", "health", "done"])
        self.assertEqual(standard.step_ids[1].condition, "personal.age >= 60")
        self.assertEqual(program.prs_template_version, version)
        self.assertGreater(self.template.prs_template_version, version)

    def test_template_set_later(self):
        """Choosing a template on a program without flows copies the template's flows."""
        program = self._create_program("TPL-6")
        self.assertFalse(program.flow_ids)
        program.event_type_id = self.template
        self.assertEqual(len(program.flow_ids), 2)
        self.assertEqual(program.prs_template_id, self.template)

    def test_apply_template_button_refuses_existing_flows(self):
        """Copying template flows into a program that already has flows is refused."""
        program = self._from_template("TPL-8")
        with self.assertRaises(ValidationError):
            program.action_prs_apply_template()
        self.assertEqual(len(program.flow_ids), 2)

    def test_apply_template_button(self):
        """The button copies the template's flows again once a program's flows are gone."""
        program = self._from_template("TPL-9")
        program.flow_ids.unlink()
        program.action_prs_apply_template()
        self.assertEqual(program.flow_ids.mapped("code"), ["standard", "quick"])

    def test_template_flows_publishable(self):
        """The copied flow publishes like a hand-made one (forms are linked)."""
        program = self._from_template("TPL-7")
        program.flow_ids.action_publish()
        self.assertEqual(set(program.flow_ids.mapped("state")), {"published"})

    def test_program_form_from_template(self):
        """Creating a program in the program form with a template copies its flows."""
        with Form(
            self.env["event.event"].with_user(self.configurator).with_context(prs_program=True)
        ) as program_form:
            program_form.name = "From the form"
            program_form.prs_code = "TPL-FORM"
            program_form.date_begin = "2030-04-01 08:00:00"
            program_form.date_end = "2030-04-05 18:00:00"
            program_form.event_type_id = self.template
        program = program_form.record
        self.assertEqual(program.flow_ids.mapped("code"), ["standard", "quick"])
        self.assertEqual(program.prs_template_id, self.template)
