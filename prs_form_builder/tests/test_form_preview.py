import re

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.prs_form_builder.tools import preview

from .common import PrsFormCommon

XSS = "<script>alert('x')</script>"


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormPreview(PrsFormCommon):
    def test_preview_renders_tree(self):
        """The preview shows pages, sections, fields and their conditions."""
        html = str(self.form._prs_render_preview())
        for text in ("Register", "Personal", "Identity", "Full name", "show if age &gt;= 18"):
            self.assertIn(text, html)

    def test_preview_escapes_labels_and_choices(self):
        """An XSS payload in a label and in a choice is rendered escaped."""
        self.field("age").label = XSS
        self.field("interests").write(
            {"choice_ids": [Command.create({"label": XSS, "value": "x"})]}
        )
        html = str(self.form._prs_render_preview())
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html)

    def test_preview_applies_answers(self):
        """With answers, hidden nodes are marked and the validator's errors are listed."""
        html = str(
            self.form._prs_render_preview(answers={"age": 12, "full_name": "A", "interests": []})
        )
        self.assertIn('class="prs-page prs-hidden" data-code="adult"', html)
        self.assertIn("Full name must be at least 2 characters long.", html)
        html = str(self.form._prs_render_preview(answers={"age": 30, "full_name": "Ann"}))
        self.assertIn('class="prs-page" data-code="adult"', html)
        self.assertIn("The answers pass validation.", html)

    def test_parse_answers_from_query(self):
        """Query string values become typed answers."""
        tree = self.form._prs_build_tree()
        args = {"age": ["42"], "interests": ["music", "sport"], "full_name": [""]}
        answers = preview.parse_answers(tree, lambda name: args.get(name, []))
        self.assertEqual(answers, {"age": 42, "interests": ["music", "sport"]})

    def test_preview_of_version(self):
        """A published version can be previewed after the draft changed."""
        self.form.action_publish()
        version = self.form.current_version_id
        self.form.action_new_version()
        self.field("age").label = "Changed"
        html = str(self.form._prs_render_preview(version.id))
        self.assertIn("Version 1", html)
        self.assertNotIn("Changed", html)


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestFormPreviewRoute(HttpCase):
    def test_preview_route(self):
        """A configurator opens the preview page; a plain user is refused."""
        form = self.env["form.form"].create(
            {
                "name": "Route",
                "code": "route",
                "page_ids": [
                    Command.create(
                        {
                            "title": "P",
                            "section_ids": [
                                Command.create(
                                    {"title": "S", "field_ids": [Command.create({"label": XSS})]}
                                )
                            ],
                        }
                    )
                ],
            }
        )
        self.env["res.users"].create(
            {
                "name": "Preview Conf",
                "login": "prs_preview_conf",
                "password": "prs_preview_conf",
                "groups_id": [(6, 0, [self.env.ref("prs_base.group_prs_configurator").id])],
            }
        )
        self.env["res.users"].create(
            {
                "name": "Preview Plain",
                "login": "prs_preview_plain",
                "password": "prs_preview_plain",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        self.authenticate("prs_preview_conf", "prs_preview_conf")
        response = self.url_open(f"/prs_form_builder/preview/{form.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("&lt;script&gt;", response.text)
        self.assertNotIn(XSS, response.text)
        # the page's own live-apply script is the only one its CSP nonce allows
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
        self.assertIn(f'<script nonce="{nonce}">', response.text)
        self.assertEqual(response.text.count("<script"), 1)
        field_code = form.field_ids.code
        response = self.url_open(
            f"/prs_form_builder/preview/{form.id}?prs_apply=1&{field_code}=%3Cb%3E"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('value="&lt;b&gt;"', response.text)
        self.authenticate("prs_preview_plain", "prs_preview_plain")
        response = self.url_open(f"/prs_form_builder/preview/{form.id}")
        self.assertNotEqual(response.status_code, 200)
