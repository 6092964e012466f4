from odoo.tests import tagged

from .common import PrsFormCommon


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFieldLibrary(PrsFormCommon):
    def test_library_seeded(self):
        """The field library ships Email, Mobile, Date of birth, National ID, Full name, Country."""
        names = set(self.env["form.field.template"].search([]).mapped("name"))
        self.assertTrue(
            {"Email", "Mobile", "Date of birth", "National ID", "Full name", "Country"} <= names
        )
        national_id = self.env.ref("prs_form_builder.field_template_national_id")
        self.assertTrue(national_id.sensitive)

    def test_add_field_from_template_copies_settings(self):
        """Adding from the library copies every setting and the choices."""
        section = self.form.section_ids[0]
        email = self.env.ref("prs_form_builder.field_template_email")
        gender = self.env.ref("prs_form_builder.field_template_gender")
        dob = self.env.ref("prs_form_builder.field_template_date_of_birth")
        wizard = self.env["form.field.template.add.wizard"].create(
            {"section_id": section.id, "template_ids": [(6, 0, (email | gender | dob).ids)]}
        )
        wizard.action_add()
        fields = {f.code: f for f in section.field_ids}
        self.assertEqual(fields["email"].field_type, "email")
        self.assertEqual(fields["email"].transform, "lower")
        self.assertEqual(fields["email"].maps_to, "email")
        self.assertTrue(fields["email"].required)
        self.assertEqual(fields["email"].template_id, email)
        self.assertEqual(fields["date_of_birth"].min_date, "today-120y")
        self.assertEqual(
            fields["gender"].choice_ids.mapped("value"), ["female", "male", "other", "undisclosed"]
        )

    def test_add_same_template_twice_gets_new_code(self):
        """A template added twice gives two codes; only the first feeds its column."""
        section = self.form.section_ids[0]
        email = self.env.ref("prs_form_builder.field_template_email")
        for _round in range(2):
            self.env["form.field.template.add.wizard"].create(
                {"section_id": section.id, "template_ids": [(6, 0, email.ids)]}
            ).action_add()
        added = section.field_ids.filtered(lambda f: f.template_id).sorted("code")
        self.assertEqual(added.mapped("code"), ["email", "email_2"])
        self.assertEqual(added.mapped("maps_to"), ["email", False])


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormTemplates(PrsFormCommon):
    def test_new_form_from_template_copies_tree(self):
        """New Form from Template copies pages, sections, fields, choices and rules."""
        self.form.is_template = True
        wizard = self.env["form.form.from.template.wizard"].create(
            {"template_id": self.form.id, "name": "Retreat form", "code": "retreat"}
        )
        action = wizard.action_create()
        new = self.env["form.form"].browse(action["res_id"])
        self.assertEqual(new.template_id, self.form)
        self.assertFalse(new.is_template)
        self.assertEqual(new.state, "draft")
        old_tree, new_tree = self.form._prs_build_tree(), new._prs_build_tree()
        self.assertEqual(new_tree["pages"], old_tree["pages"])
        self.assertEqual(new_tree["rules"], old_tree["rules"])
        self.assertNotEqual(new.field_ids, self.form.field_ids)

    def test_copy_gets_free_code(self):
        """Duplicating a form gives it a free code."""
        copy = self.form.copy()
        self.assertEqual(copy.code, "reg_copy")
        self.assertEqual(len(copy.field_ids), len(self.form.field_ids))


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestMasters(PrsFormCommon):
    def test_masters_seeded_from_odoo(self):
        """Countries, states, languages and currencies are seeded from Odoo's data."""
        for xmlid, model in (
            ("prs_master_country", "res.country"),
            ("prs_master_state", "res.country.state"),
        ):
            master = self.env.ref(f"prs_form_builder.{xmlid}")
            self.assertEqual(master.item_count, self.env[model].search_count([]))
        india = self.country_master.item_ids.filtered(lambda i: i.value == "IN")
        self.assertEqual(india.label, self.env.ref("base.in").name)
        language = self.env.ref("prs_form_builder.prs_master_language")
        self.assertIn("en_US", language.item_ids.mapped("value"))
        currency = self.env.ref("prs_form_builder.prs_master_currency")
        self.assertIn("EUR", currency.item_ids.mapped("value"))
        state = self.env.ref("prs_form_builder.prs_master_state").item_ids[:1]
        self.assertTrue(state.parent_value)

    def test_refresh_adds_updates_and_archives(self):
        """Refresh from Odoo adds new countries, renames changed ones, archives gone items."""
        self.env["res.country"].create({"name": "Atlantis", "code": "QZ"})
        self.env.ref("base.fr").name = "République française"
        stale = self.env["prs.master.item"].create(
            {"master_id": self.country_master.id, "value": "ZZ", "label": "Gone"}
        )
        self.country_master.action_refresh_from_odoo()
        values = {item.value: item for item in self.country_master.item_ids}
        self.assertEqual(values["QZ"].label, "Atlantis")
        self.assertEqual(values["FR"].label, "République française")
        self.assertFalse(stale.active)

    def test_manual_master(self):
        """A hand-made master feeds a field's choices and the allowed values (its Redis
        list is tested in prs_cache_sync)."""
        master = self.env["prs.master"].create(
            {
                "name": "Diets",
                "code": "diet",
                "kind": "business",
                "item_ids": [
                    (0, 0, {"sequence": 1, "value": "veg", "label": "Vegetarian"}),
                    (0, 0, {"sequence": 2, "value": "vegan", "label": "Vegan"}),
                    (0, 0, {"sequence": 3, "value": "old", "label": "Old", "active": False}),
                ],
            }
        )
        field = self.env["form.field"].create(
            {
                "section_id": self.form.section_ids[0].id,
                "label": "Diet",
                "field_type": "master",
                "master_id": master.id,
            }
        )
        node = [
            f
            for p in self.form._prs_build_tree()["pages"]
            for s in p["sections"]
            for f in s["fields"]
            if f["code"] == field.code
        ][0]
        self.assertEqual(node["master"], "diet")
        self.assertEqual(
            self.env["prs.master"]._prs_allowed_values(["diet"]), {"diet": {"veg", "vegan"}}
        )
