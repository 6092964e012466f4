from odoo.tests import HttpCase, tagged

from odoo.addons.prs_form_builder.tools import form_tree

from .common import start_configurator_tour


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormBuilderTour(HttpCase):
    def test_configurator_builds_publishes_and_previews(self):
        """In Chromium a configurator adds a page, a section and two fields with a
        condition, publishes, and opens the Preview."""
        action = self.env.ref("prs_form_builder.form_form_action")
        start_configurator_tour(
            self,
            "prs_tour_conf",
            f"/web#action={action.id}&model=form.form&view_type=form",
            "prs_form_builder_tour",
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
