"""17.0.1.1.0: event.registration.event_id keeps core's definition again.

Before, the registration mixin redefined ``event_id`` with ``index=True``; Odoo never drops
an index it no longer declares, so databases installed then keep
``event_registration__event_id_index``. Drop it: the column is core's, unindexed.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier("event_registration__event_id_index")))
