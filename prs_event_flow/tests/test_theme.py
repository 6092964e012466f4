import base64

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import PrsEventFlowCase

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install", "prs", "prs_theme")
class TestProgramTheme(PrsEventFlowCase):
    """Renderer theme fields of a program (their payload: prs_cache_sync/tests/test_theme.py)."""

    def test_colour_validation(self):
        """Colours must be #rrggbb; anything else is refused."""
        for bad in ("red", "#12345", "#1234567", "123456", "#12345g"):
            with self.subTest(value=bad), self.assertRaises(ValidationError):
                self.program.prs_theme_primary_color = bad
        for bad in ("#fff", "rgb(0,0,0)"):
            with self.subTest(value=bad), self.assertRaises(ValidationError):
                self.program.prs_theme_accent_color = bad


@tagged("post_install", "-at_install", "prs", "prs_theme")
class TestThemeLogoRoute(HttpCase):
    """The public logo route serves published programs only."""

    def _program(self, code, published):
        program = self.env["event.event"].create(
            {
                "name": code,
                "prs_code": code,
                "date_begin": "2030-04-01 08:00:00",
                "date_end": "2030-04-05 18:00:00",
                "prs_theme_logo": PNG,
            }
        )
        flow = self.env["event.flow"].create(
            {
                "event_id": program.id,
                "code": "quick",
                "name": "Quick",
                "step_ids": [(0, 0, {"code": "done", "name": "Done", "step_type": "confirmation"})],
            }
        )
        if published:
            flow.action_publish()
        return program

    def test_logo_public_when_published(self):
        """Anonymous visitors get the logo of a program with a published flow."""
        program = self._program("THEME-PUB", published=True)
        response = self.url_open(f"/prs/theme/{program.id}/logo")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")

    def test_logo_hidden_when_unpublished(self):
        """A program without a published flow does not expose its logo."""
        program = self._program("THEME-DRAFT", published=False)
        self.assertEqual(self.url_open(f"/prs/theme/{program.id}/logo").status_code, 404)

    def test_logo_unknown_program_not_found(self):
        """An id that is no program answers 404, like an unpublished program."""
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM event_event")
        missing_id = self.env.cr.fetchone()[0]
        self.assertEqual(self.url_open(f"/prs/theme/{missing_id}/logo").status_code, 404)

    def test_logo_hidden_once_unpublished(self):
        """Unpublishing the last flow withdraws the public logo."""
        program = self._program("THEME-WITHDRAWN", published=True)
        program.flow_ids.action_unpublish()
        self.assertEqual(self.url_open(f"/prs/theme/{program.id}/logo").status_code, 404)

    def test_logo_hidden_when_program_archived(self):
        """An archived program (its Redis keys are deleted) no longer serves its logo."""
        program = self._program("THEME-ARCHIVED", published=True)
        program.action_archive()
        self.assertEqual(self.url_open(f"/prs/theme/{program.id}/logo").status_code, 404)
