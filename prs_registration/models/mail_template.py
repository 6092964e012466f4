from odoo import api, fields, models

from ..tools import privacy
from .event_registration import STATE_MAIL_TEMPLATES


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_template(
        self, template_src, model, res_ids, engine="inline_template", add_context=None, options=None
    ):
        """No sensitive answer is decrypted while a template renders (issue 12, D1): a
        template's expressions may call any method of the record, often as superuser
        (mail schedules, state mails), and the result is mailed out."""
        with privacy.rendering():
            return super()._render_template(
                template_src,
                model,
                res_ids,
                engine=engine,
                add_context=add_context,
                options=options,
            )


class MailTemplate(models.Model):
    _inherit = "mail.template"

    prs_program_template = fields.Boolean(
        string="Sent for Programs",
        compute="_compute_prs_program_template",
        search="_search_prs_program_template",
        help="A Global PRS state mail or a template a program's mail schedule sends: "
        "only PRS administrators change it (it is rendered for participants).",
    )

    @api.model
    def _prs_program_template_ids(self):
        """Ids of the PRS state mails and of the templates programs' schedules send."""
        ids = set()
        for xmlid in STATE_MAIL_TEMPLATES.values():
            template = self.env.ref(xmlid, raise_if_not_found=False)
            if template:
                ids.add(template.id)
        # sudo: only which templates programs' schedules use is read (ids)
        schedules = (
            self.env["event.mail"]
            .sudo()
            .with_context(active_test=False)
            .search([("event_id.prs_is_program", "=", True)])
        )
        for schedule in schedules:
            if schedule.template_ref and schedule.template_ref._name == self._name:
                ids.add(schedule.template_ref.id)
        return ids

    def _compute_prs_program_template(self):
        ids = self._prs_program_template_ids()
        for template in self:
            template.prs_program_template = template.id in ids

    def _search_prs_program_template(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(operator)
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", list(self._prs_program_template_ids()))]
