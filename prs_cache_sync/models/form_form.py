from odoo import _, models
from odoo.exceptions import UserError


class FormForm(models.Model):
    _name = "form.form"
    _inherit = ["form.form", "prs.cache.mixin"]

    def _prs_cache_programs(self):
        """Programs with a published flow that has a step using one of these forms."""
        # sudo: a configurator publishing a form may not read every program's steps;
        # only the programs to resync are taken from them, nothing is returned to a view.
        steps = (
            self.env["event.flow.step"]
            .sudo()
            .search([("form_id", "in", self.ids), ("flow_id.state", "=", "published")])
        )
        return steps.flow_id.event_id

    def _prs_cache_scope(self):
        return {"program_ids": self._prs_cache_programs().ids}

    def action_prs_cache_publish(self):
        """Server action "Publish to Redis": rewrite the programs using these forms."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        rows = self._prs_cache_programs()._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)

    def action_prs_cache_verify(self):
        """Server action "Verify Redis": verify the programs using these forms."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        programs = self._prs_cache_programs()
        if not programs:
            raise UserError(_("No published flow uses these forms: nothing to verify."))
        return self.env["prs.cache.verify"]._prs_open(programs=programs)
