from odoo import http
from odoo.http import content_disposition, request


class PrsRegistrationController(http.Controller):
    @http.route(
        "/prs_registration/file/<int:registration_id>/<int:attachment_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def prs_sensitive_file(self, registration_id, attachment_id):
        """Download the decrypted file of a sensitive answer (reveal right, logged)."""
        registration = request.env["event.registration"].browse(registration_id).exists()
        if not registration:
            raise request.not_found()
        name, mimetype, content = registration._prs_read_sensitive_file(attachment_id)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype or "application/octet-stream"),
                ("Content-Disposition", content_disposition(name or "file")),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
