from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import PrsFormCommon


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormChecks(PrsFormCommon):
    def test_valid_form_passes(self):
        """The fixture form has no problem."""
        self.assertEqual(self.form._prs_logic_problems(publish=True), {self.form.id: []})

    def test_syntax_error_names_node(self):
        """A syntax error is refused and the message names the field and the attribute."""
        with self.assertRaisesRegex(ValidationError, r"Field employer, condition: .*"):
            self.field("employer").condition = "age >= "

    def test_unknown_code_refused(self):
        """An expression naming a code that is not a field of the form is refused."""
        with self.assertRaisesRegex(ValidationError, "Field employer, condition: .*salary"):
            self.field("employer").condition = "salary > 10"

    def test_unknown_code_in_rule_refused(self):
        """Rules are checked like conditions."""
        with self.assertRaisesRegex(ValidationError, "Rule adult_ok, expression"):
            self.form.rule_ids.expr = "nothing > 1"

    def test_unknown_code_in_page_condition_refused(self):
        """Page conditions are checked."""
        with self.assertRaisesRegex(ValidationError, "Page adult, condition"):
            self.form.page_ids[1].condition = "ghost == 1"

    def test_required_if_unknown_code_refused(self):
        """required_if is checked."""
        with self.assertRaisesRegex(ValidationError, "Field employer, required if"):
            self.field("employer").required_if = "ghost == 1"

    def test_self_reference_refused(self):
        """A field whose condition reads itself is refused."""
        with self.assertRaisesRegex(ValidationError, "Field age: its condition refers to itself"):
            self.field("age").condition = "age > 1"

    def test_required_if_self_reference_refused(self):
        """A field required depending on its own value is refused."""
        with self.assertRaisesRegex(ValidationError, "Field age: its required if refers to itself"):
            self.field("age").required_if = "age > 1"

    def test_cycle_refused(self):
        """Two fields whose conditions read each other form a cycle."""
        self.field("full_name").condition = "age > 1"
        with self.assertRaisesRegex(ValidationError, "form a cycle: .*field age.*field full_name"):
            self.field("age").condition = "full_name != ''"

    def test_section_condition_on_own_field_is_cycle(self):
        """A section shown depending on a field inside it is a cycle."""
        with self.assertRaisesRegex(ValidationError, "form a cycle"):
            self.field("employer").section_id.condition = "employer != ''"

    def test_literally_false_condition_refused(self):
        """A condition that is always false makes the field impossible to show."""
        with self.assertRaisesRegex(ValidationError, "Field employer can never be shown"):
            self.field("employer").condition = "false"

    def test_page_never_shown_refused(self):
        """A page whose condition is constant and false is refused."""
        with self.assertRaisesRegex(ValidationError, "Page adult can never be shown"):
            self.form.page_ids[1].condition = "1 > 2"

    def test_depends_only_on_never_shown_field_refused(self):
        """A field reading only a never-shown field can never be shown either."""
        section = self.field("employer").section_id
        with self.assertRaisesRegex(ValidationError, "Field employer can never be shown"):
            section.write(
                {
                    "field_ids": [
                        Command.create({"label": "Ghost", "condition": "0"}),
                        Command.update(self.field("employer").id, {"condition": "ghost == 'x'"}),
                    ]
                }
            )

    def test_unknown_choice_refused(self):
        """A condition comparing a choice field with a value it does not offer is refused."""
        with self.assertRaisesRegex(ValidationError, "'chess' is not a choice of field interests"):
            self.field("employer").condition = "'chess' in interests"

    def test_unknown_master_value_refused(self):
        """A condition comparing a master-backed field with a missing value is refused."""
        with self.assertRaisesRegex(ValidationError, "'XX' is not a choice of field country"):
            self.field("employer").condition = "country == 'XX'"

    def test_removing_referenced_choice_refused(self):
        """Deleting a choice a condition compares with is refused."""
        self.field("employer").condition = "'music' in interests"
        with self.assertRaisesRegex(ValidationError, "'music' is not a choice"):
            self.field("interests").choice_ids.filtered(lambda c: c.value == "music").unlink()

    def test_deleting_referenced_field_refused(self):
        """Deleting a field another condition reads is refused."""
        with self.assertRaisesRegex(ValidationError, "Page adult, condition: .*age"):
            self.field("age").unlink()

    def test_renaming_referenced_code_refused(self):
        """Renaming a code an expression reads is refused."""
        with self.assertRaisesRegex(ValidationError, "country"):
            self.field("country").code = "nation"

    def test_forward_reference_in_one_save(self):
        """A nested save may reference a field created later in the same save."""
        form = self.env["form.form"].create(
            {
                "name": "Forward",
                "code": "fwd",
                "page_ids": [
                    Command.create(
                        {
                            "title": "One",
                            "condition": "later == 'x'",
                            "section_ids": [
                                Command.create(
                                    {
                                        "title": "A",
                                        "field_ids": [
                                            Command.create(
                                                {"label": "First", "condition": "later != ''"}
                                            )
                                        ],
                                    }
                                )
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "title": "Two",
                            "section_ids": [
                                Command.create(
                                    {
                                        "title": "B",
                                        "field_ids": [Command.create({"label": "Later"})],
                                    }
                                )
                            ],
                        }
                    ),
                ],
            }
        )
        self.assertEqual(len(form.field_ids), 2)

    def test_rule_never_passing_refused(self):
        """A rule that is constant and false can never pass."""
        with self.assertRaisesRegex(ValidationError, "Rule adult_ok can never pass"):
            self.form.rule_ids.expr = "1 == 2"

    def test_publish_refuses_choice_field_without_choices(self):
        """Publishing needs choices (or a master) on every choice field."""
        self.env["form.field"].create(
            {"section_id": self.field("age").section_id.id, "label": "Pick", "field_type": "select"}
        )
        with self.assertRaisesRegex(ValidationError, "Field pick: a choice field needs choices"):
            self.form.action_publish()

    def test_publish_refuses_empty_form(self):
        """An empty form cannot be published."""
        form = self.env["form.form"].create({"name": "Empty", "code": "empty"})
        with self.assertRaisesRegex(ValidationError, "has no fields"):
            form.action_publish()
