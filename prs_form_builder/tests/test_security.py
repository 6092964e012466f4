from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install", "prs")
class TestPrsGroups(TransactionCase):
    def test_root_menu_visible_only_to_prs_users(self):
        """The Global PRS root menu shows for a configurator, not for a plain user."""
        menu = self.env.ref("prs_form_builder.menu_prs_root")
        plain = new_test_user(self.env, login="prs_plain", groups="base.group_user")
        configurator = new_test_user(
            self.env, login="prs_conf", groups="prs_base.group_prs_configurator"
        )
        plain_menus = self.env["ir.ui.menu"].with_user(plain)._visible_menu_ids()
        conf_menus = self.env["ir.ui.menu"].with_user(configurator)._visible_menu_ids()
        self.assertNotIn(menu.id, plain_menus)
        self.assertIn(menu.id, conf_menus)

    def test_api_group_cannot_read_forms(self):
        """The API integration group has no read access to form configuration."""
        api_user = new_test_user(
            self.env, login="prs_api", groups="base.group_user,prs_base.group_prs_api"
        )
        self.assertFalse(
            self.env["form.form"].with_user(api_user).check_access_rights("read", False)
        )
