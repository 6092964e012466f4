import csv
import io
from unittest.mock import patch

from odoo.tests import tagged

from ..tools import export
from .common import PrsRegistrationCase


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestExportStream(PrsRegistrationCase):
    """The export streams its rows: the registrations are read in batches, each dropped
    from the cache once written, and the archived ones are still left out."""

    def _csv_rows(self, registrations):
        wizard = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, registrations.ids)], "file_format": "csv"})
        )
        content, filename = wizard._prs_build()
        self.assertTrue(filename.endswith(".csv"))
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    def test_batches_keep_every_row_in_order(self):
        """Batches of 2 over 5 registrations: every registration once, by id, with its
        answers; a batch's registrations leave the cache once written."""
        registrations = self.Registration.browse(
            [self.register(first_name=f"Name{index}").id for index in range(5)]
        )
        answers_field = self.Registration._fields["answers"]
        seen_cached = []
        original = export.answer_cells

        def answer_cells(*args, **kwargs):
            # registrations of earlier batches are no longer cached when a later row
            # is built
            seen_cached.append(
                sum(
                    1
                    for registration in registrations
                    if self.env.cache.contains(registration.sudo(), answers_field)
                )
            )
            return original(*args, **kwargs)

        self.env.invalidate_all()
        with (
            patch.object(export, "BATCH_SIZE", 2),
            patch.object(export, "answer_cells", answer_cells),
        ):
            rows = self._csv_rows(registrations)
        ids = [int(row[0]) for row in rows[1:]]
        self.assertEqual(ids, sorted(registrations.ids))
        first_names = [row[rows[0].index("First Name")] for row in rows[1:]]
        self.assertEqual(first_names, [f"Name{index}" for index in range(5)])
        self.assertEqual(len(seen_cached), 5)
        self.assertLessEqual(max(seen_cached), 2, seen_cached)

    def test_archived_left_out(self):
        """An archived registration chosen for the export is not exported."""
        kept, archived = self.register(), self.register()
        archived.active = False
        rows = self._csv_rows(kept | archived)
        self.assertEqual([int(row[0]) for row in rows[1:]], [kept.id])

    def test_chosen_ids_read_from_the_relation_table_in_batches(self):
        """The export never loads the wizard's list of chosen registrations (memory
        flat in the count): the ids come from its relation table, one batch at a time,
        and every chosen registration is exported once."""
        registrations = self.Registration.browse([self.register().id for _index in range(5)])
        wizard = (
            self.env["event.registration.export"]
            .with_user(self.coordinator)
            .create({"registration_ids": [(6, 0, registrations.ids)], "file_format": "csv"})
        )
        self.env.invalidate_all()
        field = wizard._fields["registration_ids"]
        scope = self.Registration.with_user(self.coordinator)._prs_export_scope(
            field.relation, field.column1, field.column2, wizard.id
        )
        with patch.object(export, "BATCH_SIZE", 2):
            batches = list(scope._prs_export_id_batches())
            content, __ = wizard._prs_build()
        ids = sorted(registrations.ids)
        self.assertEqual(batches, [ids[0:2], ids[2:4], ids[4:]])
        self.assertFalse(self.env.cache.contains(wizard, field), "the id list is never read")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        self.assertEqual([int(row[0]) for row in rows[1:]], sorted(registrations.ids))
