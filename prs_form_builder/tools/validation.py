"""Server-side validation of the answers to one published form tree (no ORM).

``validate_answers(tree, answers, masters=None, today=None) -> (values, errors)``

* ``tree``: the published form tree (see the team brief / ``schemas/form.tree.1.json``).
* ``answers``: ``{field code: value}`` as sent by the renderer (any JSON: never trusted).
* ``masters``: ``{master code: set of allowed values}`` for country/state/master fields
  (and choice fields that take their choices from a master). A master that is not given
  is not checked.
* ``today``: ``datetime.date`` (or ISO string) for relative date bounds and for the
  ``today`` context value of expressions; defaults to the server's date.

Returns ``values`` (the cleaned answers of the visible fields: transforms applied,
numbers and dates coerced, invalid values and hidden fields dropped) and ``errors``, a list
of ``{"field": code or False, "code": str, "message": str}``. It never raises on bad
answers: everything becomes a structured error.

Order of work:

1. keys that are no field of the form -> ``unknown_field``; a value for a static block
   (which takes no answer) too;
2. each answer is transformed (trim/upper/lower, text types only) and coerced to its type
   (``type`` errors drop the value);
3. visibility, in page -> section -> field order: a condition is evaluated (npm jexl
   semantics, see :mod:`.expression`) against the coerced values, ``today`` (ISO string),
   minus the fields found hidden so far (a hidden page hides its sections, a hidden section
   its fields; a hidden field's value is dropped and is undefined for later conditions);
4. visible fields: ``required`` / ``required_if`` (evaluated on the visible values), then
   the field's rules (lengths, pattern, values, dates, choices, files, masters);
5. cross-field rules of the visible sections, then of the form: the expression must hold.

Custom messages: ``validation["messages"][error code]`` replaces the default message of
that error for that field (``pattern_message`` for ``pattern``).
"""

import base64
import binascii
import calendar
import datetime
import logging
import math
import re

from . import expression, form_tree
from . import pattern as regex
from .form_tree import (
    BOOLEAN_TYPES,
    DATE_TYPES,
    MULTI_CHOICE_TYPES,
    NUMBER_TYPES,
    OPTION_TYPES,
    TEMPORAL_TYPES,
    TEXT_TYPES,
)

_logger = logging.getLogger(__name__)

__all__ = ["validate_answers", "resolve_date_bound"]

#: Longest text answer accepted (characters), before any rule runs.
MAX_TEXT_LENGTH = 65536
#: Most items accepted in a multiple-choice answer.
MAX_ITEMS = 1000
#: Most ``unknown_field`` errors reported for one set of answers.
MAX_UNKNOWN_ERRORS = 50
#: Largest integer accepted (JavaScript's safe integers, the renderer's numbers).
MAX_SAFE_INTEGER = 2**53 - 1

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE_RE = re.compile(r"\+?[0-9 ]+")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]"
    r"(?::[0-5][0-9](?:\.[0-9]{1,6})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?"
)
_DATE_BOUND_RE = re.compile(r"(?:today)?(?:(?P<sign>[+-])(?P<count>[0-9]{1,4})(?P<unit>[dwmy]))?")
_DATA_URL_RE = re.compile(r"data:[^,]{0,200};base64,", re.IGNORECASE)
_BASE64_SPACE_RE = re.compile(r"\s+")

DEFAULT_MESSAGES = {
    "unknown_field": "This is not a field of the form.",
    "required": "{label} is required.",
    "type": "{label}: {detail}",
    "min_length": "{label} must be at least {limit} characters long.",
    "max_length": "{label} must be at most {limit} characters long.",
    "pattern": "{label} is not in the expected format.",
    "min_value": "{label} must be at least {limit}.",
    "max_value": "{label} must be at most {limit}.",
    "min_date": "{label} must be on or after {limit}.",
    "max_date": "{label} must be on or before {limit}.",
    "choice": "{label}: {detail}",
    "file_type": "{label}: files of this type are not accepted ({limit}).",
    "file_size": "{label}: the file is larger than {limit} bytes.",
    "rule": "The answers do not satisfy rule {label}.",
}


class _Invalid(Exception):
    """A value does not fit its field; ``code`` is the error code."""

    def __init__(self, code, detail="", limit=""):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.limit = limit


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------


def _add_months(day, months):
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def resolve_date_bound(bound, today):
    """The date of a bound: ``YYYY-MM-DD``, ``today``, ``today+30d``, ``today-18y``,
    ``today+2m``, ``today-1w`` (also ``+30d`` alone); None when it cannot be read."""
    if not isinstance(bound, str):
        return None
    bound = bound.strip().lower().replace(" ", "")
    if _DATE_RE.fullmatch(bound):
        return _parse_date(bound)
    match = _DATE_BOUND_RE.fullmatch(bound)
    if not bound or not match:
        return None
    if not match.group("unit"):
        return today
    count = int(match.group("count")) * (-1 if match.group("sign") == "-" else 1)
    unit = match.group("unit")
    try:
        if unit in "dw":
            return today + datetime.timedelta(days=count * (7 if unit == "w" else 1))
        return _add_months(today, count * (12 if unit == "y" else 1))
    except OverflowError:
        return None


def _parse_date(text):
    """``datetime.date`` of an ISO ``YYYY-MM-DD`` text, or None."""
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------
# Coercion (one function per kind of field)
# --------------------------------------------------------------------------------------


def _check_text(value):
    """A string PostgreSQL JSON can store, not too long."""
    if not isinstance(value, str):
        raise _Invalid("type", "a text answer is expected.")
    if len(value) > MAX_TEXT_LENGTH:
        raise _Invalid("type", f"the answer is longer than {MAX_TEXT_LENGTH} characters.")
    if "\x00" in value:
        raise _Invalid("type", "the answer contains a null character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid("type", "the answer is not valid text.") from None
    return value


def _transform(field, value):
    transform = field.get("transform")
    if not isinstance(value, str) or field.get("type") not in TEXT_TYPES:
        return value
    if transform == "trim":
        return value.strip()
    if transform == "upper":
        return value.upper()
    if transform == "lower":
        return value.lower()
    return value


def _coerce_text(field, value):
    if field.get("type") == "hidden" and _is_number(value):
        value = str(value)
    elif field.get("type") == "hidden" and isinstance(value, bool):
        value = "true" if value else "false"
    return _check_text(_transform(field, value))


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coerce_integer(value):
    if isinstance(value, str) and len(value) < 40 and _INTEGER_RE.fullmatch(value.strip()):
        value = int(value.strip())
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid("type", "a whole number is expected.")
    if abs(value) > MAX_SAFE_INTEGER:
        raise _Invalid("type", "the number is too large.")
    return value


def _decimal_places(value, text=None):
    text = text if text is not None else repr(float(value))
    if "e" in text.lower():
        mantissa, __, exponent = text.lower().partition("e")
        places = len(mantissa.partition(".")[2].rstrip("0")) - int(exponent)
    else:
        places = len(text.partition(".")[2].rstrip("0"))
    return max(places, 0)


def _coerce_decimal(field, value):
    text = None
    if isinstance(value, str) and len(value) < 60 and _DECIMAL_RE.fullmatch(value.strip()):
        text = value.strip()
        value = float(text) if "." in text else int(text)
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise _Invalid("type", "a number is expected.")
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        raise _Invalid("type", "the number is too large.")
    digits = _rules(field).get("digits")
    if _is_number(digits) and digits >= 0 and isinstance(value, float):
        if _decimal_places(value, text) > digits:
            raise _Invalid("type", f"at most {int(digits)} decimal places are allowed.")
    return value


def _coerce_date(value):
    day = _parse_date(value.strip()) if isinstance(value, str) else None
    if day:
        return day.isoformat()
    raise _Invalid("type", "a date (YYYY-MM-DD) is expected.")


def _coerce_time(value):
    if isinstance(value, str) and _TIME_RE.fullmatch(value.strip()):
        return value.strip()
    raise _Invalid("type", "a time (HH:MM) is expected.")


def _coerce_datetime(value):
    if isinstance(value, str) and _DATETIME_RE.fullmatch(value.strip()):
        text = value.strip()
        if _parse_date(text[:10]):
            return text
    raise _Invalid("type", "a date and time (YYYY-MM-DDTHH:MM) is expected.")


def _coerce_boolean(value):
    if isinstance(value, bool):
        return value
    raise _Invalid("type", "true or false is expected.")


def _coerce_single(value):
    if isinstance(value, str):
        return _check_text(value)
    if _is_number(value):
        return _check_text(str(value))
    raise _Invalid("choice", "one of the choices is expected.")


def _coerce_multi(value):
    if not isinstance(value, list):
        raise _Invalid("type", "a list of choices is expected.")
    if len(value) > MAX_ITEMS:
        raise _Invalid("type", "too many choices.")
    result = []
    for item in value:
        if not isinstance(item, str):
            raise _Invalid("choice", "each choice must be one of the choices.")
        item = _check_text(item)
        if item not in result:
            result.append(item)
    return result


def _coerce_file(value):
    if not isinstance(value, dict):
        raise _Invalid("type", "a file {name, mimetype, data} is expected.")
    name, mimetype, data = value.get("name"), value.get("mimetype"), value.get("data")
    if not isinstance(name, str) or not name.strip() or not isinstance(data, str):
        raise _Invalid("type", "a file {name, mimetype, data} is expected.")
    if mimetype is not None and not isinstance(mimetype, str):
        raise _Invalid("type", "the file type (mimetype) must be text.")
    name = _check_text(name.strip())[:255]
    mimetype = _check_text((mimetype or "").strip().lower())[:255]
    prefix = _DATA_URL_RE.match(data)
    if prefix:
        data = data[prefix.end() :]
    data = _BASE64_SPACE_RE.sub("", data)
    try:
        size = len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        raise _Invalid("type", "the file content is not valid base64.") from None
    if not size:
        raise _Invalid("type", "the file is empty.")
    return {"name": name, "mimetype": mimetype, "data": data, "size": size}


def _coerce(field, value):
    """The value of ``field`` in its JSON type, or raise :class:`_Invalid`."""
    kind = field.get("type")
    if value is None:
        return None
    if kind in NUMBER_TYPES:
        if isinstance(value, str) and not value.strip():
            return None
        return _coerce_integer(value) if kind == "integer" else _coerce_decimal(field, value)
    if kind in TEMPORAL_TYPES:
        if isinstance(value, str) and not value.strip():
            return None
        return {"date": _coerce_date, "time": _coerce_time, "datetime": _coerce_datetime}[kind](
            value
        )
    if kind in BOOLEAN_TYPES:
        return _coerce_boolean(value)
    if kind in MULTI_CHOICE_TYPES:
        return _coerce_multi(value)
    if kind in OPTION_TYPES:
        return _coerce_single(value)
    if kind == "file":
        return _coerce_file(value)
    return _coerce_text(field, value)


def _is_empty(value):
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


# --------------------------------------------------------------------------------------
# Rules of one field
# --------------------------------------------------------------------------------------


def _rules(field):
    rules = field.get("validation")
    return rules if isinstance(rules, dict) else {}


def _number(value):
    return value if _is_number(value) and math.isfinite(value) else None


def _check_length(field, value):
    rules = _rules(field)
    if not isinstance(value, str):
        return
    min_length, max_length = _number(rules.get("min_length")), _number(rules.get("max_length"))
    if min_length is not None and len(value) < min_length:
        raise _Invalid("min_length", limit=int(min_length))
    if max_length is not None and max_length > 0 and len(value) > max_length:
        raise _Invalid("max_length", limit=int(max_length))


def _check_pattern(field, value):
    pattern = _rules(field).get("pattern")
    if not isinstance(value, str) or not isinstance(pattern, str) or not pattern:
        return
    try:
        # RE2 (linear time in the answer), with the renderer's JavaScript meaning
        matched = regex.fullmatch(pattern, value)
    except regex.PatternError:
        # refused at save; a tree published before that check keeps intake working
        _logger.warning("Invalid pattern %r on field %s ignored", pattern, field.get("code"))
        return
    if not matched:
        raise _Invalid("pattern")


def _check_format(field, value):
    kind = field.get("type")
    if kind == "email" and not _EMAIL_RE.fullmatch(value):
        raise _Invalid("type", "a valid email address is expected.")
    if kind == "phone":
        digits = sum(char.isdigit() for char in value)
        if not _PHONE_RE.fullmatch(value.strip()) or not 6 <= digits <= 15:
            raise _Invalid("type", "a phone number (digits, spaces, an optional +) is expected.")


def _check_value(field, value):
    if not _is_number(value):
        return
    rules = _rules(field)
    low, high = _number(rules.get("min_value")), _number(rules.get("max_value"))
    if field.get("type") == "percentage":
        low = 0 if low is None else max(low, 0)
        high = 100 if high is None else min(high, 100)
    if low is not None and value < low:
        raise _Invalid("min_value", limit=_format_number(low))
    if high is not None and value > high:
        raise _Invalid("max_value", limit=_format_number(high))


def _format_number(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_dates(field, value, today):
    if field.get("type") not in DATE_TYPES or not isinstance(value, str):
        return
    rules = _rules(field)
    day = _parse_date(value[:10])
    if not day:
        return
    low = resolve_date_bound(rules.get("min_date"), today)
    high = resolve_date_bound(rules.get("max_date"), today)
    if low and day < low:
        raise _Invalid("min_date", limit=low.isoformat())
    if high and day > high:
        raise _Invalid("max_date", limit=high.isoformat())


def _check_choice(field, value, masters):
    kind = field.get("type")
    if kind not in OPTION_TYPES:
        return
    allowed = form_tree.allowed_values(field, masters)
    if allowed is None:
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item not in allowed:
            raise _Invalid("choice", f"'{item[:100]}' is not one of the choices.")


def _check_file(field, value):
    if field.get("type") != "file" or not isinstance(value, dict):
        return
    rules = _rules(field)
    types = [t.lower() for t in rules.get("file_types") or () if isinstance(t, str) and t]
    if types:
        name = value["name"].lower()
        extension = "." + name.rsplit(".", 1)[1] if "." in name else ""
        mimetype = value["mimetype"]
        accepted = any(
            t == extension or t == mimetype or (t.endswith("/*") and mimetype.startswith(t[:-1]))
            for t in types
        )
        if not accepted:
            raise _Invalid("file_type", limit=", ".join(types))
    max_size = _number(rules.get("max_file_size"))
    if max_size and value["size"] > max_size:
        raise _Invalid("file_size", limit=int(max_size))


def _check_field(field, value, masters, today):
    """Raise :class:`_Invalid` for the first rule ``value`` breaks."""
    if isinstance(value, str):
        _check_format(field, value)
        _check_length(field, value)
        _check_pattern(field, value)
    _check_value(field, value)
    _check_dates(field, value, today)
    _check_choice(field, value, masters)
    _check_file(field, value)


# --------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------


def _message(field, code, detail="", limit=""):
    rules = _rules(field)
    messages = rules.get("messages") or {}
    custom = messages.get(code) if isinstance(messages, dict) else None
    if code == "pattern" and not custom:
        custom = rules.get("pattern_message")
    if isinstance(custom, str) and custom.strip():
        return custom
    label = field.get("label") or field.get("code") or ""
    return DEFAULT_MESSAGES[code].format(label=label, detail=detail, limit=limit)


def _error(field_code, code, message):
    return {"field": field_code if field_code else False, "code": code, "message": message}


def _context_value(value):
    if isinstance(value, dict):  # a file: expressions see its name and type, not its bytes
        return {"name": value.get("name"), "mimetype": value.get("mimetype")}
    return value


def _rule_errors(node, context):
    """The errors of the cross-field rules of a form or section node."""
    errors = []
    for rule in form_tree.node_rules(node):
        if not rule.get("expr"):
            continue
        if not expression.is_true(rule["expr"], context):
            message = rule.get("message")
            if not isinstance(message, str) or not message.strip():
                message = DEFAULT_MESSAGES["rule"].format(label=rule.get("code") or "")
            errors.append(_error(False, "rule", message))
    return errors


def _coerce_answers(fields, answers):
    """Coerced values by code, the errors of unknown keys, the type errors by code."""
    coerced, unknown, type_errors = {}, [], {}
    for key, raw in answers.items():
        field = fields.get(key) if isinstance(key, str) else None
        if field is None or (field.get("type") == "static" and not _is_empty(raw)):
            if len(unknown) < MAX_UNKNOWN_ERRORS:
                message = DEFAULT_MESSAGES["unknown_field"]
                unknown.append(_error(str(key)[:200], "unknown_field", message))
            continue
        if field.get("type") == "static":
            continue
        try:
            coerced[key] = _coerce(field, raw)
        except _Invalid as exc:
            type_errors[key] = _error(key, exc.code, _message(field, exc.code, exc.detail))
    return coerced, unknown, type_errors


def _field_error(field, value, present, context, masters, today):
    """The error of one visible field (or None) and whether its value is kept."""
    code = field["code"]
    if _is_empty(value) or (field.get("type") == "consent" and value is not True):
        required = field.get("required") is True
        if not required and field.get("required_if"):
            required = expression.is_true(field["required_if"], context)
        if required:
            return _error(code, "required", _message(field, "required")), False
        return None, present
    try:
        _check_field(field, value, masters, today)
    except _Invalid as exc:
        return _error(code, exc.code, _message(field, exc.code, exc.detail, exc.limit)), False
    return None, True


def _validate(tree, answers, masters, today):
    fields = form_tree.fields_by_code(tree)
    coerced, errors, type_errors = _coerce_answers(fields, answers)
    shown = form_tree.visibility(
        tree, {code: _context_value(v) for code, v in coerced.items()}, today
    )
    context, hidden_fields = shown.context, shown.hidden_codes("field")

    values = {}
    for code, field in fields.items():
        # hidden fields: never required, their values (and type errors) dropped
        if code in hidden_fields or field.get("type") == "static":
            continue
        if code in type_errors:
            errors.append(type_errors[code])
            continue
        value = coerced.get(code)
        error, keep = _field_error(field, value, code in coerced, context, masters, today)
        if error:
            errors.append(error)
        if keep:
            if field.get("type") == "file" and isinstance(value, dict):
                value = {k: value[k] for k in ("name", "mimetype", "data")}
            values[code] = value

    for __, section in form_tree.iter_sections(tree):
        if shown.is_visible(section):
            errors.extend(_rule_errors(section, context))
    errors.extend(_rule_errors(tree, context))
    return values, errors


def validate_answers(tree, answers, masters=None, today=None):
    """Validate ``answers`` against the published form ``tree``.

    :returns: ``(values, errors)``; see the module documentation.
    """
    if not isinstance(tree, dict):
        return {}, [_error(False, "type", "The form definition is missing or invalid.")]
    if not isinstance(answers, dict):
        return {}, [_error(False, "type", "The answers must be an object of field codes.")]
    if masters is not None and not isinstance(masters, dict):
        masters = None
    try:
        return _validate(tree, answers, masters, form_tree.as_date(today))
    except Exception:  # never a server error on hostile input: log it, answer an error
        _logger.exception("Answers could not be validated")
        return {}, [_error(False, "type", "The answers could not be validated.")]
