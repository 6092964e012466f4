"""Participant preview helpers (pure Python): typed answers from a query string and
the visibility of each node for those answers."""

import datetime

from . import expression
from .serializer import BOOLEAN_TYPES, MULTI_TYPES, NUMBER_TYPES, iter_fields, parse_number


def parse_answers(tree, getlist):
    """Answers {code: value} from a query string (``getlist(name) -> [str]``).

    Empty inputs are left out; numbers become numbers when they parse; ticked boxes are
    true; multiple choices are lists. Files are not previewed.
    """
    answers = {}
    for _page, _section, field in iter_fields(tree):
        code, field_type = field["code"], field["type"]
        raw = [value for value in getlist(code) if value != ""]
        if field_type in ("file", "static"):
            continue
        if field_type in MULTI_TYPES:
            if raw:
                answers[code] = raw
        elif field_type in BOOLEAN_TYPES:
            if raw:
                answers[code] = True
            elif field_type == "boolean":
                answers[code] = False
        elif raw:
            value = raw[0]
            if field_type in NUMBER_TYPES:
                value = _number_or_text(value)
            answers[code] = value
    return answers


def _number_or_text(text):
    """The number in ``text``, or ``text`` itself for the validator to report."""
    try:
        return parse_number(text)
    except ValueError:
        return text


def hidden_nodes(tree, answers, today=None):
    """{(kind, code)} of the pages, sections and fields hidden by their conditions.

    Same order as the validator: page, then section, then field; a hidden field's
    answer is undefined for the conditions after it.
    """
    today = (today or datetime.date.today()).isoformat()
    context = dict(answers, today=today)
    hidden = set()
    for page in tree.get("pages", []):
        page_visible = expression.is_true(page.get("condition"), context)
        if not page_visible:
            hidden.add(("page", page["code"]))
        for section in page.get("sections", []):
            visible = page_visible and expression.is_true(section.get("condition"), context)
            if not visible:
                hidden.add(("section", section["code"]))
            for field in section.get("fields", []):
                if not visible or not expression.is_true(field.get("condition"), context):
                    hidden.add(("field", field["code"]))
                    context.pop(field["code"], None)
    return hidden
