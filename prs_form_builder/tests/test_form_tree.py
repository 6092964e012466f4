import datetime

from odoo import Command
from odoo.tests import tagged

from odoo.addons.prs_form_builder.tools import form_tree, validation

from .common import PrsFormCommon


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormTree(PrsFormCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.form.action_publish()
        cls.tree = cls.form.current_version_id.tree

    def test_walkers_follow_display_order_with_parents(self):
        """Pages, sections and fields come in display order, each with its parents."""
        self.assertEqual(
            [page["code"] for page in form_tree.tree_pages(self.tree)], ["personal", "adult"]
        )
        self.assertEqual(
            [
                (page["code"], section["code"])
                for page, section in form_tree.iter_sections(self.tree)
            ],
            [("personal", "identity"), ("adult", "work")],
        )
        self.assertEqual(
            [(p["code"], s["code"], f["code"]) for p, s, f in form_tree.iter_fields(self.tree)],
            [
                ("personal", "identity", "full_name"),
                ("personal", "identity", "age"),
                ("personal", "identity", "country"),
                ("personal", "identity", "interests"),
                ("adult", "work", "employer"),
            ],
        )
        self.assertEqual([rule["code"] for rule in form_tree.node_rules(self.tree)], ["adult_ok"])

    def test_codes_and_fields_with_a_property(self):
        """Codes, the code -> node map and the fields having a property or a type group."""
        self.assertEqual(
            form_tree.field_codes(self.tree),
            {"full_name", "age", "country", "interests", "employer"},
        )
        by_code = form_tree.fields_by_code(self.tree)
        self.assertEqual(by_code["age"]["type"], "integer")
        self.assertEqual(
            [f["code"] for f in form_tree.fields_with(self.tree, "maps_to")], ["full_name"]
        )
        self.assertEqual(
            [f["code"] for f in form_tree.fields_of_type(self.tree, form_tree.MASTER_TYPES)],
            ["country"],
        )
        self.assertEqual(
            [f["code"] for f in form_tree.fields_of_type(self.tree, form_tree.CHOICE_TYPES)],
            ["interests"],
        )
        self.assertEqual(form_tree.master_codes([self.tree]), {self.country_master.code})

    def test_walkers_skip_malformed_nodes(self):
        """A missing or malformed tree walks as empty; non-dict nodes are skipped."""
        self.assertEqual(list(form_tree.iter_fields(None)), [])
        self.assertEqual(list(form_tree.iter_fields({"pages": None})), [])
        tree = {
            "pages": [
                "x",
                {"code": "p", "sections": [None, {"code": "s", "fields": [1, {"type": "text"}]}]},
                {"code": "q", "sections": [{"code": "t", "fields": [{"code": "a"}]}]},
            ]
        }
        self.assertEqual([f["code"] for __, __, f in form_tree.iter_fields(tree)], ["a"])

    def test_allowed_values(self):
        """Own choices win, then the master's values; an unknown master is not checked."""
        by_code = form_tree.fields_by_code(self.tree)
        masters = {self.country_master.code: {"IN", "FR"}}
        self.assertEqual(
            form_tree.allowed_values(by_code["interests"], masters), {"music", "sport"}
        )
        self.assertEqual(form_tree.allowed_values(by_code["country"], masters), {"IN", "FR"})
        self.assertIsNone(form_tree.allowed_values(by_code["country"], {}))
        self.assertIsNone(form_tree.allowed_values(by_code["age"], masters))
        self.assertEqual(form_tree.allowed_values({"type": "select", "choices": []}, {}), set())

    def test_canonical_json_and_checksums(self):
        """Canonical JSON sorts keys, has no spaces, keeps non-ASCII; the published
        checksum is the tree checksum (the tree without its own checksum)."""
        self.assertEqual(form_tree.canonical_json({"b": 1, "a": [1, "é"]}), '{"a":[1,"é"],"b":1}')
        self.assertEqual(
            form_tree.checksum({"a": 1, "checksum": "x"}, exclude=("checksum",)),
            form_tree.checksum({"a": 1}),
        )
        self.assertEqual(self.form.current_version_id.checksum, form_tree.tree_checksum(self.tree))
        self.assertEqual(
            form_tree.tree_checksum(dict(self.tree, checksum="other")), self.tree["checksum"]
        )

    def test_visibility_hides_children_and_prunes_context(self):
        """A hidden page hides its sections and fields; a hidden field's answer leaves
        the context of later conditions."""
        shown = form_tree.visibility(self.tree, {"age": 12, "country": "IN", "employer": "X"})
        self.assertEqual(
            shown.hidden, {("page", "adult"), ("section", "work"), ("field", "employer")}
        )
        self.assertNotIn("employer", shown.context)
        pages = form_tree.tree_pages(self.tree)
        self.assertTrue(shown.is_visible(pages[0]))
        self.assertFalse(shown.is_visible(pages[1]))
        shown = form_tree.visibility(self.tree, {"age": 30, "country": "FR"})
        self.assertEqual(shown.hidden, {("field", "employer")})
        self.assertEqual(shown.hidden_codes("field"), {"employer"})
        self.assertEqual(
            form_tree.visibility(self.tree, {"age": 30, "country": "IN"}).hidden, set()
        )

    def test_today_is_always_in_the_context(self):
        """``today`` is an ISO date in every condition context, whatever form it is given in."""
        day = datetime.date(2027, 1, 1)
        for today in (day, datetime.datetime(2027, 1, 1, 23, 59), "2027-01-01", "2027-01-01T08:00"):
            self.assertEqual(
                form_tree.condition_context({"a": 1}, today), {"a": 1, "today": "2027-01-01"}
            )
        self.assertEqual(
            form_tree.condition_context({})["today"], datetime.date.today().isoformat()
        )

    def test_visibility_on_today_is_the_same_for_every_caller(self):
        """A page, section and field whose condition reads ``today`` are shown or hidden
        the same way by the validator and by the visibility function, on any day."""
        form = self.env["form.form"].create(
            {
                "name": "Dated",
                "code": "dated",
                "page_ids": [
                    Command.create(
                        {
                            "code": "always",
                            "title": "Always",
                            "section_ids": [
                                Command.create(
                                    {
                                        "code": "early",
                                        "title": "Early",
                                        "condition": "today < '2027-01-01'",
                                        "field_ids": [
                                            Command.create(
                                                {"code": "s_field", "label": "S", "required": True}
                                            )
                                        ],
                                    }
                                ),
                                Command.create(
                                    {
                                        "code": "plain",
                                        "title": "Plain",
                                        "field_ids": [
                                            Command.create(
                                                {
                                                    "code": "f_field",
                                                    "label": "F",
                                                    "required": True,
                                                    "condition": "today == '2027-01-01'",
                                                }
                                            )
                                        ],
                                    }
                                ),
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "code": "later",
                            "title": "Later",
                            "condition": "today >= '2027-01-01'",
                            "section_ids": [
                                Command.create(
                                    {
                                        "code": "late",
                                        "title": "Late",
                                        "field_ids": [
                                            Command.create(
                                                {"code": "p_field", "label": "P", "required": True}
                                            )
                                        ],
                                    }
                                )
                            ],
                        }
                    ),
                ],
            }
        )
        form.action_publish()
        tree = form.current_version_id.tree
        required = {"s_field", "f_field", "p_field"}
        expected = {
            datetime.date(2026, 12, 31): {"s_field"},
            datetime.date(2027, 1, 1): {"f_field", "p_field"},
            datetime.date(2027, 1, 2): {"p_field"},
        }
        for day, visible in expected.items():
            with self.subTest(day=day):
                hidden = form_tree.visibility(tree, {}, today=day).hidden_codes("field")
                self.assertEqual(required - hidden, visible)
                # the validator: a visible required field is missing, a hidden one is not
                __, errors = validation.validate_answers(tree, {}, today=day)
                self.assertEqual({e["field"] for e in errors if e["code"] == "required"}, visible)
                # and a hidden field's answer is dropped
                values, __ = validation.validate_answers(
                    tree, dict.fromkeys(required, "x"), today=day
                )
                self.assertEqual(set(values), visible)
