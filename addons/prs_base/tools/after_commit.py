"""Work on records after the current transaction commits (as ``bus.bus`` does): the ids
of one transaction are collected under a key and handled once, batch by batch, each batch
on its own new cursor committed at once."""

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry


def run_after_commit(env, key, ids, work, batch_size, on_error):
    """Call ``work(env, batch_ids)`` after the commit of ``env``'s transaction, as the
    superuser on a new cursor per batch of at most ``batch_size`` ids (sorted); the ids
    given under ``key`` during the transaction are collected and handled by one hook (a
    rollback drops the hook and the ids together). An exception in a batch is passed to
    ``on_error(error)`` and ends the hook: the caller's cron handles the rest."""
    postcommit = env.cr.postcommit
    pending_ids = postcommit.data.setdefault(key, set())
    if not pending_ids:
        dbname = env.cr.dbname

        @postcommit.add
        def after_commit():
            ordered = sorted(pending_ids)
            for start in range(0, len(ordered), batch_size):
                try:
                    with Registry(dbname).cursor() as cr:
                        work(
                            api.Environment(cr, SUPERUSER_ID, {}),
                            ordered[start : start + batch_size],
                        )
                except Exception as error:  # the change is committed: the cron retries
                    on_error(error)
                    return

    pending_ids.update(ids)
