"""Registrations as a table (no ORM): answer columns and cell values of the export."""

from odoo.addons.prs_form_builder.tools import form_tree

from . import privacy


def answer_columns(trees):
    """Field codes in order of first appearance over ``trees`` (static blocks left out).

    Given every version of the exported flows' forms (steps in flow order, versions
    oldest first), the columns do not move when a form gets a new version.
    """
    codes = {}
    for tree in trees:
        for __, __, field in form_tree.iter_fields(tree):
            if field.get("type") not in form_tree.STATIC_TYPES:
                codes.setdefault(field["code"], None)
    return list(codes)


def merged_answers(answers):
    """``{field code: value}`` of stored answers ``{step code: {field code: value}}``;
    the first step answering a code wins."""
    merged = {}
    for step_answers in (answers or {}).values():
        for code, value in (step_answers or {}).items():
            merged.setdefault(code, value)
    return merged


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


def answer_cells(answers, codes, yes="Yes", no="No", decrypt=None):
    """The cells of the answer columns ``codes`` for one registration's stored
    ``answers``; encrypted values masked unless ``decrypt(value)`` is given."""
    merged = merged_answers(answers)
    cells = []
    for code in codes:
        value = merged.get(code, "")
        if privacy.is_encrypted(value):
            value = decrypt(value) if decrypt else privacy.MASK
        cells.append(cell(value, yes, no))
    return cells
