from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PrsFormCommon

MODELS = (
    "form.form",
    "form.page",
    "form.section",
    "form.field",
    "form.field.choice",
    "form.rule",
    "form.form.version",
    "form.field.template",
    "prs.master",
    "prs.master.item",
)


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormAccess(PrsFormCommon):
    def test_configurator_builds_and_publishes(self):
        """A configurator creates, edits and publishes a form."""
        env = self.env(user=self.configurator)
        form = env["form.form"].browse(self.form.id)
        form.field_ids.filtered(lambda f: f.code == "age").label = "Age (years)"
        env["form.field"].create({"section_id": form.section_ids[0].id, "label": "Nick"})
        form.action_publish()
        self.assertEqual(form.state, "published")
        self.assertEqual(form.current_version_id.published_by_id, self.configurator)

    def test_coordinator_reads_only(self):
        """A coordinator reads forms and masters but cannot change them."""
        env = self.env(user=self.coordinator)
        form = env["form.form"].browse(self.form.id)
        self.assertEqual(form._prs_build_tree()["code"], "reg")
        self.assertTrue(env["prs.master"].search_count([]))
        with self.assertRaises(AccessError):
            form.field_ids[0].label = "Nope"
        with self.assertRaises(AccessError):
            env["form.form"].create({"name": "X", "code": "x"})
        with self.assertRaises(AccessError):
            form.action_publish()

    def test_plain_and_api_users_see_nothing(self):
        """A plain internal user and the API group have no access to form configuration."""
        for user in (self.plain_user, self.api_user):
            for model in MODELS:
                with self.assertRaises(AccessError, msg=f"{user.login} reads {model}"):
                    self.env[model].with_user(user).check_access_rights("read")

    def test_configurator_cannot_rewrite_version(self):
        """Versions are created by publishing, never edited (no write right)."""
        self.form.action_publish()
        version = self.form.current_version_id.with_user(self.configurator)
        with self.assertRaises(AccessError):
            version.write({"published_at": "2020-01-01 00:00:00"})
