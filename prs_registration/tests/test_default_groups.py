from ast import literal_eval

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "prs", "prs_sso")
class TestDefaultGroups(TransactionCase):
    """New users (created by hand, by signup or by an OAuth2 login) get no PRS group:
    access to Global PRS is always granted explicitly (README "Single sign-on")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        data = cls.env["ir.model.data"].search(
            [("model", "=", "res.groups"), ("module", "=like", "prs\\_%")]
        )
        cls.prs_groups = cls.env["res.groups"].browse(data.mapped("res_id"))

    def assertNoPrsGroup(self, user):
        self.assertFalse(
            user.groups_id & self.prs_groups,
            f"{user.login} carries PRS groups {(user.groups_id & self.prs_groups).mapped('name')}",
        )

    def test_prs_groups_found(self):
        """The PRS groups this test guards against are found by their XML ids."""
        for xmlid in (
            "prs_base.group_prs_configurator",
            "prs_base.group_prs_coordinator",
            "prs_base.group_prs_administrator",
            "prs_base.group_prs_api",
        ):
            self.assertIn(self.env.ref(xmlid), self.prs_groups)

    def test_default_user_template_has_no_prs_group(self):
        """base.default_user (whose groups every new internal user gets) has none."""
        self.assertNoPrsGroup(self.env.ref("base.default_user").with_context(active_test=False))

    def test_signup_template_has_no_prs_group(self):
        """The template user of signups (auth_signup / auth_oauth) has none."""
        param = self.env["ir.config_parameter"].get_param("base.template_portal_user_id", "False")
        template = self.env["res.users"].with_context(active_test=False).browse(literal_eval(param))
        self.assertTrue(template.exists())
        self.assertNoPrsGroup(template)

    def test_new_internal_user_has_no_prs_group(self):
        """A user created with the default groups has no PRS group, implied ones included."""
        user = self.env["res.users"].create({"name": "New Colleague", "login": "prs_sso_new"})
        self.assertTrue(user.has_group("base.group_user"))
        self.assertNoPrsGroup(user)

    def test_signup_user_has_no_prs_group(self):
        """A user created by signup (what an OAuth2 first login does) has no PRS group."""
        user = self.env["res.users"]._signup_create_user(
            {"name": "Signed Up", "login": "prs_sso_signup@example.com"}
        )
        self.assertNoPrsGroup(user)
