import json
import logging
from collections import defaultdict

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from ..tools import metrics

_logger = logging.getLogger(__name__)
# Lock wait of the counter updates, which run on their own cursor: never hold a caller.
LOCK_TIMEOUT_MS = 2000


class PrsMetrics(models.AbstractModel):
    """The metrics of one database, for ``GET /prs/metrics`` (Prometheus/OpenMetrics).

    Counters and histograms live in the table ``prs_metric_counter`` (one row per series,
    added to by short transactions of their own, so every Odoo worker and cron counts
    into the same series and a scrape reads them whatever worker serves it). Modules
    declare theirs (``_prs_counters``, ``_prs_histograms``) and add gauges computed at
    scrape time (``_prs_metric_families``)."""

    _name = "prs.metrics"
    _description = "Global PRS Metrics"

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS prs_metric_counter (
                    name varchar NOT NULL,
                    labels varchar NOT NULL,
                    value double precision NOT NULL DEFAULT 0,
                    PRIMARY KEY (name, labels)
                )
                """
            )
        )

    @api.model
    def _prs_counters(self):
        """``{name: help}`` of the counters (series ``<name>_total``)."""
        return {}

    @api.model
    def _prs_histograms(self):
        """``{name: (help, bucket upper bounds)}`` of the histograms."""
        return {}

    @api.model
    def _prs_observe(self, name, labels, value):
        """The increments of one observation of histogram ``name``."""
        buckets = self._prs_histograms()[name][1]
        bound = metrics.bucket_of(buckets, value)
        return [
            (f"{name}_bucket", {**labels, "le": repr(float(bound))}, 1),
            (f"{name}_sum", labels, value),
            (f"{name}_count", labels, 1),
        ]

    @api.model
    def _prs_add_query(self, increments, replace=False):
        """The statement of :meth:`_prs_add` (None when there is nothing to add), for a
        caller that sends it with other statements of its own."""
        totals = defaultdict(float)
        for series, labels, value in increments:
            totals[(series, json.dumps(labels, sort_keys=True))] += value
        if not totals:
            return None
        update = (
            SQL("EXCLUDED.value") if replace else SQL("prs_metric_counter.value + EXCLUDED.value")
        )
        return SQL(
            """
            INSERT INTO prs_metric_counter (name, labels, value) VALUES %s
            ON CONFLICT (name, labels) DO UPDATE SET value = %s
            """,
            # sorted: concurrent updates lock the rows in one order (no deadlock)
            SQL(", ").join(
                SQL("(%s, %s, %s)", series, labels, value)
                for (series, labels), value in sorted(totals.items())
            ),
            update,
        )

    @api.model
    def _prs_add(self, increments, cr=None, replace=False):
        """Add ``increments`` (``(series, labels, value)``) to the stored series, on
        ``cr`` or on a new cursor committed at once; ``replace``: set instead of add (a
        stored gauge). Never raises: a failure is logged and forgotten."""
        query = self._prs_add_query(increments, replace=replace)
        if query is None:
            return True
        try:
            if cr is not None:
                with cr.savepoint(flush=False):
                    cr.execute(query, log_exceptions=False)
                return True
            with self.pool.cursor() as new_cr:
                new_cr.execute(SQL("SET LOCAL lock_timeout = %s", LOCK_TIMEOUT_MS))
                new_cr.execute(query, log_exceptions=False)
        except Exception as error:  # metrics must never break the work they count
            self._prs_count_failed(error)
            return False
        return True

    @api.model
    def _prs_count_failed(self, error):
        """Log a count that failed: a concurrent count of the same series (a
        serialisation failure, a deadlock or the lock timeout, expected under concurrent
        calls) at DEBUG, anything else as a WARNING."""
        if getattr(error, "pgcode", None) in PG_CONCURRENCY_ERRORS_TO_RETRY:
            _logger.debug("prs.metrics: could not count: %s", type(error).__name__)
        else:
            _logger.warning("prs.metrics: could not count: %s", type(error).__name__)

    @api.model
    def _prs_stored(self, names):
        """``{series: [(labels, value)]}`` of the stored series of ``names``."""
        self.env.cr.execute(
            SQL(
                "SELECT name, labels, value FROM prs_metric_counter WHERE name IN %s"
                " ORDER BY name, labels",
                tuple(names) or ("",),
            )
        )
        stored = defaultdict(list)
        for series, labels, value in self.env.cr.fetchall():
            stored[series].append((json.loads(labels), value))
        return stored

    @api.model
    def _prs_stored_families(self):
        counters, histograms = self._prs_counters(), self._prs_histograms()
        names = [f"{name}_total" for name in counters]
        for name in histograms:
            names += [f"{name}_bucket", f"{name}_sum", f"{name}_count"]
        stored = self._prs_stored(names)
        families = [
            {
                "name": name,
                "type": "counter",
                "help": help_text,
                "samples": [("_total", labels, value) for labels, value in stored[f"{name}_total"]],
            }
            for name, help_text in sorted(counters.items())
        ]
        for name, (help_text, buckets) in sorted(histograms.items()):
            series = defaultdict(lambda: [{}, 0.0, 0])
            for labels, value in stored[f"{name}_bucket"]:
                bound = float(labels.pop("le"))
                series[json.dumps(labels, sort_keys=True)][0][bound] = value
            for labels, value in stored[f"{name}_sum"]:
                series[json.dumps(labels, sort_keys=True)][1] = value
            for labels, value in stored[f"{name}_count"]:
                series[json.dumps(labels, sort_keys=True)][2] = value
            rows = [(json.loads(key), *values) for key, values in sorted(series.items())]
            families.append(
                {
                    "name": name,
                    "type": "histogram",
                    "help": help_text,
                    "samples": metrics.histogram_samples(buckets, rows),
                }
            )
        return families

    @api.model
    def _prs_metric_families(self):
        """Every family of this database; modules extend it with their gauges."""
        return self._prs_stored_families()

    @api.model
    def _prs_render(self, openmetrics=False):
        return metrics.render(self._prs_metric_families(), openmetrics=openmetrics)
