from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged, users

from .common import FormBuilder


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestVersionForgery(FormBuilder, TransactionCase):
    """Issue 12, items 5 and 4: versions are created by publishing only (the frozen
    tree and the current version are written by the publish code alone), and the form
    builder's wizards are private to their creator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="prs_forge_cfg", groups="prs_base.group_prs_configurator")
        new_test_user(cls.env, login="prs_forge_cfg2", groups="prs_base.group_prs_configurator")
        new_test_user(cls.env, login="prs_forge_adm", groups="prs_base.group_prs_administrator")
        cls.published = cls.create_form(
            cls.env, "forge_pub", [cls.field("name", required=True)], publish=True
        )
        cls.draft = cls.create_form(cls.env, "forge_draft", [cls.field("name")])
        cls.version = cls.published.current_version_id

    @users("prs_forge_cfg", "prs_forge_adm")
    def test_forged_version_refused(self):
        """Neither a configurator nor a PRS administrator creates a version, sets a
        form's current version (on write or create) or rewrites a frozen tree."""
        forged_tree = {"pages": [{"code": "x", "html": "<script>alert(1)</script>"}]}
        with self.assertRaises(AccessError):
            self.env["form.form.version"].create(
                {"form_id": self.draft.id, "version": 9, "tree": forged_tree}
            )
        with self.assertRaises(AccessError):
            self.draft.with_env(self.env).write({"current_version_id": self.version.id})
        with self.assertRaises(AccessError):
            self.env["form.form"].create(
                {"name": "Forged", "code": "forge_new", "current_version_id": self.version.id}
            )
        with self.assertRaises(UserError):  # AccessError or "published versions are frozen"
            self.version.with_env(self.env).write({"tree": forged_tree})
        self.assertFalse(self.draft.current_version_id)
        self.assertNotIn("forged", str(self.version.tree))

    @users("prs_forge_cfg", "prs_forge_adm")
    def test_state_through_actions_only(self):
        """A form's state is not written directly (breaker D5): a draft "published"
        without a version, or a published form reopened without New Version, is
        refused; the actions still change it."""
        for form, state in ((self.draft, "published"), (self.published, "draft")):
            for value in (state, "archived"):
                with self.assertRaises(AccessError, msg=f"{form.code} {value}"):
                    form.with_env(self.env).write({"state": value})
        with self.assertRaises(AccessError):
            self.env["form.form"].create(
                {"name": "Forged", "code": "forge_st", "state": "published"}
            )
        self.assertEqual((self.draft.state, self.published.state), ("draft", "published"))
        published = self.published.with_env(self.env)
        published.action_new_version()
        self.assertEqual(published.state, "draft")
        published.action_archive()
        self.assertEqual(published.state, "archived")
        published.action_unarchive()  # its current version is live again
        self.assertEqual(published.state, "published")

    @users("prs_forge_cfg")
    def test_publish_creates_the_version(self):
        """Publishing (with its checks) creates the version and sets it current, as the
        configurator who published."""
        draft = self.draft.with_env(self.env)
        draft.action_publish()
        self.assertEqual(draft.current_version_id.version, 1)
        self.assertEqual(draft.current_version_id.published_by_id, self.env.user)

    def test_wizards_private_to_their_creator(self):
        """The add-field, form-from-template and compare wizards are read by their
        creator only."""
        users_ = {
            login: self.env["res.users"].search([("login", "=", login)])
            for login in ("prs_forge_cfg", "prs_forge_cfg2", "prs_forge_adm")
        }
        cfg = users_["prs_forge_cfg"]
        template = self.env["form.field.template"].search([], limit=1)
        wizards = [
            self.env["form.field.template.add.wizard"]
            .with_user(cfg)
            .create(
                {
                    "section_id": self.draft.section_ids[:1].id,
                    "template_ids": [(6, 0, template.ids)],
                }
            ),
            self.env["form.form.from.template.wizard"]
            .with_user(cfg)
            .create({"template_id": self.published.id, "name": "Copy", "code": "forge_copy"}),
            self.env["form.version.compare.wizard"]
            .with_user(cfg)
            .create({"form_id": self.published.id}),
        ]
        for wizard in wizards:
            self.assertTrue(wizard.read(["create_uid"]), wizard._name)
            for login in ("prs_forge_cfg2", "prs_forge_adm"):
                other = wizard.with_user(users_[login])
                with self.assertRaises(AccessError, msg=f"{wizard._name} {login}"):
                    other.read(["create_uid"])
                self.assertFalse(other.search([("id", "=", wizard.id)]), login)
