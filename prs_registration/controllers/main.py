from odoo import _, http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request


class PrsRegistrationController(http.Controller):
    @http.route(
        "/prs_registration/file/<int:registration_id>/<int:attachment_id>",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        csrf=True,
    )
    def prs_sensitive_file(self, registration_id, attachment_id, **post):
        """A sensitive file answer: GET shows a confirmation page (nothing is revealed or
        logged, so a link a user is tricked into opening does nothing); its form POSTs
        with Odoo's CSRF token (checked by Odoo for every POST of this route), which
        decrypts the file, logs the reveal and downloads it."""
        registration = request.env["event.registration"].browse(registration_id).exists()
        if not registration:
            raise request.not_found()
        if request.httprequest.method != "POST":
            if not request.env.user.has_group("prs_registration.group_prs_reveal"):
                raise AccessError(_("You are not allowed to reveal sensitive answers."))
            registration.check_access_rights("read")
            registration.check_access_rule("read")
            return request.render(
                "prs_registration.sensitive_file_confirm",
                {
                    "registration": registration,
                    "action": request.httprequest.path,
                    "title": _("Reveal a sensitive file"),
                },
                headers=[("Cache-Control", "no-store"), ("X-Frame-Options", "DENY")],
            )
        name, mimetype, content = registration._prs_read_sensitive_file(attachment_id)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype or "application/octet-stream"),
                ("Content-Disposition", content_disposition(name or "file")),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"),
            ],
        )
