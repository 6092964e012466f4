from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge moves registrations in SQL (``_update_foreign_keys``): the
    duplicate flags of the merged contacts' registrations are recomputed after it."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        # sudo: only which registrations the merged contacts hold is read, to recompute
        # their flag; the merge itself runs with the caller's rights (core checks them)
        Registration = self.env["event.registration"].sudo().with_context(active_test=False)
        ids = partner_ids.ids if isinstance(partner_ids, models.BaseModel) else list(partner_ids)
        registrations = Registration.search([("partner_id", "in", ids)])
        result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        if registrations:
            registrations.invalidate_recordset(["partner_id"])
            Registration._prs_sync_duplicates(ids, registrations.event_id.ids)
        return result
