from odoo import api, fields, models
from odoo.tools import SQL

DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class PrsMetrics(models.AbstractModel):
    _inherit = "prs.metrics"

    @api.model
    def _prs_counters(self):
        return {
            **super()._prs_counters(),
            "prs_cache_writes": "Redis writes by target and result (done, failed attempts).",
        }

    @api.model
    def _prs_histograms(self):
        return {
            **super()._prs_histograms(),
            "prs_cache_delivery_latency_seconds": (
                "Seconds from queuing a Redis write to Redis holding it, by target.",
                DELIVERY_BUCKETS,
            ),
        }

    @api.model
    def _prs_metric_families(self):
        families = super()._prs_metric_families()
        # sudo: counts and names of the targets only (the scrape has no user).
        targets = self.env["prs.cache.target"].sudo().search([])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT target_id, count(*), count(*) FILTER (WHERE state = 'failed'),
                       extract(epoch FROM (now() at time zone 'utc') - min(create_date))
                  FROM prs_cache_outbox
                 WHERE state IN ('pending', 'failed') AND target_id IN %s
                 GROUP BY target_id
                """,
                tuple(targets.ids) or (0,),
            )
        )
        outbox = {row[0]: row[1:] for row in self.env.cr.fetchall()}

        def labels(target):
            return {"target": target.name, "target_id": str(target.id)}

        backlog, failed, age = [], [], []
        for target in targets:
            count, failing, oldest = outbox.get(target.id, (0, 0, None))
            backlog.append(("", labels(target), count))
            failed.append(("", labels(target), failing))
            age.append(("", labels(target), float(oldest or 0)))
        drift = self._prs_stored(["prs_cache_verify_drift"])["prs_cache_verify_drift"]
        environment = self.env["prs.cache.target"]._prs_database_environment()
        families += [
            {
                "name": "prs_cache_outbox_backlog",
                "type": "gauge",
                "help": "Redis writes waiting (pending or failed) per active target.",
                "samples": backlog,
            },
            {
                "name": "prs_cache_outbox_failed",
                "type": "gauge",
                "help": "Redis writes whose last attempt failed, per active target.",
                "samples": failed,
            },
            {
                "name": "prs_cache_outbox_oldest_age_seconds",
                "type": "gauge",
                "help": "Age of the oldest waiting Redis write per active target (0: none).",
                "samples": age,
            },
            {
                "name": "prs_cache_verify_drift",
                "type": "gauge",
                "help": "Keys out of line (missing, stale, foreign) at the last full Verify.",
                "samples": [("", labels, value) for labels, value in drift],
            },
            {
                "name": "prs_environment_info",
                "type": "gauge",
                "help": "The environment this database declares (production or uat).",
                "samples": [("", {"environment": environment}, 1)],
            },
        ]
        return families

    @api.model
    def _prs_record_delivery(self, target, delivered, failed_count):
        """Count one delivery batch of ``target``: ``delivered`` outbox rows (their
        queue-to-Redis latency) and ``failed_count`` refused ones."""
        labels = {"target": target.name, "target_id": str(target.id)}
        now = fields.Datetime.now()
        increments = []
        for row in delivered:
            latency = max((now - row.create_date).total_seconds(), 0.0)
            increments += self._prs_observe("prs_cache_delivery_latency_seconds", labels, latency)
        if delivered:
            increments.append(
                ("prs_cache_writes_total", {**labels, "result": "done"}, len(delivered))
            )
        if failed_count:
            increments.append(
                ("prs_cache_writes_total", {**labels, "result": "failed"}, failed_count)
            )
        return self._prs_add(increments)

    @api.model
    def _prs_record_drift(self, drift_by_target):
        """The drift of the last full Verify: ``{target: number of drifting keys}``."""
        return self._prs_add(
            [
                (
                    "prs_cache_verify_drift",
                    {"target": target.name, "target_id": str(target.id)},
                    count,
                )
                for target, count in drift_by_target.items()
            ],
            replace=True,
        )
