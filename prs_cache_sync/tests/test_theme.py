import base64

from odoo.tests import tagged

from .common import PrsCacheCase

# 1x1 transparent PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_theme")
class TestThemePayload(PrsCacheCase):
    """The program index payload in Redis carries the program's renderer theme."""

    def test_theme_in_program_payload(self):
        """After publishing, the program key holds the theme, valid against the schema."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.event.write(
            {
                "prs_theme_logo": PNG,
                "prs_theme_primary_color": "#1A2B3C",
                "prs_theme_accent_color": "#ff8800",
                "prs_theme_layout": "single_page",
                "prs_theme_show_progress": False,
                "prs_theme_density": "compact",
                "prs_theme_welcome_text": "Welcome",
            }
        )
        self.event.with_context(lang="fr_FR").prs_theme_welcome_text = "Bienvenue"
        self.publish()
        payload = self.get_json(self.program_key())
        self.assertValid(payload, "prs.program.1.json")
        theme = payload["theme"]
        self.assertEqual(theme["colors"], {"primary": "#1a2b3c", "accent": "#ff8800"})
        self.assertEqual(
            (theme["layout"], theme["show_progress"], theme["density"]),
            ("single_page", False, "compact"),
        )
        self.assertEqual(theme["texts"]["en_US"], {"welcome": "Welcome", "completion": None})
        self.assertEqual(theme["texts"]["fr_FR"]["welcome"], "Bienvenue")
        self.assertTrue(theme["logo"].startswith(f"/prs/theme/{self.event.id}/logo?unique="))

    def test_default_theme_valid(self):
        """A program without theme settings publishes the defaults, schema-valid."""
        self.publish()
        payload = self.get_json(self.program_key())
        self.assertValid(payload, "prs.program.1.json")
        self.assertEqual(payload["theme"]["colors"], {"primary": None, "accent": None})
        self.assertIsNone(payload["theme"]["logo"])
        self.assertEqual(payload["theme"]["layout"], "stepper")

    def test_theme_change_republishes(self):
        """Changing a theme colour of a published program rewrites its index key."""
        self.publish()
        self.event.prs_theme_primary_color = "#00aa00"
        self.commit_hooks()
        payload = self.get_json(self.program_key())
        self.assertEqual(payload["theme"]["colors"]["primary"], "#00aa00")
        self.assertValid(payload, "prs.program.1.json")

    def test_schema_rejects_bad_theme(self):
        """The schema refuses a theme colour that is not #rrggbb (it can fail)."""
        import jsonschema

        self.publish()
        payload = self.get_json(self.program_key())
        payload["theme"]["colors"]["primary"] = "red"
        with self.assertRaises(jsonschema.ValidationError):
            self.assertValid(payload, "prs.program.1.json")
