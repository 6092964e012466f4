"""17.0.1.2.0 (issue 16): worker methods beside ``prs_submit`` (README "Worker methods").

The intake log now names the method of each call: every row logged before is a
``prs_submit`` call. Accepted submissions get their ``operation`` (``submit``) from the
field's default when the column is added; registrations start their integration events'
counter (``prs_event_seq``) at 0 (their next state change is event 1).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE prs_intake_log SET method = 'prs_submit' WHERE method IS NULL")
