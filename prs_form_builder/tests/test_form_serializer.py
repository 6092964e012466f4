import json
from pathlib import Path

import jsonschema

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.prs_form_builder.models.form_form import TREE_MODELS
from odoo.addons.prs_form_builder.tools import form_tree

from .common import PrsFormCommon

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "schemas" / "form.tree.1.json").read_text(encoding="utf-8")
)
FIELD_KEYS = {
    "code",
    "type",
    "label",
    "help",
    "placeholder",
    "required",
    "required_if",
    "condition",
    "default",
    "validation",
    "choices",
    "master",
    "transform",
    "maps_to",
    "sensitive",
    "consent_text",
    "content",
    "currency",
}


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormSerializer(PrsFormCommon):
    def test_tree_shape(self):
        """The tree has exactly the contract's keys at every level."""
        tree = self.form._prs_build_tree()
        self.assertEqual(
            set(tree), {"id", "code", "title", "version", "checksum", "rules", "pages"}
        )
        self.assertEqual(
            (tree["id"], tree["code"], tree["title"]), (self.form.id, "reg", "Register")
        )
        self.assertIsNone(tree["version"])
        self.assertIsNone(tree["checksum"])
        self.assertEqual(
            tree["rules"], [{"code": "adult_ok", "expr": "age >= 0", "message": "Age is positive"}]
        )
        page = tree["pages"][1]
        self.assertEqual(set(page), {"code", "title", "help", "condition", "sections"})
        self.assertEqual(page["condition"], "age >= 18")
        section = page["sections"][0]
        self.assertEqual(set(section), {"code", "title", "help", "condition", "rules", "fields"})
        for _page, _section, field in form_tree.iter_fields(tree):
            self.assertEqual(set(field), FIELD_KEYS)

    def test_tree_validates_against_schema(self):
        """Draft and published trees validate against the module's JSON Schema."""
        jsonschema.validate(self.form._prs_build_tree(), SCHEMA)
        self.form.action_publish()
        jsonschema.validate(self.form.current_version_id.tree, SCHEMA)
        big = self._make_form("schema_big", 12)
        jsonschema.validate(big._prs_build_tree(), SCHEMA)

    def test_field_nodes(self):
        """Field settings land in the node; validation holds only the keys that are set."""
        tree = self.form._prs_build_tree()
        fields = {f["code"]: f for _p, _s, f in form_tree.iter_fields(tree)}
        self.assertEqual(fields["full_name"]["validation"], {"min_length": 2, "max_length": 60})
        self.assertEqual(fields["full_name"]["transform"], "trim")
        self.assertEqual(fields["full_name"]["maps_to"], "name")
        self.assertTrue(fields["full_name"]["required"])
        self.assertEqual(fields["age"]["validation"], {"min_value": 0, "max_value": 120})
        self.assertEqual(fields["country"]["master"], "country")
        self.assertEqual(fields["country"]["choices"], [])
        self.assertEqual(
            fields["interests"]["choices"],
            [{"value": "music", "label": "Music"}, {"value": "sport", "label": "Sport"}],
        )
        self.assertEqual(fields["employer"]["condition"], "country == 'IN'")
        self.assertEqual(fields["employer"]["validation"], {})

    def test_type_settings(self):
        """Defaults are typed; file, digits, consent, static and custom messages are serialized."""
        section = self.form.section_ids[0]
        self.env["form.field"].create(
            [
                {
                    "section_id": section.id,
                    "label": "Photo",
                    "field_type": "file",
                    "file_types": "pdf, image/png",
                    "max_file_size_mb": 2,
                },
                {
                    "section_id": section.id,
                    "label": "Fee",
                    "field_type": "decimal",
                    "digits": 2,
                    "default_value": "12.5",
                },
                {
                    "section_id": section.id,
                    "label": "Agree",
                    "field_type": "consent",
                    "consent_text": "<p>I agree</p>",
                    "default_value": "false",
                },
                {
                    "section_id": section.id,
                    "label": "Intro",
                    "field_type": "static",
                    "content": "<p>Welcome</p>",
                },
                {
                    "section_id": section.id,
                    "label": "Code",
                    "pattern": "^[A-Z]+$",
                    "pattern_message": "Capitals only",
                    "message_ids": [Command.create({"rule": "required", "message": "Say it"})],
                    "sensitive": True,
                },
            ]
        )
        fields = {f["code"]: f for _p, _s, f in form_tree.iter_fields(self.form._prs_build_tree())}
        self.assertEqual(
            fields["photo"]["validation"],
            {"file_types": [".pdf", "image/png"], "max_file_size": 2 * 1024 * 1024},
        )
        self.assertEqual(fields["fee"]["validation"], {"digits": 2})
        self.assertEqual(fields["fee"]["default"], 12.5)
        self.assertIs(fields["agree"]["default"], False)
        self.assertEqual(fields["agree"]["consent_text"], "<p>I agree</p>")
        self.assertEqual(fields["intro"]["content"], "<p>Welcome</p>")
        self.assertIsNone(fields["full_name"]["content"])
        self.assertEqual(
            fields["code"]["validation"],
            {
                "pattern": "^[A-Z]+$",
                "pattern_message": "Capitals only",
                "messages": {"required": "Say it"},
            },
        )
        self.assertTrue(fields["code"]["sensitive"])

    def test_canonical_json_and_checksum(self):
        """Canonical JSON sorts keys without spaces; the checksum ignores the checksum key."""
        self.assertEqual(form_tree.canonical_json({"b": 1, "a": [1, "é"]}), '{"a":[1,"é"],"b":1}')
        tree = {"code": "x", "checksum": None}
        digest = form_tree.tree_checksum(tree)
        self.assertEqual(len(digest), 64)
        self.assertEqual(form_tree.tree_checksum(dict(tree, checksum=digest)), digest)
        self.assertNotEqual(form_tree.tree_checksum({"code": "y", "checksum": None}), digest)

    def test_build_trees_batch(self):
        """Several forms are serialized at once, each with only its own nodes."""
        other = self._make_form("other_batch", 4)
        trees = (self.form | other)._prs_build_trees()
        self.assertEqual(trees[self.form.id], self.form._prs_build_tree())
        self.assertEqual(
            [f["code"] for _p, _s, f in form_tree.iter_fields(trees[other.id])],
            ["f0", "f1", "f2", "f3"],
        )


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormSerializerQueries(PrsFormCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.small = cls._make_form("q_small", 10)
        cls.large = cls._make_form("q_large", 500, pages=5, sections=4)

    def test_query_count_is_flat(self):
        """Serializing 10 or 500 fields costs the same number of queries."""
        self.assertEqual(len(self.large.field_ids), 500)
        counts = []
        for form in (self.small, self.large):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            # the form, then pages, sections, fields (with their messages), choices, rules
            with self.assertQueryCount(6):
                tree = form._prs_build_tree()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(list(form_tree.iter_fields(tree))), len(form.field_ids))
        self.assertEqual(counts[0], counts[1])

    def test_raw_rows_keep_access(self):
        """The serializer reads raw rows: the caller's read rights are checked first (a
        user of Odoo's default groups is refused, a coordinator reads the same tree as a
        configurator), and the node models have no record rules it would bypass."""
        tree = self.small.with_user(self.configurator)._prs_build_tree()
        self.assertEqual(self.small.with_user(self.coordinator)._prs_build_tree(), tree)
        with self.assertRaises(AccessError):
            self.small.with_user(self.plain_user)._prs_build_tree()
        node_models = [model for model in TREE_MODELS if model.startswith("form.")]
        node_models.remove("form.form")  # read through check_access_rule
        rules = self.env["ir.rule"].sudo().search([("model_id.model", "in", node_models)])
        self.assertFalse(rules, "a record rule on a form node model: read them through the ORM")

    def test_translated_and_archived_rows(self):
        """Translated columns come in the context language (else English), archived
        nodes are left out as ``search_read`` leaves them out."""
        self.env["res.lang"]._activate_lang("fr_FR")
        field = self.small.field_ids.sorted("id")[0]
        field.with_context(lang="fr_FR").label = "Libellé"
        other = self.small.field_ids.sorted("id")[-1]  # no condition refers to it
        other.active = False
        self.env.invalidate_all()
        tree_fr = self.small.with_context(lang="fr_FR")._prs_build_tree()
        tree_en = self.small.with_context(lang="en_US")._prs_build_tree()
        labels_fr = {node["code"]: node["label"] for *_, node in form_tree.iter_fields(tree_fr)}
        labels_en = {node["code"]: node["label"] for *_, node in form_tree.iter_fields(tree_en)}
        self.assertEqual(labels_fr[field.code], "Libellé")
        self.assertEqual(labels_en[field.code], field.with_context(lang="en_US").label)
        self.assertNotEqual(labels_en[field.code], "Libellé")
        # a label without a French translation falls back to English
        third = self.small.field_ids.sorted("id")[2]
        self.assertEqual(labels_fr[third.code], labels_en[third.code])
        self.assertNotIn(other.code, labels_fr)
        self.assertNotIn(other.code, labels_en)
