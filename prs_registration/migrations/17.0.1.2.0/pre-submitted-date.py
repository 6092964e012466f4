"""17.0.1.2.0 (issue 16): ``prs_submitted_date``, the submitted day in the program's time
zone (the review desk's graph, pivot and day filters).

Filled here in one UPDATE before the ORM sees the new field: a column that exists when
the module loads is not recomputed record by record (minutes at a million registrations).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE event_registration ADD COLUMN IF NOT EXISTS prs_submitted_date date")
    cr.execute(
        """
        UPDATE event_registration r
           SET prs_submitted_date = ((r.prs_submitted_at AT TIME ZONE 'UTC')
                                     AT TIME ZONE COALESCE(NULLIF(e.date_tz, ''), 'UTC'))::date
          FROM event_event e
         WHERE e.id = r.event_id AND r.prs_submitted_at IS NOT NULL
        """
    )
