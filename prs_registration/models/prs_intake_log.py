import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

from odoo.addons.prs_base.tools.config import param_int

_logger = logging.getLogger(__name__)

DAYS_PARAM = "prs_registration.intake_log_days"
DEFAULT_DAYS = 30
PURGE_BATCH = 10000
# The log is written on its own cursor while the caller's transaction is still open:
# never wait long for a lock that transaction may hold (it would wait on itself).
LOCK_TIMEOUT_MS = 2000


class PrsIntakeLog(models.Model):
    """One ``prs_submit`` call: who, from where, when, what, how it ended and how long
    it took. Rows are written on a separate cursor, so they survive a call whose own
    transaction rolls back, and writing them never makes the call fail."""

    _name = "prs.intake.log"
    _description = "Intake Access Log"
    _order = "call_date desc, id desc"
    _rec_name = "submission_id"

    call_date = fields.Datetime(string="Called On", required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="User", readonly=True, ondelete="set null", index=True
    )
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    user_agent = fields.Char(readonly=True, help="User-Agent header of the HTTP request.")
    endpoint = fields.Char(
        readonly=True,
        help="HTTP endpoint of the call (/xmlrpc/2/object, /jsonrpc, ...); empty when the "
        "call did not come over HTTP (a server action, a shell).",
    )
    submission_id = fields.Char(readonly=True, index=True)
    program_id = fields.Integer(string="Program ID", readonly=True, index=True)
    flow_id = fields.Integer(string="Flow ID", readonly=True)
    step_id = fields.Integer(string="Step ID", readonly=True)
    registration_id = fields.Integer(string="Registration ID", readonly=True)
    result = fields.Selection(
        [("ok", "Accepted"), ("error", "Refused")], required=True, readonly=True, index=True
    )
    error_codes = fields.Char(
        readonly=True, help="Distinct error codes of a refused call, comma-separated."
    )
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    error_detail = fields.Text(
        readonly=True,
        help="Server-side detail of a refusal (a missing setting, a database error), "
        "never returned to the caller.",
    )

    @api.model
    def _prs_write(self, vals):
        """Insert one row on a separate cursor, committed at once (independent of the
        caller's transaction). Never raises: a failure is logged and forgotten."""
        try:
            with self.pool.cursor() as cr:
                cr.execute(SQL("SET LOCAL lock_timeout = %s", LOCK_TIMEOUT_MS))
                env = api.Environment(cr, SUPERUSER_ID, {})
                env[self._name].create(vals)
                # the call's metrics are counted in the same short transaction
                env["prs.metrics"]._prs_add(env["prs.metrics"]._prs_intake_increments(vals), cr=cr)
        except Exception as error:  # logging must never break an intake call
            _logger.warning(
                "prs.intake.log: could not record the call of %s: %s",
                vals.get("submission_id"),
                type(error).__name__,
            )
            return False
        return True

    @api.model
    def _prs_retention_days(self):
        return param_int(self.env, DAYS_PARAM, DEFAULT_DAYS)

    @api.model
    def _cron_purge(self):
        """Daily: delete the rows older than ``prs_registration.intake_log_days``."""
        limit = fields.Datetime.now() - timedelta(days=self._prs_retention_days())
        total = 0
        while True:
            rows = self.search([("call_date", "<", limit)], limit=PURGE_BATCH)
            if not rows:
                break
            total += len(rows)
            rows.unlink()
        if total:
            _logger.info("prs.intake.log: purged %s row(s) older than %s", total, limit)
        return total
