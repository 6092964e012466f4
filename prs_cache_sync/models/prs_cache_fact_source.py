from odoo import models

from ..tools.payloads import PROGRAM_FACT_SOURCES


class PrsCacheFactSource(models.AbstractModel):
    """A record whose fields a program's facts read through one of the program's
    many2one fields (its event type, its venue): writing one of those fields
    re-publishes, once just before the commit, the published programs that use the
    record (``payloads.PROGRAM_FACT_SOURCES``)."""

    _name = "prs.cache.fact.source"
    _description = "Redis Program Fact Source"

    def write(self, vals):
        result = super().write(vals)
        link, names = PROGRAM_FACT_SOURCES[self._name]
        if self.ids and names.intersection(vals):
            # sudo: only which programs use these records is read, to queue their
            # republish (the sync itself compares checksums)
            programs = (
                self.env["event.event"]
                .sudo()
                .with_context(active_test=False)
                .search([(link, "in", self.ids)])
            )
            if programs:
                programs._prs_cache_invalidate(programs._prs_cache_scope())
        return result
