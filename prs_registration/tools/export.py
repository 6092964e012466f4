"""Registrations as a table (no ORM): answer columns and cell values of the export."""

from odoo.tools import split_every

from odoo.addons.prs_form_builder.tools import form_tree

from . import privacy

#: A cell starting with one of these is a formula to a spreadsheet application (CSV
#: injection); tab and carriage return start one in some of them too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Registrations read (and dropped from the ORM cache) at a time while exporting.
BATCH_SIZE = 1000


def answer_columns(step_trees):
    """``[(step code, field code)]`` in order of first appearance over ``step_trees``
    ``[(step code, tree)]`` (static blocks left out).

    Columns are qualified by their step: two steps asking the same field code keep
    their own column. Given every version of the exported flows' forms (steps in flow
    order, versions oldest first), the columns do not move when a form gets a new
    version.
    """
    columns = {}
    for step_code, tree in step_trees:
        for __, __, field in form_tree.iter_fields(tree):
            if field.get("type") not in form_tree.STATIC_TYPES:
                columns.setdefault((step_code, field["code"]), None)
    return list(columns)


def sensitive_columns(step_trees):
    """``{(step code, field code)}`` of the fields sensitive in any of ``step_trees``
    ``[(step code, tree)]``: a value given before its field was made sensitive is
    stored in plaintext, and is masked as the encrypted ones are."""
    return {
        (step_code, code)
        for step_code, tree in step_trees
        for code in privacy.sensitive_codes(tree)
    }


def column_label(column):
    """The header of an answer column: ``<step code>.<field code>`` (the names form
    conditions use)."""
    return "{}.{}".format(*column)


def cell(value, yes="Yes", no="No"):
    """One answer as a spreadsheet cell: a file by its name, a list joined by ``; ``."""
    if isinstance(value, dict):
        return value.get("name") or ""
    if isinstance(value, list):
        return "; ".join(str(cell(v, yes, no)) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes if value else no
    return value


def answer_cells(answers, columns, yes="Yes", no="No", decrypt=None, sensitive=()):
    """The cells of the answer ``columns`` ``[(step code, field code)]`` for one
    registration's stored ``answers`` ``{step code: {field code: value}}``; encrypted
    values, and any answer of a ``sensitive`` column, masked unless ``decrypt(value)``
    is given."""
    answers = answers or {}
    cells = []
    for column in columns:
        step_code, code = column
        value = (answers.get(step_code) or {}).get(code, "")
        if privacy.is_encrypted(value):
            value = decrypt(value) if decrypt else privacy.MASK
        elif column in sensitive and not decrypt and value not in ("", None):
            value = privacy.MASK
        cells.append(cell(value, yes, no))
    return cells


def history_rows(rows, static_width, entries_for, columns, yes="Yes", no="No", **options):
    """Yield the export ``rows`` with their answer history, ``BATCH_SIZE`` rows at a
    time: each registration row (its first cell the registration id) with empty history
    cells, then one row per replaced answer set of it. ``entries_for(registration ids)``
    reads the history of one batch only: ``{registration id: [(step, change,
    submission, replaced on, step code, answers)]}`` (oldest first), so the memory used
    does not grow with the history count.

    A history row holds the registration id, empty static cells (the others describe
    the registration now, not then), the cells of the replaced step's answers only
    (:func:`answer_cells`, ``options`` its ``decrypt``/``sensitive``), then its step,
    change, submission and when it was replaced."""
    for batch in split_every(BATCH_SIZE, rows):
        entries = entries_for([row[0] for row in batch])
        for row in batch:
            yield [*row, "", "", "", ""]
            for step, change, submission, replaced_on, step_code, answers in entries.get(
                row[0], ()
            ):
                cells = answer_cells({step_code: answers}, columns, yes, no, **options)
                yield [
                    row[0],
                    *[""] * (static_width - 1),
                    *cells,
                    step,
                    change,
                    submission,
                    replaced_on,
                ]


def is_formula_like(value):
    """Whether a text cell would be read as a formula by a spreadsheet application."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_cell(value):
    """A cell for the CSV file: text that a spreadsheet would take for a formula is
    prefixed with ``'`` (shown as text, as OWASP recommends); other values unchanged."""
    return "'" + value if is_formula_like(value) else value
