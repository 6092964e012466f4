import hmac
import json
import logging
import threading
import time

from odoo import SUPERUSER_ID, http
from odoo.http import request

_logger = logging.getLogger(__name__)

# The report is computed at most once per HEALTH_CACHE_SECONDS per database and process:
# many probes (or a flood of requests while Redis is unreachable, each ping waiting for
# its timeouts) share one computation instead of tying up the workers.
HEALTH_CACHE_SECONDS = 5.0
MONITORING_TOKEN_PARAM = "prs_cache_sync.monitoring_token"
_CACHE = {}  # dbname -> (monotonic expiry, healthy, report)
_LOCKS = {}
_LOCKS_GUARD = threading.Lock()


def _db_lock(dbname):
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(dbname, threading.Lock())


def monitoring_allowed(env):
    """True when the request may see details: it carries the monitoring token (system
    parameter ``prs_cache_sync.monitoring_token``; header ``Authorization: Bearer <token>``
    or ``?token=``), or comes from the session of a Global PRS administrator. ``env`` is a
    superuser environment of the request's database."""
    # sudo (env is the superuser's): the token is compared, never returned.
    token = env["ir.config_parameter"].get_param(MONITORING_TOKEN_PARAM) or ""
    header = request.httprequest.headers.get("Authorization", "")
    given = header[7:].strip() if header[:7].lower() == "bearer " else ""
    given = given or request.httprequest.args.get("token", "")
    if token and given and hmac.compare_digest(token.encode(), given.encode()):
        return True
    uid = request.session.uid if request.session else None
    if uid and request.session.db == env.cr.dbname:
        user = env["res.users"].browse(uid).exists()
        return bool(user) and user.has_group("prs_base.group_prs_administrator")
    return False


def cached_health(env):
    """``(healthy, report)`` of ``env``'s database, at most HEALTH_CACHE_SECONDS old."""
    dbname = env.cr.dbname
    cached = _CACHE.get(dbname)
    if cached and cached[0] > time.monotonic():
        return cached[1], cached[2]
    with _db_lock(dbname):  # one computation at a time; the others read its result
        cached = _CACHE.get(dbname)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        healthy, report = env["prs.cache.target"]._prs_health()
        _CACHE[dbname] = (time.monotonic() + HEALTH_CACHE_SECONDS, healthy, report)
        return healthy, report


def clear_cache():
    _CACHE.clear()


class PrsHealthController(http.Controller):
    @http.route(
        "/prs/health",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def prs_health(self, **kwargs):
        """Monitoring probe: HTTP 200 when healthy, 503 when not. The public answer is
        ``{"status"}`` only; the monitoring token or an administrator's session gets the
        whole report (database, targets, outbox, cron, problems). No secrets in either."""
        detailed = False
        try:
            # superuser: the probe has no user; the report holds counts, timings and
            # target names only (see prs.cache.target._prs_health).
            env = request.env(user=SUPERUSER_ID)
            healthy, report = cached_health(env)
            detailed = monitoring_allowed(env)
        except Exception as error:  # the probe answers, whatever broke
            _logger.warning("/prs/health failed: %s", type(error).__name__)
            healthy, report = (
                False,
                {"status": "fail", "problems": ["database"], "database": {"ok": False}},
            )
        body = report if detailed else {"status": report["status"]}
        return request.make_response(
            json.dumps(body),
            headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            status=200 if healthy else 503,
        )
