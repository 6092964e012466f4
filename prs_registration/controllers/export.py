from odoo import http
from odoo.http import content_disposition, request


class PrsExportController(http.Controller):
    @http.route(
        "/prs_registration/export/<int:wizard_id>", type="http", auth="user", methods=["GET"]
    )
    def prs_export_download(self, wizard_id):
        """Download an export built by the wizard, once: the file leaves the database."""
        wizard = request.env["event.registration.export"].browse(wizard_id).exists()
        filename, content = wizard._prs_take_file() if wizard else (None, None)
        if content is None:
            raise request.not_found()
        mimetype = (
            "text/csv"
            if filename.endswith(".csv")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"),
            ],
        )
