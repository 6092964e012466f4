from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.prs_form_builder.tools import form_tree

from .common import PrsFormCommon


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormVersions(PrsFormCommon):
    def test_publish_freezes_tree(self):
        """Publishing creates version 1 with the tree, its checksum, author and date."""
        tree = self.form._prs_build_tree()
        self.form.action_publish()
        version = self.form.current_version_id
        self.assertEqual(self.form.state, "published")
        self.assertEqual(version.version, 1)
        self.assertEqual(self.form.version, 1)
        self.assertEqual(version.tree["pages"], tree["pages"])
        self.assertEqual(version.tree["version"], 1)
        self.assertEqual(version.checksum, form_tree.tree_checksum(version.tree))
        self.assertEqual(version.tree["checksum"], version.checksum)
        self.assertEqual(version.published_by_id, self.env.user)
        self.assertTrue(version.published_at)

    def test_publish_logs_a_note(self):
        """Publishing logs one internal note naming the version, escaped, notifying
        nobody."""
        self.form.with_user(self.configurator).action_publish()
        notes = self.form.message_ids.filtered(lambda m: "published" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("Version 1 published.", notes.body)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(notes.notification_ids)

    def test_version_created_directly_gets_checksum(self):
        """A version created from a tree without a checksum gets the tree's checksum."""
        tree = dict(self.form._prs_build_tree(), version=7)
        version = self.env["form.form.version"].create(
            {"form_id": self.form.id, "version": 7, "tree": tree}
        )
        self.assertEqual(version.checksum, form_tree.tree_checksum(tree))

    def test_translated_trees(self):
        """Publishing freezes the tree in every installed language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.field("age").with_context(lang="fr_FR").label = "Âge"
        self.form.with_context(lang="en_US").action_publish()
        version = self.form.current_version_id
        self.assertEqual(version.lang, "en_US")

        def age_label(tree):
            return tree["pages"][0]["sections"][0]["fields"][1]["label"]

        self.assertEqual(age_label(version._prs_get_tree()), "Age")
        self.assertEqual(age_label(version._prs_get_tree("en_US")), "Age")
        french = version._prs_get_tree("fr_FR")
        self.assertEqual(age_label(french), "Âge")
        self.assertEqual(french["version"], 1)
        self.assertEqual(french["checksum"], form_tree.tree_checksum(french))
        self.assertEqual(age_label(version._prs_get_tree("de_DE")), "Age")

    def test_publish_twice_refused(self):
        """A published form must get a new version before it is published again."""
        self.form.action_publish()
        with self.assertRaisesRegex(UserError, "already published"):
            self.form.action_publish()

    def test_published_form_is_read_only(self):
        """Every node of a published form refuses changes."""
        self.form.action_publish()
        attempts = [
            lambda: self.form.write({"title": "Changed"}),
            lambda: self.form.page_ids[0].write({"title": "Changed"}),
            lambda: self.form.section_ids[0].write({"title": "Changed"}),
            lambda: self.field("age").write({"label": "Changed"}),
            lambda: self.field("interests").choice_ids[0].write({"label": "Changed"}),
            lambda: self.form.rule_ids.write({"message": "Changed"}),
            lambda: self.field("employer").unlink(),
            lambda: self.env["form.field"].create(
                {"section_id": self.form.section_ids[0].id, "label": "New"}
            ),
        ]
        for attempt in attempts:
            with self.assertRaisesRegex(UserError, "published and read-only"):
                attempt()

    def test_published_form_cannot_be_deleted(self):
        """A published form is archived, not deleted."""
        self.form.action_publish()
        with self.assertRaisesRegex(UserError, "archive it"):
            self.form.unlink()

    def test_version_is_immutable(self):
        """A version's tree cannot be rewritten."""
        self.form.action_publish()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            self.form.current_version_id.write({"tree": {}})

    def test_new_version_reopens_draft_keeping_live_version(self):
        """New Version makes the form a draft again; version 1 stays current until republished."""
        self.form.action_publish()
        first = self.form.current_version_id
        self.form.action_new_version()
        self.assertEqual(self.form.state, "draft")
        self.assertEqual(self.form.current_version_id, first)
        self.field("age").label = "Age in years"
        self.form.action_publish()
        self.assertEqual(self.form.version, 2)
        self.assertNotEqual(self.form.current_version_id, first)
        self.assertEqual(first.tree["pages"][0]["sections"][0]["fields"][1]["label"], "Age")
        self.assertEqual(
            self.form.current_version_id.tree["pages"][0]["sections"][0]["fields"][1]["label"],
            "Age in years",
        )
        self.assertEqual(self.form.version_ids.filtered("is_current"), self.form.current_version_id)

    def test_new_version_needs_published_form(self):
        """New Version on a draft is refused."""
        with self.assertRaises(UserError):
            self.form.action_new_version()

    def test_restore_older_version(self):
        """Restoring version 1 puts its tree back as the draft, codes kept."""
        self.form.action_publish()
        first = self.form.current_version_id
        self.form.action_new_version()
        self.field("employer").unlink()
        self.field("age").label = "Years"
        self.form.action_publish()
        self.form.action_restore_version(first)
        self.assertEqual(self.form.state, "draft")
        restored = self.form._prs_build_tree()
        self.assertEqual(restored["pages"], first.tree["pages"])
        self.assertEqual(restored["rules"], first.tree["rules"])
        self.assertEqual(
            self.form.field_ids.filtered(lambda f: f.code == "country").master_id,
            self.country_master,
        )

    def test_restore_other_form_version_refused(self):
        """A version of another form cannot be restored."""
        other = self._make_form("other", 2)
        other.action_publish()
        with self.assertRaises(UserError):
            self.form.action_restore_version(other.current_version_id.id)

    def test_compare_versions(self):
        """Comparing two versions lists added, removed and changed nodes with settings."""
        self.form.action_publish()
        first = self.form.current_version_id
        self.form.action_new_version()
        self.field("employer").unlink()
        self.field("age").write({"label": "Years", "max_value": "99"})
        self.env["form.field"].create(
            {"section_id": self.form.section_ids[0].id, "label": "Nickname"}
        )
        self.form.action_publish()
        diff = first._prs_compare(self.form.current_version_id)
        self.assertEqual(
            diff["added"],
            [{"kind": "field", "code": "nickname", "path": "personal/identity/nickname"}],
        )
        self.assertEqual([n["code"] for n in diff["removed"]], ["employer"])
        changed = {n["code"]: n["changes"] for n in diff["changed"]}
        self.assertEqual(
            changed["age"],
            [
                {"setting": "label", "old": "Age", "new": "Years"},
                {"setting": "validation.max_value", "old": 120, "new": 99},
            ],
        )

    def test_compare_wizard_renders_escaped_diff(self):
        """The compare wizard shows the diff with the draft, values escaped."""
        self.form.action_publish()
        self.form.action_new_version()
        self.field("age").label = "<b>Age</b>"
        wizard = self.env["form.version.compare.wizard"].create(
            {"form_id": self.form.id, "version_from_id": self.form.current_version_id.id}
        )
        self.assertIn("&lt;b&gt;Age&lt;/b&gt;", wizard.diff_html)
        self.assertNotIn("<b>Age</b>", wizard.diff_html)
