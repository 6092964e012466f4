"""Search registrations by one answer (pure Python, no ORM): the query typed in the
review desk's search bar, and the JSON documents a registration's answers must contain.

A query is ``code=value`` or ``code:value`` (``step.code=value`` limits it to one step).
A registration matches when one of its steps holds ``value`` for the field ``code``; the
model compares ``lower(answers::text)::jsonb @> lower(document)::jsonb`` (README "Review
desk"), so the match is **exact but case-insensitive**, over the whole value:

- text, email, phone, hidden, date, time and datetime answers: the typed text;
- single choices (select, radio) and masters (country, state, master): the stored value
  (``country=PT``) or a choice's label (``country=Portugal``);
- multiple choices (checkboxes, multi-select): one of the chosen values or labels;
- numbers: the same number (``age=34`` finds 34 and 34.0; text that is no number finds
  nothing);
- booleans and consents: ``yes``/``true``/``1`` or ``no``/``false``/``0``;
- files and static text: never.

Sensitive fields are never searched: the model leaves out the steps whose forms mark the
code sensitive (their values are encrypted anyway, so a typed value never equals them).
"""

import json
import math
import re
from decimal import Decimal, InvalidOperation

from odoo.addons.prs_form_builder.tools import form_tree

QUERY_RE = re.compile(
    r"^\s*(?:(?P<step>[a-z_][a-z0-9_]*)\.)?(?P<code>[a-z_][a-z0-9_]*)\s*[=:]\s*(?P<value>.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
TRUE_WORDS = frozenset({"true", "yes", "1", "y", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "off"})
TEXT_LIKE_TYPES = form_tree.TEXT_TYPES + form_tree.TEMPORAL_TYPES
MAX_VALUE_LENGTH = 1000
# a typed number with more significant digits, or a magnitude beyond 10**MAX_NUMBER_DIGITS
# (or below its inverse), matches nothing: it is refused before any conversion, as
# ``int()`` of ``1e700000`` holds the worker for seconds and ``1e5000`` exceeds Python's
# limit of 4300 digits (no form stores such a number)
MAX_NUMBER_DIGITS = 30
# control characters (NUL included, which PostgreSQL refuses in a text) make no query
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryError(ValueError):
    """The text is not ``code=value`` (or ``code:value``, ``step.code=value``)."""


def parse(text):
    """``(step code or None, field code, value)`` of a query; raises :class:`QueryError`."""
    if not isinstance(text, str) or CONTROL_RE.search(text):
        raise QueryError(text)
    match = QUERY_RE.match(text)
    if not match or not match.group("value") or len(match.group("value")) > MAX_VALUE_LENGTH:
        raise QueryError(text)
    step = match.group("step")
    return (step.lower() if step else None), match.group("code").lower(), match.group("value")


def _number(value):
    try:
        number = Decimal(value.strip().replace(" ", ""))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")
    if number and (
        len(significant) > MAX_NUMBER_DIGITS or abs(number.adjusted()) > MAX_NUMBER_DIGITS
    ):
        return None
    if number == number.to_integral_value():
        return int(number)
    number = float(number)
    return number if math.isfinite(number) else None


def _choice_values(value, choices):
    """The typed value and the values of the choices whose label is the typed value."""
    typed = value.casefold()
    values = [value]
    values += [choice for choice, label in choices if (label or "").casefold() == typed]
    return values


def values_for(field_type, value, choices=()):
    """The JSON values an answer of ``field_type`` equal to the typed ``value`` is stored
    as (the model compares them lowercased); ``[]`` when such a field is not searchable.
    ``choices``: ``[(value, label)]`` of a choice or master field."""
    if field_type in TEXT_LIKE_TYPES:
        return [value]
    if field_type in form_tree.SINGLE_CHOICE_TYPES + form_tree.MASTER_TYPES:
        return _choice_values(value, choices)
    if field_type in form_tree.MULTI_CHOICE_TYPES:
        return [[choice] for choice in _choice_values(value, choices)]
    if field_type in form_tree.NUMBER_TYPES:
        number = _number(value)
        return [] if number is None else [number]
    if field_type in form_tree.BOOLEAN_TYPES:
        word = value.strip().casefold()
        if word in TRUE_WORDS:
            return [True]
        if word in FALSE_WORDS:
            return [False]
    return []


def documents(step_code, code, values):
    """The JSON texts ``{step code: {code: value}}`` to look for, one per distinct value."""
    texts = []
    for value in values:
        text = json.dumps({step_code: {code: value}}, ensure_ascii=False, sort_keys=True)
        if text not in texts:
            texts.append(text)
    return texts
