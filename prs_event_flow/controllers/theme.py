from odoo import http
from odoo.http import request


class PrsThemeController(http.Controller):
    @http.route("/prs/theme/<int:program_id>/logo", type="http", auth="public", methods=["GET"])
    def prs_theme_logo(self, program_id, **kwargs):
        """The renderer logo of an active program with a published flow (public branding,
        the same programs whose index the cache publishes)."""
        # sudo: anonymous renderers read one image field of a published program only.
        program_sudo = request.env["event.event"].sudo().browse(program_id).exists()
        if (
            not program_sudo
            or not program_sudo.active
            or not program_sudo.prs_is_program
            or not program_sudo.prs_theme_logo
            or not any(flow.state == "published" for flow in program_sudo.flow_ids)
        ):
            raise request.not_found()
        stream = request.env["ir.binary"]._get_image_stream_from(program_sudo, "prs_theme_logo")
        return stream.get_response(immutable=bool(kwargs.get("unique")))
