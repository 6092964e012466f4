from odoo import http
from odoo.http import request


class FormPreviewController(http.Controller):
    @http.route(
        ["/prs_form_builder/preview/<int:form_id>"],
        type="http",
        auth="user",
        methods=["GET"],
    )
    def preview(self, form_id, version_id=None, **kwargs):
        """Participant preview of a form's draft, or of one of its versions."""
        form = request.env["form.form"].browse(form_id).exists()
        if not form:
            raise request.not_found()
        html = form._prs_render_preview(int(version_id) if version_id else None)
        return request.make_response(
            html,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
            ],
        )
