import base64
import csv
import io
import itertools
import tempfile

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import xlsxwriter

from ..tools import export


class EventRegistrationExport(models.TransientModel):
    """Export registrations: one row each, static columns then one column per field code."""

    _name = "event.registration.export"
    _description = "Export Registrations"
    _order = "id desc"

    registration_ids = fields.Many2many("event.registration", string="Registrations", required=True)
    file_format = fields.Selection(
        [("xlsx", "Excel (XLSX)"), ("csv", "CSV")], default="xlsx", required=True
    )
    reveal = fields.Boolean(
        string="Reveal Sensitive Values",
        help="Needs the reveal right; every exported registration gets a reveal log entry.",
    )
    include_history = fields.Boolean(
        string="Include Answer History",
        help="After each registration, one row per answer set the participant replaced "
        "(the replaced step's answers, its step, change, submission and when it was "
        "replaced; the registration's other columns left empty).",
    )
    data = fields.Binary(readonly=True, attachment=False)
    filename = fields.Char(readonly=True)

    def _prs_build(self):
        """``(bytes, filename)`` of the export file (see :meth:`_prs_write`)."""
        with tempfile.TemporaryFile() as out:
            filename = self._prs_write(out)
            out.seek(0)
            return out.read(), filename

    def _prs_write(self, out):
        """Write the export file into the binary file object ``out``; return its name.

        The rows stream from the registrations (read in batches) into the file: CSV
        row by row, XLSX in xlsxwriter's ``constant_memory`` mode (each row flushed to
        a temporary file), so the memory used does not grow with the count."""
        self.ensure_one()
        # never ``registration_ids`` as is: reading it would read ``active`` (and with it
        # every column) of all the registrations at once to leave out the archived ones,
        # and hold the list of every chosen id; the export reads the ids from the
        # relation table in batches and leaves the archived ones out batch by batch
        field = self._fields["registration_ids"]
        self.flush_recordset(["registration_ids"])
        registrations = self.env["event.registration"]._prs_export_scope(
            field.relation, field.column1, field.column2, self.id
        )
        if not next(registrations._prs_export_id_batches(), None):
            raise UserError(_("Choose at least one registration to export."))
        if self.reveal:
            if not self.env.user.has_group("prs_registration.group_prs_reveal"):
                raise AccessError(_("You are not allowed to reveal sensitive answers."))
            self.registration_ids._prs_log_reveal(_("Export"))
        header, rows = registrations._prs_export_table(reveal=self.reveal)
        if self.include_history:
            header, rows = self.env["event.registration.answer.history"]._prs_export_rows(
                registrations, header, rows, reveal=self.reveal
            )
        stamp = fields.Datetime.now().strftime("%Y%m%d-%H%M%S")
        if self.file_format == "csv":
            text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            # text a spreadsheet would take for a formula is prefixed (CSV injection)
            writer.writerow([export.csv_cell(value) for value in header])
            for row in rows:
                writer.writerow([export.csv_cell(value) for value in row])
            text.flush()
            text.detach()  # ``out`` stays open for the caller
            return f"registrations-{stamp}.csv"
        # text is always written as text: never a formula ("=..."), a URL or a number
        workbook = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = workbook.add_worksheet(_("Registrations"))
        bold = workbook.add_format({"bold": True})
        sheet.freeze_panes(1, 0)
        for index, row in enumerate(itertools.chain([header], rows)):
            for column, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(index, column, value, bold if index == 0 else None)
                else:
                    sheet.write(index, column, value)
        workbook.close()
        return f"registrations-{stamp}.xlsx"

    def action_export(self):
        """Build the file and send the browser to download it once: the download
        (``/prs_registration/export/<id>``) removes it from the database."""
        content, filename = self._prs_build()
        self.write({"data": base64.b64encode(content), "filename": filename})
        return {
            "type": "ir.actions.act_url",
            "url": f"/prs_registration/export/{self.id}",
            "target": "self",
        }

    def _prs_take_file(self):
        """``(filename, bytes)`` of the built file, which is removed from the wizard: an
        export (possibly with revealed values) is not kept in the database. Only the
        wizard's creator reads it (record rule)."""
        self.ensure_one()
        if not self.data:
            return None, None
        filename, content = self.filename, base64.b64decode(self.data)
        self.write({"data": False})
        return filename, content
