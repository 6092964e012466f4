import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.prs_base.tools.after_commit import run_after_commit

from .event_registration import STATE_MAIL_TEMPLATES

_logger = logging.getLogger(__name__)

#: ``cr.postcommit.data`` key: ids of the registrations marked with a state mail in the
#: transaction (one after-commit hook per transaction sends them all)
POSTCOMMIT_KEY = "prs_registration.state_mail_ids"
#: registrations whose mails one short transaction renders (hook and cron)
MAIL_BATCH_SIZE = 100


class EventRegistration(models.Model):
    """The state mails (README "Intake contract", *Mails*), rendered and queued AFTER
    the commit of the state change: the change marks the registration with the state
    whose mail is due (``prs_mail_pending``, in the state's own UPDATE), an after-commit
    hook renders the mails of the transaction's registrations on a new cursor, and the
    cron sends what a crash between the commit and the hook left pending.

    One mail per state change as the participant sees it: the mail of the state a
    registration is in when the mail is rendered. Two changes in one transaction send
    the mail of the final state; a change committed while an earlier one's mail is
    still pending (its hook failed, the cron has not run yet) replaces that mail, so a
    participant is never told of a state the registration already left."""

    _inherit = "event.registration"

    prs_mail_pending = fields.Char(
        string="Pending State Mail",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The state whose mail is still to be rendered and queued (after the commit "
        "of the state change, or by the cron); empty once queued.",
    )

    # Marking (in the state-changing write) -----------------------------------------------

    def _prs_mark_state_mail(self, vals, written):
        """Mark these registrations (changing state with ``vals``) with the state whose
        mail is due, or clear a pending one when the new state sends none; return the
        values of the write under way (of ``written``) with the mark added when every
        written record takes the same one, so that it goes out in the state's own
        UPDATE. Otherwise the marks are written here (same flush). The after-commit
        hook is registered for the marked ones."""
        state = vals["prs_state"]
        mails = STATE_MAIL_TEMPLATES.get(state) and not self.env.context.get("prs_no_mail")

        def mark(registration):
            if not mails:
                return False  # (nothing read: intake's first step stays in its budget)
            # the values of the write win over the record's (the hook checks again)
            email = vals["email"] if "email" in vals else registration.email
            is_test = vals["prs_is_test"] if "prs_is_test" in vals else registration.prs_is_test
            return state if mails and email and not is_test else False

        marks = {registration.id: mark(registration) for registration in self}
        if self and self == written and len(set(marks.values())) == 1:
            vals = dict(vals, prs_mail_pending=next(iter(marks.values())))
        else:
            for value, registrations in self.grouped(lambda r: marks[r.id]).items():
                # sudo: the mark is bookkeeping of the change the caller was allowed to
                # make (the field is refused to direct writes)
                registrations = registrations.sudo().filtered(
                    lambda r, value=value: r.prs_mail_pending != value
                )
                if registrations:
                    registrations.write({"prs_mail_pending": value})
        self.filtered(lambda r: marks[r.id])._prs_send_state_mail_after_commit()
        return vals

    def _prs_send_state_mail_after_commit(self):
        """Render and queue the pending state mails of these registrations right after
        the commit, on a new cursor (once per transaction; a rollback drops the hook and
        the marks together). Without a hook run (crash, module install), the cron sends
        them."""
        if not self or not self.env.registry.ready:
            return

        def send(env, ids):
            env["event.registration"].browse(ids)._prs_send_pending_state_mails()

        def failed(error):
            _logger.error("State mails after commit failed, the cron will retry", exc_info=error)

        run_after_commit(self.env, POSTCOMMIT_KEY, self.ids, send, MAIL_BATCH_SIZE, failed)

    # Sending (after commit: the hook, the cron) ------------------------------------------

    @api.model
    def _cron_send_state_mails(self):
        """Cron: queue the state mails still pending (a crash between a commit and its
        hook), batch after batch; re-trigger itself when more remain."""
        sent = self.browse()._prs_send_pending_state_mails(limit=MAIL_BATCH_SIZE * 4)
        if len(sent) >= MAIL_BATCH_SIZE * 4:
            self.env.ref("prs_registration.ir_cron_prs_state_mails")._trigger()
        return sent

    def _prs_claim_pending_mails(self, limit=None):
        """Lock the pending registrations (these ones, or any when empty) for this
        transaction: ``{id: state whose mail is due}``. Rows another transaction holds
        (the hook of another commit, the cron, a state change under way) are skipped;
        rows changed since this transaction's snapshot (another sender just cleared
        them) make PostgreSQL refuse the lock: nothing is claimed, the next run sends
        what is left. Either way one mail is rendered once."""
        self.env.flush_all()
        conditions = [SQL("prs_mail_pending IS NOT NULL")]
        if self.ids:
            conditions.append(SQL("id IN %s", tuple(self.ids)))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT id, prs_mail_pending FROM event_registration WHERE %s
                         ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                        """,
                        SQL(" AND ").join(conditions),
                        limit,
                    )
                )
                return dict(self.env.cr.fetchall())
        except SerializationFailure:
            _logger.debug("State mails: rows changed by a concurrent sender, left to the next run")
            return {}

    def _prs_send_pending_state_mails(self, limit=None):
        """Render and queue (``force_send=False``: the mail queue sends them) the
        pending mail of these registrations (or of any when called on an empty
        recordset), in the participant's language (the templates' ``lang``), and clear
        the marks. Test registrations and registrations without an email get none.
        Returns the registrations processed."""
        pending = self._prs_claim_pending_mails(limit)
        # sudo: the after-commit hook and the cron send the mails of state changes their
        # callers were allowed to make; nothing is returned to a user
        registrations = self.sudo().browse(list(pending)).with_context(active_test=False)
        recipients = registrations.filtered(lambda r: r.email and not r.prs_is_test)
        for state, group in recipients.grouped(lambda r: pending[r.id]).items():
            xmlid = STATE_MAIL_TEMPLATES.get(state)
            template = xmlid and self.env.ref(xmlid, raise_if_not_found=False)
            if template:
                # sudo: the template is ours, rendered for these registrations only
                template.sudo().send_mail_batch(group.ids, force_send=False)
        if registrations:
            self.env.cr.execute(
                SQL(
                    "UPDATE event_registration SET prs_mail_pending = NULL WHERE id IN %s",
                    tuple(registrations.ids),
                )
            )
            registrations.invalidate_recordset(["prs_mail_pending"])
        return registrations
