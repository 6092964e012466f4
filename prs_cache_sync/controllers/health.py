import hmac
import json
import logging
import threading
import time

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models import prs_cache_target

_logger = logging.getLogger(__name__)

# The report is computed at most once per HEALTH_CACHE_SECONDS per database and process,
# by one request at a time: the others (a flood of probes, anonymous or not) get the last
# report at once, never a live ping. The refreshing request pings every target in
# parallel under one deadline (prs.cache.target HEALTH_PING_DEADLINE), so no request waits
# longer than that deadline plus a few queries, however many targets hang.
HEALTH_CACHE_SECONDS = 5.0
# A request that finds no report yet (the process's first ones) waits for the refreshing
# request at most this long (the ping deadline and a margin for its queries).
HEALTH_FIRST_WAIT_SECONDS = prs_cache_target.HEALTH_PING_DEADLINE + 0.5
MONITORING_TOKEN_PARAM = "prs_cache_sync.monitoring_token"
_CACHE = {}  # dbname -> (monotonic time the computation started, healthy, report)
_LOCKS = {}
_LOCKS_GUARD = threading.Lock()


def _db_lock(dbname):
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(dbname, threading.Lock())


def monitoring_allowed(env):
    """True when the request may see details: it carries the monitoring token (system
    parameter ``prs_cache_sync.monitoring_token``) in the header
    ``Authorization: Bearer <token>``, or comes from the session of a Global PRS
    administrator. ``env`` is a superuser environment of the request's database. A token
    in the query string (``?token=``) is ignored: URLs end up in access logs."""
    # sudo (env is the superuser's): the token is compared, never returned.
    token = env["ir.config_parameter"].get_param(MONITORING_TOKEN_PARAM) or ""
    header = request.httprequest.headers.get("Authorization", "")
    given = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if token and given and hmac.compare_digest(token.encode(), given.encode()):
        return True
    uid = request.session.uid if request.session else None
    if uid and request.session.db == env.cr.dbname:
        user = env["res.users"].browse(uid).exists()
        return bool(user) and user.has_group("prs_base.group_prs_administrator")
    return False


def cached_health(env):
    """``(healthy, report)`` of ``env``'s database. A report younger than
    HEALTH_CACHE_SECONDS is returned as is; an older one is refreshed by this request
    unless another one is refreshing it, in which case the older report is returned at
    once. Only with no report at all does a request wait for the refreshing one, at most
    HEALTH_FIRST_WAIT_SECONDS (then it answers "fail": the check is still running)."""
    dbname = env.cr.dbname
    cached = _CACHE.get(dbname)
    if cached and time.monotonic() - cached[0] < HEALTH_CACHE_SECONDS:
        return cached[1], cached[2]
    lock = _db_lock(dbname)
    if cached:
        acquired = lock.acquire(blocking=False)
    else:
        acquired = lock.acquire(timeout=HEALTH_FIRST_WAIT_SECONDS)
    if not acquired:
        cached = _CACHE.get(dbname)
        if cached:
            return cached[1], cached[2]
        return False, {"status": "fail", "problems": ["health check still running"]}
    try:
        cached = _CACHE.get(dbname)  # refreshed while this request waited for the lock
        if cached and time.monotonic() - cached[0] < HEALTH_CACHE_SECONDS:
            return cached[1], cached[2]
        started = time.monotonic()
        healthy, report = env["prs.cache.target"]._prs_health()
        _CACHE[dbname] = (started, healthy, report)
        return healthy, report
    finally:
        lock.release()


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
