from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import PrsFormCommon


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormCodes(PrsFormCommon):
    def test_codes_generated_from_labels(self):
        """Pages, sections, fields and choices get codes slugged from their labels."""
        self.assertEqual(
            sorted(self.fields_by_code), ["age", "country", "employer", "full_name", "interests"]
        )
        self.assertEqual(self.form.page_ids.mapped("code"), ["personal", "adult"])
        self.assertEqual(self.form.section_ids.mapped("code"), ["identity", "work"])
        self.assertEqual(self.field("interests").choice_ids.mapped("value"), ["music", "sport"])

    def test_generated_code_is_unique_within_form(self):
        """A second field with the same label gets a suffixed code."""
        section = self.field("age").section_id
        fields = self.env["form.field"].create(
            [{"section_id": section.id, "label": "Age"}, {"section_id": section.id, "label": "Age"}]
        )
        self.assertEqual(fields.mapped("code"), ["age_2", "age_3"])

    def test_generated_code_is_expression_safe(self):
        """Accents, digits first and reserved words give codes expressions can name."""
        section = self.field("age").section_id
        fields = self.env["form.field"].create(
            [
                {"section_id": section.id, "label": "Café Préféré!"},
                {"section_id": section.id, "label": "2nd address"},
                {"section_id": section.id, "label": "Today"},
            ]
        )
        self.assertEqual(
            fields.mapped("code"), ["cafe_prefere", "field_2nd_address", "today_field"]
        )

    def test_duplicate_code_refused(self):
        """Two fields of one form cannot share a code."""
        with self.assertRaisesRegex(ValidationError, "'age' is used more than once"):
            self.field("full_name").code = "age"

    def test_same_code_allowed_in_another_form(self):
        """Codes are unique per form only."""
        other = self.form.copy({"code": "other"})
        self.assertEqual(
            sorted(other.field_ids.mapped("code")), sorted(self.form.field_ids.mapped("code"))
        )

    def test_invalid_code_refused(self):
        """A code with spaces, capitals or a reserved word is refused."""
        for code in ("Full Name", "1abc", "true", "a-b"):
            with self.assertRaises(ValidationError):
                self.field("full_name").code = code

    def test_code_editable_while_draft(self):
        """Renaming a code in a draft works when no expression uses the old one."""
        self.field("full_name").code = "name"
        self.assertEqual(self.field("full_name").code, "name")

    def test_archived_field_leaves_tree(self):
        """An archived field is left out of the serialized tree."""
        self.field("interests").active = False
        codes = [
            f["code"] for f in self.form._prs_build_tree()["pages"][0]["sections"][0]["fields"]
        ]
        self.assertNotIn("interests", codes)

    def test_duplicate_choice_value_refused(self):
        """Two choices of a field cannot share a value."""
        with self.assertRaisesRegex(ValidationError, "'music' is used twice"):
            self.field("interests").write(
                {"choice_ids": [Command.create({"label": "Music again", "value": "music"})]}
            )

    def test_translated_label(self):
        """Labels are translatable: the tree uses the language of the context."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.field("age").with_context(lang="fr_FR").label = "Âge"
        tree = self.form.with_context(lang="fr_FR")._prs_build_tree()
        fields = tree["pages"][0]["sections"][0]["fields"]
        self.assertEqual(fields[1]["label"], "Âge")
        self.assertEqual(self.field("age").with_context(lang="en_US").label, "Age")


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFieldSettings(PrsFormCommon):
    def test_country_field_defaults_to_country_master(self):
        """A country field takes its choices from the Countries master by default."""
        self.assertEqual(self.field("country").master_id, self.country_master)

    def test_maps_to_once_per_form(self):
        """Two fields of a form cannot feed the same static column."""
        with self.assertRaisesRegex(ValidationError, "both map to the name column"):
            self.field("employer").maps_to = "name"

    def test_min_length_above_max_refused(self):
        """min_length > max_length is refused."""
        with self.assertRaisesRegex(ValidationError, "minimum length"):
            self.field("full_name").write({"min_length": 10, "max_length": 5})

    def test_non_numeric_bounds_refused(self):
        """A min value that is not a number is refused."""
        with self.assertRaisesRegex(ValidationError, "must be numbers"):
            self.field("age").min_value = "ten"

    def test_min_value_above_max_refused(self):
        """min_value > max_value is refused."""
        with self.assertRaisesRegex(ValidationError, "minimum value"):
            self.field("age").write({"min_value": "50", "max_value": "10"})

    def test_date_bounds(self):
        """Date bounds accept ISO dates and today tokens, nothing else."""
        field = self.field("age")
        field.write({"field_type": "date", "min_value": False, "max_value": False})
        field.write({"min_date": "today-18y", "max_date": "2030-01-31"})
        self.assertEqual(field.min_date, "today-18y")
        for bad in ("tomorrow", "today+3x", "31/01/2030"):
            with self.assertRaisesRegex(ValidationError, "date bound"):
                field.min_date = bad

    def test_invalid_pattern_refused(self):
        """A pattern that does not compile is refused, saying why."""
        with self.assertRaisesRegex(
            ValidationError, "the pattern cannot be used: a character class"
        ):
            self.field("full_name").pattern = "([a-z"

    def test_default_must_fit_type(self):
        """An integer field refuses a default that is not a number."""
        with self.assertRaisesRegex(ValidationError, "does not fit"):
            self.field("age").default_value = "abc"

    def test_file_types_format(self):
        """File types are extensions or MIME types."""
        field = self.field("full_name")
        field.write({"field_type": "file", "min_length": 0, "max_length": 0, "transform": False})
        field.file_types = "pdf, .png, image/jpeg"
        with self.assertRaisesRegex(ValidationError, "neither an extension"):
            field.file_types = "*.exe!"
