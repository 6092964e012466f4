"""17.0.1.2.0 (issue 16): participants as contacts (README "Intake contract").

Registrations made before the update get their contact the way intake links new ones
(normalised email, then phone, else a new contact) and their duplicate flag; the new
columns and indexes are created by the update itself.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["event.registration"]._prs_backfill_partners()
