from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged, users

from odoo.addons.prs_form_builder.tools import form_tree


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormDesigner(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.configurator = new_test_user(
            cls.env, login="prs_designer_conf", groups="prs_base.group_prs_configurator"
        )
        cls.coordinator = new_test_user(
            cls.env, login="prs_designer_coord", groups="prs_base.group_prs_coordinator"
        )

    def _form(self):
        form = (
            self.env["form.form"]
            .with_user(self.configurator)
            .create({"name": "Designed", "code": "designed"})
        )
        edit = form.prs_designer_edit
        page = edit({"op": "create", "model": "form.page", "values": {"form_id": form.id}})
        section = edit(
            {"op": "create", "model": "form.section", "values": {"page_id": page["node"]["id"]}}
        )
        section_id = section["node"]["id"]
        for field_type in ("integer", "select", "text"):
            edit(
                {
                    "op": "create",
                    "model": "form.field",
                    "values": {"section_id": section_id, "field_type": field_type},
                }
            )
        return form, section_id

    def _relabel(self, form, field):
        """One designer edit: ``form``'s designer writes ``field``'s label."""
        return form.prs_designer_edit(
            {"op": "write", "model": "form.field", "id": field.id, "values": {"label": "x"}}
        )

    def _codes(self, data):
        return [
            [[f["code"] for f in section["fields"]] for section in page["sections"]]
            for page in data["pages"]
        ]

    def test_data_outline(self):
        """The designer's data is the whole outline with the palette; choice fields start
        with two choices."""
        form, _section = self._form()
        data = form.prs_designer_data()
        self.assertEqual(self._codes(data), [[["integer", "select", "text"]]])
        select = data["pages"][0]["sections"][0]["fields"][1]
        self.assertEqual([c["label"] for c in select["choices"]], ["Option 1", "Option 2"])
        self.assertIn("select", dict(data["palette"]["types"]))
        self.assertFalse(data["form"]["readonly"])

    def test_move_and_undo(self):
        """A move renumbers the siblings; its undo puts the node back."""
        form, section_id = self._form()
        text = form.field_ids.filtered(lambda f: f.code == "text")
        result = form.prs_designer_edit(
            {
                "op": "move",
                "model": "form.field",
                "id": text.id,
                "parent_id": section_id,
                "index": 0,
            }
        )
        self.assertEqual(self._codes(result["data"]), [[["text", "integer", "select"]]])
        result = form.prs_designer_edit(result["undo"])
        self.assertEqual(self._codes(result["data"]), [[["integer", "select", "text"]]])

    def test_delete_and_undo(self):
        """Undoing a delete recreates the field with its choices at its place."""
        form, _section = self._form()
        select = form.field_ids.filtered(lambda f: f.code == "select")
        result = form.prs_designer_edit({"op": "delete", "model": "form.field", "id": select.id})
        self.assertEqual(self._codes(result["data"]), [[["integer", "text"]]])
        result = form.prs_designer_edit(result["undo"])
        self.assertEqual(self._codes(result["data"]), [[["integer", "select", "text"]]])
        field = result["data"]["pages"][0]["sections"][0]["fields"][1]
        self.assertEqual(len(field["choices"]), 2)

    def test_write_is_checked(self):
        """A condition naming an unknown code is refused by the logic check; the lint
        reports it per node without writing."""
        form, _section = self._form()
        text = form.field_ids.filtered(lambda f: f.code == "text")
        problems = form.prs_designer_lint("field", "text", "condition", "nope > 1")
        self.assertEqual(problems["text"][0]["problem"], "expression")
        self.assertFalse(text.condition)
        with self.assertRaises(ValidationError):
            form.prs_designer_edit(
                {
                    "op": "write",
                    "model": "form.field",
                    "id": text.id,
                    "values": {"condition": "nope > 1"},
                }
            )
        result = form.prs_designer_edit(
            {
                "op": "write",
                "model": "form.field",
                "id": text.id,
                "values": {"condition": "integer >= 18"},
            }
        )
        self.assertEqual(text.condition, "integer >= 18")
        self.assertEqual(result["undo"]["values"], {"condition": False})

    def test_delete_page_and_undo(self):
        """Undoing a page's delete recreates it with its sections and fields."""
        form, _section = self._form()
        result = form.prs_designer_edit(
            {"op": "delete", "model": "form.page", "id": form.page_ids.id}
        )
        self.assertEqual(result["data"]["pages"], [])
        result = form.prs_designer_edit(result["undo"])
        self.assertEqual(self._codes(result["data"]), [[["integer", "select", "text"]]])

    def test_other_form_refused(self):
        """A node of another form, or a field the designer does not edit, is refused."""
        form, _section = self._form()
        other = self.env["form.form"].create({"name": "Other", "code": "other_form"})
        with self.assertRaises(UserError):
            self._relabel(other, form.field_ids[0])
        with self.assertRaises(UserError):
            form.prs_designer_edit(
                {
                    "op": "write",
                    "model": "form.field",
                    "id": form.field_ids[0].id,
                    "values": {"form_id": other.id},
                }
            )

    def test_choices_stay_with_their_field(self):
        """Inline choices are edited one by one; a choice of another field can neither
        be linked nor updated through a field's choices."""
        form, _section = self._form()
        select = form.field_ids.filtered(lambda f: f.code == "select")
        text = form.field_ids.filtered(lambda f: f.code == "text")
        choice = select.choice_ids[0]
        for commands in (
            [(4, choice.id, 0)],
            [(6, 0, [choice.id])],
            [(1, choice.id, {"label": "y"})],
        ):
            with self.assertRaises(UserError):
                form.prs_designer_edit(
                    {
                        "op": "write",
                        "model": "form.field",
                        "id": text.id,
                        "values": {"choice_ids": commands},
                    }
                )
        self.assertEqual(choice.field_id, select)
        result = form.prs_designer_edit(
            {
                "op": "write",
                "model": "form.field",
                "id": select.id,
                "values": {
                    "choice_ids": [(1, choice.id, {"label": "Yes"}), (0, 0, {"label": "Maybe"})]
                },
            }
        )
        field = result["data"]["pages"][0]["sections"][0]["fields"][1]
        self.assertEqual([c["label"] for c in field["choices"]], ["Yes", "Option 2", "Maybe"])

    @users("prs_designer_coord")
    def test_coordinator_reads_only(self):
        """A coordinator opens the designer read-only and cannot edit through it."""
        form, _section = self._form()
        form = form.with_user(self.env.user)
        self.assertTrue(form.prs_designer_data()["form"]["readonly"])
        with self.assertRaises(AccessError):
            self._relabel(form, form.field_ids[0])

    def test_published_is_read_only_until_new_version(self):
        """A published form is read-only in the designer; New Version reopens it."""
        form, _section = self._form()
        form.action_publish()
        self.assertTrue(form.prs_designer_data()["form"]["readonly"])
        with self.assertRaises(UserError):
            self._relabel(form, form.field_ids[0])
        result = form.prs_designer_edit({"op": "new_version"})
        self.assertFalse(result["data"]["form"]["readonly"])

    def test_templates(self):
        """A section saved to the library gives one entry per field; an entry dropped into
        a section adds the field; a form starts from a form template."""
        form, section_id = self._form()
        library = self.env["form.field.template"]
        before = library.search_count([])
        form.prs_designer_edit({"op": "save_template", "model": "form.section", "id": section_id})
        self.assertEqual(library.search_count([]), before + 3)
        entry = library.search([("name", "like", ": Select")], limit=1)
        result = form.prs_designer_edit(
            {"op": "add_template", "template_id": entry.id, "section_id": section_id, "index": 0}
        )
        added = result["data"]["pages"][0]["sections"][0]["fields"][0]
        self.assertEqual((added["field_type"], len(added["choices"])), ("select", 2))
        form.is_template = True
        new_id = self.env["form.form"].prs_designer_from_template(form.id, "From Designer")
        tree = self.env["form.form"].browse(new_id)._prs_build_tree()
        self.assertEqual(len(list(form_tree.iter_fields(tree))), 4)

    def test_data_query_budget(self):
        """Opening the designer reads the outline in a fixed number of queries."""
        form, _section = self._form()
        form.invalidate_recordset()
        self.env.invalidate_all()
        with self.assertQueryCount(40):
            form.prs_designer_data()


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormDesignerTour(HttpCase):
    def test_configurator_designs_a_form(self):
        """In Chromium a configurator builds, rearranges, previews and publishes a
        three-page form in the designer, without a dialog; one edit is one RPC."""
        new_test_user(
            self.env,
            login="prs_designer_tour",
            password="prs_designer_tour",
            groups="prs_base.group_prs_configurator",
        )
        action = self.env.ref("prs_form_builder.form_form_action")
        self.url_open("/web/static/img/favicon.ico")
        self.start_tour(
            f"/web#action={action.id}&model=form.form&view_type=form",
            "prs_form_designer_tour",
            login="prs_designer_tour",
            timeout=300,
        )
        form = self.env["form.form"].search([("code", "=", "designer_tour")])
        self.assertEqual(form.state, "published")
        tree = form.current_version_id.tree
        pages = form_tree.tree_pages(tree)
        self.assertEqual([p["title"] for p in pages], ["Personal", "Stay", "Final"])
        layout = [
            [[f["code"] for f in form_tree.section_fields(s)] for s in form_tree.page_sections(p)]
            for p in pages
        ]
        self.assertEqual(
            layout,
            [
                [["age", "text", "email", "yes_no", "text_area"]],
                [["date", "select", "radio", "checkboxes"]],
                [["phone"]],
            ],
        )
        fields = {f["code"]: f for _p, _s, f in form_tree.iter_fields(tree)}
        self.assertEqual(len({f["type"] for f in fields.values()}), 10)
        self.assertEqual(fields["email"]["condition"], "age >= 18")
        self.assertEqual(fields["text_area"]["required_if"], "yes_no == true")
        self.assertEqual(fields["age"]["validation"]["max_value"], 120)
        self.assertTrue(fields["text"]["required"])
        self.assertEqual(
            [c["label"] for c in fields["select"]["choices"]],
            ["Option 2", "Vegetarian", "Option 3"],
        )
