from odoo import _, models
from odoo.exceptions import UserError


class FormForm(models.Model):
    _inherit = "form.form"

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

    def write(self, vals):
        result = super().write(vals)
        if "current_version_id" in vals:
            # A new version was published (or an older one restored): every published
            # step using these forms gets the new tree.
            self._prs_cache_programs()._prs_cache_sync_later()
        return result

    def action_prs_cache_publish(self):
        """Server action "Publish to Redis": rewrite the programs using these forms."""
        rows = self._prs_cache_programs()._prs_cache_sync(force=True)
        return self.env["prs.cache.key"]._prs_notify_queued(rows)

    def action_prs_cache_verify(self):
        """Server action "Verify Redis": verify the programs using these forms."""
        programs = self._prs_cache_programs()
        if not programs:
            raise UserError(_("No published flow uses these forms: nothing to verify."))
        return self.env["prs.cache.verify"]._prs_open(programs=programs)
