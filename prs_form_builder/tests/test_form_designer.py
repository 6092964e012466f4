import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, HttpCase, TransactionCase, new_test_user, tagged, users

from odoo.addons.prs_base.tools.codes import RESERVED_CODES
from odoo.addons.prs_form_builder.tools import expression, form_tree
from odoo.addons.prs_form_builder.tools.expression.values import OBJECT_MEMBERS

MODULE_DIR = Path(__file__).resolve().parents[1]
NODE_DIR = MODULE_DIR.parent / "tests" / "node"
# loads the condition editor's JEXL module, runs the calls given on stdin, evaluates
# each written expression with npm jexl 2.3.0 (the renderer) in the contexts given
NODE_SCRIPT = """
import { createRequire } from "node:module";
import * as editor from "%(module)s";
const { Jexl } = createRequire("%(node_dir)s/")("jexl");
const jexl = new Jexl();
const input = JSON.parse(require_stdin());
function require_stdin() {
    return createRequire(import.meta.url)("fs").readFileSync(0, "utf8");
}
const out = [];
for (const item of input) {
    const value = editor[item.fn](...item.args);
    const results = (item.contexts || []).map((ctx) => {
        try { return Boolean(jexl.evalSync(value, ctx)); } catch (e) { return "error"; }
    });
    out.push({ value, results });
}
process.stdout.write(JSON.stringify(out));
"""


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
        return self._form_named("designed")

    def _form_named(self, code):
        form = (
            self.env["form.form"]
            .with_user(self.configurator)
            .create({"name": code.title(), "code": code})
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
        self.assertEqual(problems["field:text"][0]["problem"], "expression")
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

    def test_problems_keyed_by_kind(self):
        """A node's problems stay at that node: a section sharing a field's code does
        not show the field's problems, nor the field the section's."""
        form, section_id = self._form()
        section = self.env["form.section"].browse(section_id)
        section.code = "integer"
        problems = form.prs_designer_lint("field", "integer", "condition", "nope > 1")
        self.assertIn("field:integer", problems)
        self.assertNotIn("section:integer", problems)
        problems = form.prs_designer_lint("section", "integer", "condition", "nope > 1")
        self.assertEqual([p["kind"] for p in problems["section:integer"]], ["section"])
        self.assertNotIn("field:integer", problems)

    def test_undo_refused_after_a_later_change(self):
        """An undo carries what the node looked like after the change: when the node
        was changed since (another configurator, another window) the undo is refused
        and the later change kept."""
        form, section_id = self._form()
        select = form.field_ids.filtered(lambda f: f.code == "select")
        undo = form.prs_designer_edit(
            {"op": "write", "model": "form.field", "id": select.id, "values": {"label": "A"}}
        )["undo"]
        select.label = "B"
        with self.assertRaises(UserError):
            form.prs_designer_edit(undo)
        self.assertEqual(select.label, "B")
        # a move, then another one: the first one's undo is refused
        undo = form.prs_designer_edit(
            {
                "op": "move",
                "model": "form.field",
                "id": select.id,
                "parent_id": section_id,
                "index": 0,
            }
        )["undo"]
        form.prs_designer_edit(
            {
                "op": "move",
                "model": "form.field",
                "id": select.id,
                "parent_id": section_id,
                "index": 2,
            }
        )
        with self.assertRaises(UserError):
            form.prs_designer_edit(undo)
        # a created field edited since is not deleted by the create's undo
        undo = form.prs_designer_edit(
            {
                "op": "create",
                "model": "form.field",
                "values": {"section_id": section_id, "field_type": "text"},
            }
        )["undo"]
        created = self.env["form.field"].browse(undo["id"])
        created.label = "Edited"
        with self.assertRaises(UserError):
            form.prs_designer_edit(undo)
        self.assertTrue(created.exists())
        # unchanged: the undo applies
        undo = form.prs_designer_edit(
            {"op": "write", "model": "form.field", "id": select.id, "values": {"label": "C"}}
        )["undo"]
        form.prs_designer_edit(undo)
        self.assertEqual(select.label, "B")

    def test_object_member_codes_reserved(self):
        """A code naming a member every JavaScript object inherits (constructor,
        __proto__, ...) is reserved: jexl would read the inherited function."""
        self.assertLessEqual(OBJECT_MEMBERS, RESERVED_CODES)
        form, _section = self._form()
        text = form.field_ids.filtered(lambda f: f.code == "text")
        for code in ("constructor", "__proto__"):
            with self.assertRaises(ValidationError):
                form.prs_designer_edit(
                    {"op": "write", "model": "form.field", "id": text.id, "values": {"code": code}}
                )

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

    def test_create_never_takes_another_forms_nodes(self):
        """A forged create carrying link/set commands in its nested values (fields,
        sections, rules, messages, choices) is refused: a create only makes new records,
        checked all the way down; the other form keeps its nodes."""
        form, section_id = self._form()
        victim, victim_section = self._form_named("victim")
        v_field = victim.field_ids.filtered(lambda f: f.code == "select")
        v_section = victim.section_ids
        v_choice = v_field.choice_ids[0]
        page_id = form.page_ids.id
        forged = [
            ("form.section", {"page_id": page_id, "field_ids": [[4, v_field.id, 0]]}),
            ("form.section", {"page_id": page_id, "field_ids": [[6, 0, [v_field.id]]]}),
            ("form.page", {"form_id": form.id, "section_ids": [[4, v_section.id, 0]]}),
            (
                "form.page",
                {
                    "form_id": form.id,
                    "section_ids": [[0, 0, {"code": "s2", "field_ids": [[4, v_field.id, 0]]}]],
                },
            ),
            (
                "form.section",
                {"page_id": page_id, "field_ids": [[0, 0, {"section_id": victim_section}]]},
            ),
            ("form.field", {"section_id": section_id, "choice_ids": [[4, v_choice.id, 0]]}),
            (
                "form.field",
                {
                    "section_id": section_id,
                    "field_type": "select",
                    "choice_ids": [[0, 0, {"field_id": v_field.id, "label": "x"}]],
                },
            ),
            ("form.field", {"section_id": section_id, "section_ids": []}),
        ]
        for model, values in forged:
            with self.assertRaises(UserError, msg=values):
                form.prs_designer_edit({"op": "create", "model": model, "values": values})
        self.assertEqual(v_field.section_id, v_section)
        self.assertEqual(v_section.page_id, victim.page_ids)
        self.assertEqual(v_choice.field_id, v_field)
        self.assertEqual(
            self._codes(victim.prs_designer_data())[0], [["integer", "select", "text"]]
        )

    def test_choice_update_cannot_move_it(self):
        """Updating one's own choice changes its sequence, value or label only: never its
        field (which would move it to another field or form)."""
        form, _section = self._form()
        victim, _victim_section = self._form_named("victim")
        select = form.field_ids.filtered(lambda f: f.code == "select")
        target = victim.field_ids.filtered(lambda f: f.code == "select")
        choice = select.choice_ids[0]
        for values in ({"field_id": target.id}, {"field_id": target.id, "label": "y"}, {"id": 1}):
            with self.assertRaises(UserError):
                form.prs_designer_edit(
                    {
                        "op": "write",
                        "model": "form.field",
                        "id": select.id,
                        "values": {"choice_ids": [[1, choice.id, values]]},
                    }
                )
        self.assertEqual(choice.field_id, select)
        self.assertEqual(len(target.choice_ids), 2)

    def test_forged_operations_are_clear_errors(self):
        """Malformed operations give a UserError (a message at the node), never a server
        error."""
        form, section_id = self._form()
        select = form.field_ids.filtered(lambda f: f.code == "select")
        for operation in (
            ["op", "write"],
            "write",
            {"op": "write", "model": "form.field", "id": "abc", "values": {"label": "x"}},
            {"op": "write", "model": "form.field", "id": select.id, "values": ["label"]},
            {"op": "write", "model": ["form.field"], "id": select.id, "values": {}},
            {
                "op": "write",
                "model": "form.field",
                "id": select.id,
                "values": {"choice_ids": [[0, 0, None]]},
            },
            {
                "op": "write",
                "model": "form.field",
                "id": select.id,
                "values": {"choice_ids": "x"},
            },
            {
                "op": "create",
                "model": "form.field",
                "values": {"section_id": section_id, "choice_ids": [[0, 0, None]]},
            },
            {"op": "create", "model": "form.field", "values": {"section_id": "abc"}},
            {"op": "move", "model": "form.field", "id": select.id, "parent_id": section_id},
            {
                "op": "move",
                "model": "form.field",
                "id": select.id,
                "parent_id": section_id,
                "index": "x",
            },
            {"op": "delete", "model": "form.field"},
            {"op": "add_template", "template_id": "abc", "section_id": section_id},
        ):
            with self.assertRaises(UserError, msg=operation):
                form.prs_designer_edit(operation)

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
        self.assertIn("Version 1", form._prs_render_preview())
        self.assertNotIn("Draft", form._prs_render_preview())
        result = form.prs_designer_edit({"op": "new_version"})
        self.assertFalse(result["data"]["form"]["readonly"])
        self.assertIn("Draft", form._prs_render_preview())

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
class TestConditionEditorJexl(BaseCase):
    """The condition editor's JEXL (static/src/designer/condition_jexl.js, run in node)
    means the same in npm jexl and the server's evaluator. Needs node and
    tests/node/node_modules/jexl: fails, never skips, without them."""

    def _run(self, calls):
        node = shutil.which("node")
        self.assertTrue(node, "node is needed (scripts/setup.sh)")
        self.assertTrue((NODE_DIR / "node_modules" / "jexl").is_dir(), "npm jexl is needed")
        source = (MODULE_DIR / "static/src/designer/condition_jexl.js").read_text()
        with tempfile.TemporaryDirectory() as tmp:
            module = Path(tmp) / "condition_jexl.mjs"
            module.write_text(source)
            script = Path(tmp) / "run.mjs"
            script.write_text(NODE_SCRIPT % {"module": module, "node_dir": NODE_DIR})
            done = subprocess.run(
                [node, str(script)],
                input=json.dumps(calls),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def test_answered_means_answered(self):
        """The "is answered" operator: 0, false and a picked list item count; a
        missing value, null, "" and [] do not; "is not answered" is its opposite; npm
        jexl and the server agree."""
        values = [None, "", "a", 0, False, True, [], ["a"], ["a", "b"], "0"]
        contexts = [{}] + [{"x": value} for value in values]
        expected = [False, False, False, True, True, True, True, False, True, True, True]
        calls = [
            {
                "fn": "rowToJexl",
                "args": [{"code": "x", "field_type": field_type}, op, ""],
                "contexts": contexts,
            }
            for field_type in ("text", "integer", "checkboxes")
            for op in ("filled", "empty")
        ]
        for call, out in zip(calls, self._run(calls), strict=True):
            want = expected if call["args"][1] == "filled" else [not e for e in expected]
            self.assertEqual(out["results"], want, out["value"])
            server = [expression.is_true(out["value"], ctx) for ctx in contexts]
            self.assertEqual(server, want, out["value"])
            self.assertEqual(expression.check(out["value"], {"x"}, {"x"}), [])

    def test_row_values_checked(self):
        """A whitespace number and an unpicked choice can't be written; a time is
        zero-padded like the stored answers ("9:30" -> "09:30") and compares as text."""
        number = {"code": "n", "field_type": "integer"}
        select = {"code": "s", "field_type": "select", "choices": [{"value": "a"}]}
        time = {"code": "t", "field_type": "time"}
        calls = [
            {"fn": "rowProblem", "args": [number, ">=", "  "]},
            {"fn": "rowProblem", "args": [number, ">=", "x"]},
            {"fn": "rowProblem", "args": [number, ">=", " 18 "]},
            {"fn": "rowProblem", "args": [select, "==", ""]},
            {"fn": "rowProblem", "args": [select, "==", "a"]},
            {"fn": "rowProblem", "args": [time, "<", "930"]},
            {"fn": "rowProblem", "args": [time, "<", "9:30"]},
            {
                "fn": "rowToJexl",
                "args": [time, "<", "9:30"],
                "contexts": [{"t": "08:15"}, {"t": "10:00"}, {"t": "09:30"}],
            },
            {"fn": "rowToJexl", "args": [number, ">=", " 18 "], "contexts": [{"n": 18}]},
        ]
        out = self._run(calls)
        self.assertTrue(out[0]["value"] and out[1]["value"])
        self.assertIsNone(out[2]["value"])
        self.assertTrue(out[3]["value"])
        self.assertIsNone(out[4]["value"])
        self.assertTrue(out[5]["value"])
        self.assertIsNone(out[6]["value"])
        self.assertEqual(out[7]["value"], 't < "09:30"')
        self.assertEqual(out[7]["results"], [True, False, False])
        self.assertEqual(out[8]["value"], "n >= 18")

    def test_rows_combine_with_the_condition(self):
        """Rows added to an existing condition combine with it (and/or), never replace
        it."""
        out = self._run(
            [
                {"fn": "combine", "args": ["age >= 18", ["x == 1"], "||"]},
                {"fn": "combine", "args": ["age >= 18", [], "&&"]},
                {"fn": "combine", "args": ["", ["x == 1", "y == 2"], "&&"]},
            ]
        )
        self.assertEqual(out[0]["value"], "(age >= 18) || (x == 1)")
        self.assertEqual(out[1]["value"], "age >= 18")
        self.assertEqual(out[2]["value"], "(x == 1) && (y == 2)")


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
