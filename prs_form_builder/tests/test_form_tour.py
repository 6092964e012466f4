from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.prs_form_builder.tools import form_tree


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormBuilderTour(HttpCase):
    def test_configurator_builds_publishes_and_previews(self):
        """In Chromium a configurator adds a page, a section and two fields with a
        condition, publishes, and opens the Preview."""
        new_test_user(
            self.env,
            login="prs_tour_conf",
            password="prs_tour_conf",
            groups="prs_base.group_prs_configurator",
        )
        action = self.env.ref("prs_form_builder.form_form_action")
        # Serve one static file first: the server then reads the addons' manifests in one
        # thread, not concurrently with the browser's first requests (Python 3.11's
        # ast.parse is not thread-safe: "AST constructor recursion depth mismatch").
        self.url_open("/web/static/img/favicon.ico")
        self.start_tour(
            f"/web#action={action.id}&model=form.form&view_type=form",
            "prs_form_builder_tour",
            login="prs_tour_conf",
        )
        form = self.env["form.form"].search([("code", "=", "tour_form")])
        self.assertEqual(form.state, "published")
        tree = form.current_version_id.tree
        fields = {f["code"]: f for _p, _s, f in form_tree.iter_fields(tree)}
        self.assertEqual(fields["age"]["type"], "integer")
        self.assertEqual(fields["employer"]["condition"], "age >= 18")
        self.authenticate("prs_tour_conf", "prs_tour_conf")
        response = self.url_open(f"/prs_form_builder/preview/{form.id}")
        self.assertIn("show if age &gt;= 18", response.text)
