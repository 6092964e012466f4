import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

from odoo.addons.prs_base.tools import metrics

from .health import monitoring_allowed

_logger = logging.getLogger(__name__)


class PrsMetricsController(http.Controller):
    @http.route(
        "/prs/metrics",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def prs_metrics(self, **kwargs):
        """Prometheus / OpenMetrics text of the request's database, for the monitoring
        token (system parameter ``prs_cache_sync.monitoring_token``, in the header
        ``Authorization: Bearer <token>`` only) or an administrator's session;
        403 for anyone else. OpenMetrics when the scraper asks for it (``Accept``)."""
        # superuser: the scrape has no user; it reads counts, names and timings only,
        # after the token (or the administrator's session) was checked.
        env = request.env(user=SUPERUSER_ID)
        if not monitoring_allowed(env):
            return request.make_response(
                "forbidden: monitoring token required\n",
                headers=[("Content-Type", "text/plain"), ("Cache-Control", "no-store")],
                status=403,
            )
        openmetrics = "application/openmetrics-text" in request.httprequest.headers.get(
            "Accept", ""
        )
        body = env["prs.metrics"]._prs_render(openmetrics=openmetrics)
        return request.make_response(
            body,
            headers=[
                (
                    "Content-Type",
                    metrics.OPENMETRICS_TYPE if openmetrics else metrics.PROMETHEUS_TYPE,
                ),
                ("Cache-Control", "no-store"),
            ],
        )
