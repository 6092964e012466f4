import secrets

from odoo import http
from odoo.http import request

from ..tools import preview as preview_tools


class FormPreviewController(http.Controller):
    @http.route(
        ["/prs_form_builder/preview/<int:form_id>"],
        type="http",
        auth="user",
        methods=["GET"],
    )
    def preview(self, form_id, version_id=None, **kwargs):
        """Participant preview of a form's draft or of one of its versions; with
        ``prs_apply`` the entered answers drive the conditions and the validator."""
        form = request.env["form.form"].browse(form_id).exists()
        if not form:
            raise request.not_found()
        version_id = int(version_id) if version_id and version_id.isdigit() else None
        answers = None
        if kwargs.get("prs_apply"):
            version = request.env["form.form.version"].browse(version_id)
            tree = version._prs_get_tree() if version_id else form._prs_build_tree()
            answers = preview_tools.parse_answers(tree, request.httprequest.args.getlist)
        # one nonce per page: the only script allowed is the template's own (live apply)
        nonce = secrets.token_urlsafe(16)
        program_id = kwargs.get("program_id")
        if program_id and program_id.isdigit():
            # a designer opened from a program: the participant's view in its theme
            form = form.with_context(
                prs_preview_theme=form._prs_preview_theme(int(program_id)),
                prs_preview_program_id=int(program_id),
            )
        html = form._prs_render_preview(version_id, answers=answers, script_nonce=nonce)
        return request.make_response(
            html,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                (
                    "Content-Security-Policy",
                    f"default-src 'none'; style-src 'unsafe-inline'; "
                    f"script-src 'nonce-{nonce}'; form-action 'self'",
                ),
            ],
        )
