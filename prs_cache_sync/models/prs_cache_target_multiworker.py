from datetime import timedelta

from psycopg2.extensions import TransactionRollbackError

from odoo import fields, models

# A success is recorded on the target at most this often (seconds) while nothing changes.
SUCCESS_TOUCH_INTERVAL = 60


class PrsCacheTarget(models.Model):
    """Status bookkeeping that is safe with several delivery workers.

    Every delivery transaction of a target used to update the target's row
    (``last_success_date``): with two workers (prefork workers, cron threads, the
    after-commit delivery) the second one waited for the first's row lock and then
    failed with a serialization error *after* its writes had reached Redis, so they
    were sent again. The status is now written in a savepoint that skips a row another
    transaction holds and gives up on a concurrent update: the delivering transaction
    never waits for, nor fails on, a shared row.
    """

    _inherit = "prs.cache.target"

    def _prs_update_status(self, values, only_if=None):
        """Write ``values`` (``{column: value}`` of status columns) on these targets'
        rows unless another transaction is writing them; ``only_if``: extra SQL
        condition (with its parameters) that the rows must meet. Returns the ids
        written."""
        if not self:
            return []
        self.flush_recordset(list(values))
        assignments = ", ".join(f"{column} = %s" for column in values)
        condition, condition_params = only_if or ("TRUE", [])
        # Column names and the condition come from the methods below, never from input.
        query = f"""
            UPDATE prs_cache_target SET {assignments}
             WHERE id IN (SELECT id FROM prs_cache_target
                           WHERE id IN %s AND ({condition})
                             FOR NO KEY UPDATE SKIP LOCKED)
            RETURNING id
        """
        params = [*values.values(), tuple(self.ids), *condition_params]
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, params, log_exceptions=False)  # pylint: disable=sql-injection
                written = [row[0] for row in cr.fetchall()]
        except TransactionRollbackError:
            # another worker updated these rows since this transaction began: theirs is
            # as recent as ours; the delivery itself must not fail for it
            written = []
        self.invalidate_recordset(list(values))
        return written

    def _prs_record_success(self):
        """Clear the last error and refresh ``last_success_date`` (at most once per
        ``SUCCESS_TOUCH_INTERVAL`` while nothing changes)."""
        now = fields.Datetime.now()
        return self._prs_update_status(
            {"last_error": None, "last_success_date": now},
            (
                "last_error IS NOT NULL OR last_success_date IS NULL OR last_success_date < %s",
                [now - timedelta(seconds=SUCCESS_TOUCH_INTERVAL)],
            ),
        )

    def _prs_record_failure(self, message):
        """Store the (redacted) last error and when it happened."""
        return self._prs_update_status(
            {"last_error": message, "last_error_date": fields.Datetime.now()}
        )
