import time

from odoo import api, fields, models

from ..tools import redis_io

MAX_AGE_PARAM = "prs_cache_sync.health_max_pending_age"
DEFAULT_MAX_AGE = 600  # seconds


class PrsCacheTarget(models.Model):
    """Health of the cache sync, for ``GET /prs/health`` (monitoring)."""

    _inherit = "prs.cache.target"

    @api.model
    def _prs_health_max_age(self):
        # sudo: reads one numeric threshold, never shown beyond the health report.
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_AGE_PARAM)
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            return DEFAULT_MAX_AGE
        return seconds if seconds > 0 else DEFAULT_MAX_AGE

    def _prs_health_ping(self):
        """``{"id", "name", "ok", "latency_ms", "error"}`` of one target: a PING through
        its client. Only the target's name and id are given, never its URL or password,
        and an error is named by its class, never by its (address-bearing) message."""
        self.ensure_one()
        started = time.perf_counter()
        try:
            self._prs_get_client().ping()
        except (*redis_io.redis_errors(), ValueError) as error:
            return {
                "id": self.id,
                "name": self.name,
                "ok": False,
                "latency_ms": None,
                "error": type(error).__name__,
            }
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return {
            "id": self.id,
            "name": self.name,
            "ok": True,
            "latency_ms": latency_ms,
            "error": None,
        }

    @api.model
    def _prs_health_outbox(self):
        """Backlog of the active targets' outbox: count and age of the oldest write."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE o.state = 'failed'),
                   extract(epoch FROM (now() at time zone 'utc') - min(o.create_date))
              FROM prs_cache_outbox o
              JOIN prs_cache_target t ON t.id = o.target_id
             WHERE o.state IN ('pending', 'failed') AND t.active
            """
        )
        backlog, failing, oldest_age = self.env.cr.fetchone()
        return {
            "backlog": backlog,
            "failing": failing,
            "oldest_pending_age_s": round(float(oldest_age), 1) if oldest_age is not None else None,
            "max_age_s": self._prs_health_max_age(),
        }

    @api.model
    def _prs_health_cron(self):
        cron = self.env.ref("prs_cache_sync.ir_cron_prs_cache_deliver", raise_if_not_found=False)
        if not cron:
            return {"active": False, "last_run": None}
        # sudo: only the cron's active flag and last run time are reported.
        cron = cron.sudo()
        return {
            "active": cron.active,
            "last_run": fields.Datetime.to_string(cron.lastcall) if cron.lastcall else None,
        }

    @api.model
    def _prs_health(self):
        """Health report: ``(healthy, report)``. Unhealthy when the database does not
        answer, an active target is unreachable, or the oldest pending write is older
        than ``prs_cache_sync.health_max_pending_age`` seconds (default 600)."""
        self.env.cr.execute("SELECT 1")
        database_ok = self.env.cr.fetchone() == (1,)
        targets = [target._prs_health_ping() for target in self._prs_get_active_targets()]
        outbox = self._prs_health_outbox()
        problems = [
            f"target {target['name']} unreachable" for target in targets if not target["ok"]
        ]
        if not database_ok:
            problems.insert(0, "database")
        age = outbox["oldest_pending_age_s"]
        if age is not None and age > outbox["max_age_s"]:
            problems.append("outbox backlog too old")
        report = {
            "status": "fail" if problems else "ok",
            "problems": problems,
            "database": {"ok": database_ok},
            "targets": targets,
            "outbox": outbox,
            "cron": self._prs_health_cron(),
            "checked_at": fields.Datetime.to_string(fields.Datetime.now()),
        }
        return not problems, report
