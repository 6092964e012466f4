import base64

from odoo.tests import TransactionCase, tagged

from odoo.addons.prs_cache_sync.tools import payloads

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


@tagged("post_install", "-at_install", "prs", "prs_cache", "prs_theme")
class TestThemeBuilder(TransactionCase):
    """The ``theme`` member built from a program's theme fields."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        values = {"date_begin": "2030-04-01 08:00:00", "date_end": "2030-04-05 18:00:00"}
        cls.program = cls.env["event.event"].create(
            dict(values, name="Theme", prs_code="THEME_BUILD")
        )
        cls.other_program = cls.env["event.event"].create(
            dict(values, name="Other", prs_code="THEME_OTHER")
        )

    def test_colour_normalised(self):
        """A valid colour is given lower-case in the payload; an empty one is None."""
        self.program.write({"prs_theme_primary_color": "#A1B2C3", "prs_theme_accent_color": False})
        theme = self.program._prs_theme_payload()
        self.assertEqual(theme["colors"], {"primary": "#a1b2c3", "accent": None})

    def test_payload_defaults(self):
        """A program without settings gets the default layout options and no logo."""
        theme = self.program._prs_theme_payload()
        self.assertEqual(
            {key: theme[key] for key in ("logo", "layout", "show_progress", "density")},
            {"logo": None, "layout": "stepper", "show_progress": True, "density": "comfortable"},
        )
        self.assertIn("en_US", theme["texts"])

    def test_logo_url_changes_with_image(self):
        """The logo URL names the program and changes when the image changes."""
        self.program.prs_theme_logo = PNG
        first = self.program._prs_theme_payload()["logo"]
        self.assertTrue(first.startswith(f"/prs/theme/{self.program.id}/logo?unique="))
        self.program.prs_theme_logo = base64.b64encode(base64.b64decode(PNG) + b"\0")
        self.assertNotEqual(self.program._prs_theme_payload()["logo"], first)

    def test_batch_payloads(self):
        """_prs_theme_payloads answers for several programs at once."""
        programs = self.program | self.other_program
        self.assertEqual(set(programs._prs_theme_payloads()), set(programs.ids))

    def test_build_theme_pure(self):
        """The builder maps plain values: colours lower-cased, empty texts None."""
        values = {
            "prs_theme_primary_color": "#ABCDEF",
            "prs_theme_accent_color": "",
            "prs_theme_layout": "single_page",
            "prs_theme_show_progress": False,
            "prs_theme_density": "compact",
        }
        texts = {"en_US": {"prs_theme_welcome_text": "Hi", "prs_theme_completion_text": False}}
        self.assertEqual(
            payloads.build_theme(values, "/logo", texts),
            {
                "logo": "/logo",
                "colors": {"primary": "#abcdef", "accent": None},
                "layout": "single_page",
                "show_progress": False,
                "density": "compact",
                "texts": {"en_US": {"welcome": "Hi", "completion": None}},
            },
        )
