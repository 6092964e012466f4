import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
THEME_COLOR_FIELDS = ("prs_theme_primary_color", "prs_theme_accent_color")
THEME_TEXT_FIELDS = {"welcome": "prs_theme_welcome_text", "completion": "prs_theme_completion_text"}
THEME_FIELDS = {
    "prs_theme_logo",
    "prs_theme_layout",
    "prs_theme_show_progress",
    "prs_theme_density",
    *THEME_COLOR_FIELDS,
    *THEME_TEXT_FIELDS.values(),
}


class EventEvent(models.Model):
    """The renderer theme of a program: logo, colours, layout options and texts per
    language. ``_prs_theme_payload()`` gives it to the Redis program index."""

    _inherit = "event.event"

    prs_theme_logo = fields.Image(
        string="Renderer Logo",
        max_width=512,
        max_height=512,
        help="Shown by the registration renderer; served publicly once the program has a "
        "published flow.",
    )
    prs_theme_primary_color = fields.Char(
        string="Primary Colour", help="#rrggbb; empty: the renderer's default."
    )
    prs_theme_accent_color = fields.Char(
        string="Accent Colour", help="#rrggbb; empty: the renderer's default."
    )
    prs_theme_layout = fields.Selection(
        [("stepper", "Stepper (one step per screen)"), ("single_page", "Single page")],
        string="Layout",
        default="stepper",
        required=True,
    )
    prs_theme_show_progress = fields.Boolean(string="Show Progress", default=True)
    prs_theme_density = fields.Selection(
        [("comfortable", "Comfortable"), ("compact", "Compact")],
        string="Density",
        default="comfortable",
        required=True,
    )
    prs_theme_welcome_text = fields.Text(
        string="Welcome Text", translate=True, help="Shown before the first step."
    )
    prs_theme_completion_text = fields.Text(
        string="Completion Text", translate=True, help="Shown after the last step."
    )

    @api.constrains(*THEME_COLOR_FIELDS)
    def _check_prs_theme_colors(self):
        for program in self:
            for field_name in THEME_COLOR_FIELDS:
                value = program[field_name]
                if value and not COLOR_RE.match(value):
                    raise ValidationError(
                        _(
                            "%(field)s must be a colour like #1a2b3c, not %(value)s.",
                            field=self._fields[field_name].string,
                            value=value,
                        )
                    )

    def _prs_theme_logo_urls(self):
        """``{program id: public logo URL}`` for the programs with a logo; the URL
        changes with the image (its attachment checksum), so caches refresh."""
        # sudo: only the checksums of these programs' logo attachments are read.
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search_read(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "prs_theme_logo"),
                    ("res_id", "in", self.ids),
                ],
                ["res_id", "checksum"],
            )
        )
        return {
            row["res_id"]: f"/prs/theme/{row['res_id']}/logo?unique={(row['checksum'] or '')[:12]}"
            for row in attachments
        }

    def _prs_theme_payloads(self):
        """``{program id: theme dict}`` of these programs (the ``theme`` member of the
        program index payload, schema ``prs.program/1``). Texts are given for every
        installed language; a missing translation falls back as in the backend."""
        logos = self._prs_theme_logo_urls()
        texts = {program.id: {} for program in self}
        for lang, __ in self.env["res.lang"].get_installed():
            for row in self.with_context(lang=lang).read(list(THEME_TEXT_FIELDS.values())):
                texts[row["id"]][lang] = {
                    key: row[field_name] or None for key, field_name in THEME_TEXT_FIELDS.items()
                }
        return {
            program.id: {
                "logo": logos.get(program.id),
                "colors": {
                    "primary": (program.prs_theme_primary_color or "").lower() or None,
                    "accent": (program.prs_theme_accent_color or "").lower() or None,
                },
                "layout": program.prs_theme_layout,
                "show_progress": program.prs_theme_show_progress,
                "density": program.prs_theme_density,
                "texts": texts[program.id],
            }
            for program in self
        }

    def _prs_theme_payload(self):
        """The theme dict of one program."""
        self.ensure_one()
        return self._prs_theme_payloads()[self.id]
