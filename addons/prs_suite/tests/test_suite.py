from odoo.tests import TransactionCase, tagged

SUITE = ("prs_form_builder", "prs_event_flow", "prs_registration", "prs_cache_sync")


@tagged("post_install", "-at_install", "prs")
class TestSuite(TransactionCase):
    def test_suite_installs_every_module(self):
        """Installing prs_suite installs the four Global PRS modules."""
        modules = self.env["ir.module.module"].search([("name", "in", SUITE)])
        self.assertEqual(set(modules.mapped("name")), set(SUITE))
        self.assertEqual(set(modules.mapped("state")), {"installed"})

    def test_suite_is_an_application(self):
        """The suite is offered as one application in Apps."""
        suite = self.env["ir.module.module"].search([("name", "=", "prs_suite")])
        self.assertTrue(suite.application)
        self.assertEqual(suite.state, "installed")
