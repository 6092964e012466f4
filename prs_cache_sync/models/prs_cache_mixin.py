from odoo import api, models

from ..tools.payloads import PAYLOAD_FIELDS, SCOPE_FIELDS


class PrsCacheMixin(models.AbstractModel):
    """A model whose fields appear in Redis payloads (``payloads.PAYLOAD_FIELDS``).

    Creating records, writing one of those fields or deleting records re-publishes,
    once just before the commit, the programs and master lists the records feed before
    and after the change (``_prs_cache_scope``; before it only when the write touches a
    field of ``payloads.SCOPE_FIELDS``); the sync itself compares checksums, so
    an unchanged payload is not written again.
    """

    _name = "prs.cache.mixin"
    _description = "Redis Payload Source"

    def _prs_cache_scope(self):
        """What these records feed: ``{"program_ids", "master_ids", "master_codes"}``
        (any subset of these keys)."""
        return {}

    def _prs_cache_touches(self, field_names):
        return not PAYLOAD_FIELDS[self._name].isdisjoint(field_names)

    def _prs_cache_invalidate(self, *scopes):
        merged = {"program_ids": set(), "master_ids": set(), "master_codes": set()}
        for scope in scopes:
            for name, values in scope.items():
                merged[name].update(values)
        if any(merged.values()):
            self.env["prs.cache.key"]._prs_defer(**merged)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if records._prs_cache_touches({name for vals in vals_list for name in vals}):
            records._prs_cache_invalidate(records._prs_cache_scope())
        return records

    def write(self, vals):
        if not self._prs_cache_touches(vals):
            return super().write(vals)
        # the scope before the write matters only when the write can change it
        before = self._prs_cache_scope() if SCOPE_FIELDS[self._name].intersection(vals) else {}
        result = super().write(vals)
        self._prs_cache_invalidate(before, self._prs_cache_scope())
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_prs_cache_republish(self):
        """Deleted records leave the payloads they fed (rebuilt before the commit)."""
        self._prs_cache_invalidate(self._prs_cache_scope())
