"""Registrations as a table (no ORM): answer columns and cell values of the export."""

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


def answer_cells(answers, columns, yes="Yes", no="No", decrypt=None):
    """The cells of the answer ``columns`` ``[(step code, field code)]`` for one
    registration's stored ``answers`` ``{step code: {field code: value}}``; encrypted
    values masked unless ``decrypt(value)`` is given."""
    answers = answers or {}
    cells = []
    for step_code, code in columns:
        value = (answers.get(step_code) or {}).get(code, "")
        if privacy.is_encrypted(value):
            value = decrypt(value) if decrypt else privacy.MASK
        cells.append(cell(value, yes, no))
    return cells


def history_rows(rows, static_width, entries_of, columns, yes="Yes", no="No", decrypt=None):
    """Yield the export ``rows`` with their answer history: each registration row (its
    first cell the registration id) with an empty *Replaced On* cell, then one row per
    replaced answer set ``entries_of(registration id)`` ``[(step code, answers, replaced
    on)]`` (oldest first): the registration's first ``static_width`` cells, the cells of
    the replaced step's answers only (:func:`answer_cells`) and when they were replaced.
    A generator: rows stream through."""
    for row in rows:
        row = list(row)
        yield [*row, ""]
        for step_code, answers, replaced_on in entries_of(row[0]):
            cells = answer_cells({step_code: answers}, columns, yes, no, decrypt)
            yield [*row[:static_width], *cells, replaced_on]


def is_formula_like(value):
    """Whether a text cell would be read as a formula by a spreadsheet application."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_cell(value):
    """A cell for the CSV file: text that a spreadsheet would take for a formula is
    prefixed with ``'`` (shown as text, as OWASP recommends); other values unchanged."""
    return "'" + value if is_formula_like(value) else value
