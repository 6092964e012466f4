from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.prs_base.hooks import MOVED_XMLIDS, pre_init_hook, rename_xmlids
from odoo.addons.prs_base.tools import codes, config


@tagged("post_install", "-at_install", "prs_base")
class TestPrsBaseTools(TransactionCase):
    def test_slugify_code_is_an_expression_identifier(self):
        """Labels become identifiers that JEXL can name; reserved words are suffixed."""
        self.assertEqual(codes.slugify_code("Date of birth"), "date_of_birth")
        self.assertEqual(codes.slugify_code("Âge ?"), "age")
        self.assertEqual(codes.slugify_code("2nd name"), "field_2nd_name")
        self.assertEqual(codes.slugify_code("today"), "today_field")
        self.assertEqual(codes.slugify_code("!!!", "page"), "page")
        for code in ("date_of_birth", "age", "field_2nd_name", "today_field"):
            self.assertRegex(code, codes.CODE_RE)

    def test_unique_code_appends_a_counter(self):
        """A taken code gets _2, _3, ... and is remembered as taken."""
        used = {"age", "age_2"}
        self.assertEqual(codes.unique_code("age", used), "age_3")
        self.assertIn("age_3", used)
        self.assertEqual(codes.unique_code("ret", set(), separator="-"), "ret")
        self.assertEqual(codes.unique_code("ret", {"ret"}, separator="-"), "ret-2")

    def test_environment_overrides_the_configuration_section(self):
        """A non-empty env var wins over odoo.conf; blanks count as unset."""
        env_vars = {"url": "PRS_X_URL", "key": "PRS_X_KEY", "other": "PRS_X_OTHER"}
        values = config.read_section(
            "prs_x",
            env_vars,
            misc={"url": " redis://conf ", "key": "conf-key", "other": "  "},
            environ={"PRS_X_URL": "redis://env", "PRS_X_KEY": ""},
        )
        self.assertEqual(values, {"url": "redis://env", "key": "conf-key", "other": None})

    def test_section_defaults_to_the_loaded_odoo_conf(self):
        """Without ``misc`` the reader uses Odoo's loaded configuration section."""
        values = config.read_section("prs_no_such_section", {"a": "PRS_NO_SUCH_VAR"}, environ={})
        self.assertEqual(values, {"a": None})

    def test_param_int_unset_gives_the_default(self):
        """An unset parameter gives the default even when 0 is allowed (``int(False)``
        is 0: a grace period would silently turn off); a set 0, a bad value and a value
        below the minimum behave as documented."""
        key = "prs_base.test_param_int"
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(config.param_int(self.env, key, 60, minimum=0), 60)
        params.set_param(key, "0")
        self.assertEqual(config.param_int(self.env, key, 60, minimum=0), 0)
        self.assertEqual(config.param_int(self.env, key, 60), 60)
        params.set_param(key, "soon")
        self.assertEqual(config.param_int(self.env, key, 60, minimum=0), 60)
        params.set_param(key, "15")
        self.assertEqual(config.param_int(self.env, key, 60), 15)


@tagged("post_install", "-at_install", "prs_base")
class TestPrsBaseGroups(TransactionCase):
    def test_groups_live_in_prs_base(self):
        """The PRS groups and their category have prs_base XML ids; Administrator implies
        Configurator and Coordinator; the API group is not an internal user group."""
        admin = self.env.ref("prs_base.group_prs_administrator")
        self.assertEqual(
            admin.implied_ids,
            self.env.ref("prs_base.group_prs_configurator")
            | self.env.ref("prs_base.group_prs_coordinator"),
        )
        category = self.env.ref("prs_base.module_category_global_prs")
        for name in ("configurator", "coordinator", "administrator"):
            self.assertEqual(self.env.ref(f"prs_base.group_prs_{name}").category_id, category)
        user = new_test_user(self.env, login="prs_adm", groups="prs_base.group_prs_administrator")
        self.assertTrue(user.has_group("prs_base.group_prs_configurator"))
        self.assertTrue(user.has_group("prs_base.group_prs_coordinator"))
        api = self.env.ref("prs_base.group_prs_api")
        self.assertNotIn(self.env.ref("base.group_user"), api.trans_implied_ids)
        self.assertFalse(
            self.env["ir.model.data"].search_count(
                [("module", "=", "prs_form_builder"), ("name", "in", MOVED_XMLIDS)]
            )
        )

    def test_upgrade_keeps_group_memberships(self):
        """A database from before prs_base (groups owned by prs_form_builder) keeps the
        same group records, and so their members, when prs_base is installed."""
        coordinator = self.env.ref("prs_base.group_prs_coordinator")
        user = self.env["res.users"].create(
            {
                "name": "Old coordinator",
                "login": "prs_old_coord",
                "groups_id": [(4, coordinator.id)],
            }
        )
        data = self.env["ir.model.data"].search(
            [("module", "=", "prs_base"), ("name", "in", MOVED_XMLIDS)]
        )
        self.assertEqual(len(data), len(MOVED_XMLIDS))
        data.write({"module": "prs_form_builder"})  # the database as it was
        self.env.flush_all()
        self.env.registry.clear_cache()
        self.assertFalse(self.env.ref("prs_base.group_prs_coordinator", raise_if_not_found=False))

        pre_init_hook(self.env)
        self.env["ir.model.data"].invalidate_model()
        self.env.registry.clear_cache()

        self.assertEqual(self.env.ref("prs_base.group_prs_coordinator"), coordinator)
        self.assertIn(user, self.env.ref("prs_base.group_prs_coordinator").users)
        self.assertTrue(user.has_group("prs_base.group_prs_coordinator"))

    def test_rename_leaves_names_the_new_module_already_owns(self):
        """An XML id that already exists under the new module is not moved again."""
        group = self.env["res.groups"].create({"name": "Probe"})
        model_data = self.env["ir.model.data"]
        model_data.create(
            {
                "module": "prs_form_builder",
                "name": "group_prs_configurator",
                "model": "res.groups",
                "res_id": group.id,
            }
        )
        moved = rename_xmlids(
            self.env.cr, "prs_form_builder", "prs_base", ["group_prs_configurator"]
        )
        self.assertEqual(moved, 0)
        self.env.registry.clear_cache()
        self.assertNotEqual(self.env.ref("prs_base.group_prs_configurator"), group)
