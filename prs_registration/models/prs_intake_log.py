import logging
from datetime import timedelta

import psycopg2

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
# the ORM's log columns, set by :meth:`PrsIntakeLog._prs_insert_query` itself
MAGIC_COLUMNS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})


class PrsIntakeLog(models.Model):
    """One ``prs_submit`` or worker method call: which, who, from where, when, what,
    how it ended and how long it took. Rows are written on a separate cursor, so they
    survive a call whose own transaction rolls back, and writing them never makes the
    call fail."""

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
    method = fields.Selection(
        [
            ("prs_submit", "Submit a Step"),
            ("prs_record_payment", "Record a Payment"),
            ("prs_cancel_registration", "Cancel (Participant)"),
            ("prs_registration_status", "Registration Status"),
        ],
        default="prs_submit",
        readonly=True,
        index=True,
        help='The RPC method called (README "Intake contract", "Worker methods").',
    )
    submission_id = fields.Char(
        readonly=True, index=True, help="Submission id, or a worker method's operation id."
    )
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
                env = api.Environment(cr, SUPERUSER_ID, {})
                # One round trip: the lock timeout, the row (an append-only log row needs
                # none of the ORM's create: no compute, no chatter, no cache) and the
                # call's metrics, counted in the same short transaction after a savepoint
                # (counts that fail never cost the row).
                metrics = env["prs.metrics"]
                counts = metrics._prs_add_query(metrics._prs_intake_increments(vals))
                statement = SQL(
                    "SET LOCAL lock_timeout = %s; %s",
                    LOCK_TIMEOUT_MS,
                    env[self._name]._prs_insert_query(vals),
                )
                if counts is not None:
                    statement = SQL(
                        "%s; SAVEPOINT prs_intake_metrics; %s; "
                        "RELEASE SAVEPOINT prs_intake_metrics",
                        statement,
                        counts,
                    )
                try:
                    cr.execute(statement, log_exceptions=False)
                except psycopg2.Error as error:
                    if counts is None:
                        raise
                    try:
                        # the row is in when only the counts failed (after the savepoint)
                        cr.execute("ROLLBACK TO SAVEPOINT prs_intake_metrics", log_exceptions=False)
                    except psycopg2.Error:
                        raise error from None
                    metrics._prs_count_failed(error)
        except Exception as error:  # logging must never break an intake call
            _logger.warning(
                "prs.intake.log: could not record the call of %s: %s",
                vals.get("submission_id"),
                type(error).__name__,
            )
            return False
        return True

    @api.model
    def _prs_insert_query(self, vals):
        """The ``INSERT`` of one row of ``vals`` with the fields' defaults and the log
        columns (``create_uid``, ``create_date``, ...) the ORM's create would add."""
        vals = dict(vals)
        for name, field in self._fields.items():
            # the fields' own defaults (a log row has no user-set ones: no ir.default)
            if name not in vals and field.default and field.store and name not in MAGIC_COLUMNS:
                vals[name] = field.default(self)
        now = SQL("(now() AT TIME ZONE 'UTC')")
        values = {"create_uid": self.env.uid, "write_uid": self.env.uid}
        for name, value in vals.items():
            field = self._fields[name]
            if field.store and field.column_type and name not in MAGIC_COLUMNS:
                values[name] = field.convert_to_column(value, self)
        names = sorted(values)
        return SQL(
            "INSERT INTO %s (%s, create_date, write_date) VALUES (%s, %s, %s)",
            SQL.identifier(self._table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL(", ").join(SQL("%s", values[name]) for name in names),
            now,
            now,
        )

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
