"""17.0.1.2.0 (issue 16): the PRS state mails are sent in the participant's language
(``lang``: ``object._prs_mail_lang()``) and the rejection mail shows the reason.

The templates live in a ``noupdate`` data file, which an update never rewrites: load it
again as on install, so the four templates that existed before get the new text (the
receipt and the cancellation templates were just created by the update). A PRS
administrator's own edits of these templates are replaced by the shipped text.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import convert_file


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    convert_file(
        env,
        "prs_registration",
        "data/mail_template_data.xml",
        {},
        mode="init",
        noupdate=True,
        kind="data",
    )
