import json
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

_logger = logging.getLogger(__name__)


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
        """Monitoring probe: JSON health of the database, the Redis targets, the outbox
        and its cron; HTTP 200 when healthy, 503 when not. No session, no secrets."""
        try:
            # superuser: the probe has no user; the report holds counts, timings and
            # target names only (see prs.cache.target._prs_health).
            env = request.env(user=SUPERUSER_ID)
            healthy, report = env["prs.cache.target"]._prs_health()
        except Exception as error:  # the probe answers, whatever broke
            _logger.warning("/prs/health failed: %s", type(error).__name__)
            healthy, report = (
                False,
                {"status": "fail", "problems": ["database"], "database": {"ok": False}},
            )
        return request.make_response(
            json.dumps(report),
            headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            status=200 if healthy else 503,
        )
