from odoo import api, models

INTAKE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class PrsMetrics(models.AbstractModel):
    _inherit = "prs.metrics"

    @api.model
    def _prs_counters(self):
        return {
            **super()._prs_counters(),
            "prs_intake_calls": "prs_submit calls by result and code (ok, or the first "
            "error code of a refused call).",
        }

    @api.model
    def _prs_histograms(self):
        return {
            **super()._prs_histograms(),
            "prs_intake_duration_seconds": (
                "Server time of prs_submit calls, in seconds.",
                INTAKE_BUCKETS,
            ),
        }

    @api.model
    def _prs_intake_increments(self, vals):
        """The counter increments of one intake call (its ``prs.intake.log`` values)."""
        result = vals.get("result") or "error"
        code = "ok" if result == "ok" else (vals.get("error_codes") or "unknown").split(",")[0]
        increments = [("prs_intake_calls_total", {"result": result, "code": code}, 1)]
        duration = (vals.get("duration_ms") or 0) / 1000.0
        return increments + self._prs_observe("prs_intake_duration_seconds", {}, duration)

    @api.model
    def _prs_metric_families(self):
        families = super()._prs_metric_families()
        # sudo: counts per program and state only (the scrape has no user).
        groups = (
            self.env["event.registration"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [("prs_is_test", "=", False), ("flow_id", "!=", False)],
                ["event_id", "prs_state"],
                ["__count"],
            )
        )
        families.append(
            {
                "name": "prs_registrations",
                "type": "gauge",
                "help": "Registrations (test ones aside) by program and state.",
                "samples": [
                    (
                        "",
                        {
                            "program": event.prs_code or event.name or "",
                            "program_id": str(event.id),
                            "state": state or "",
                        },
                        count,
                    )
                    for event, state, count in groups
                ],
            }
        )
        return families
