"""Participant preview helpers (pure Python): typed answers from a query string (the
visibility of each node comes from :func:`form_tree.visibility`)."""

from . import form_tree
from .form_tree import BOOLEAN_TYPES, FILE_TYPES, MULTI_CHOICE_TYPES, NUMBER_TYPES, STATIC_TYPES
from .serializer import parse_number


def parse_answers(tree, getlist):
    """Answers {code: value} from a query string (``getlist(name) -> [str]``).

    Empty inputs are left out; numbers become numbers when they parse; ticked boxes are
    true; multiple choices are lists. Files are not previewed.
    """
    answers = {}
    for _page, _section, field in form_tree.iter_fields(tree):
        code, field_type = field["code"], field["type"]
        raw = [value for value in getlist(code) if value != ""]
        if field_type in FILE_TYPES + STATIC_TYPES:
            continue
        if field_type in MULTI_CHOICE_TYPES:
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
