"""JavaScript values and operators, as npm jexl 2.3.0 applies them in the browser.

Values are plain Python (JSON): :data:`UNDEFINED` for JavaScript ``undefined``, ``None``
for ``null``, ``bool``, ``int``/``float`` (both JavaScript numbers), ``str``, ``list``
(or ``tuple``) and ``dict``. Every operator follows the ECMAScript algorithm jexl's
grammar calls: loose ``==``, relational comparison through ``ToPrimitive`` and
``ToNumber``, ``+`` concatenating as soon as one side is a string, property reads.
"""

import math
import re
from decimal import Decimal

#: Deepest list/dict nesting of a value :func:`export` returns (deeper: ExpressionError).
MAX_VALUE_DEPTH = 100


class ExpressionError(ValueError):
    """An expression cannot be parsed or evaluated (jexl would throw, or the server refuses)."""


class _Undefined:
    """JavaScript ``undefined`` (``None`` stands for ``null``)."""

    __slots__ = ()

    def __repr__(self):
        return "undefined"

    def __bool__(self):
        return False


UNDEFINED = _Undefined()

# Members every JavaScript object, string, array or number inherits: jexl would read a
# function (truthy) where the server has nothing. Refused at save, an error at evaluation.
OBJECT_MEMBERS = frozenset(
    "constructor __proto__ __defineGetter__ __defineSetter__ __lookupGetter__ "
    "__lookupSetter__ hasOwnProperty isPrototypeOf propertyIsEnumerable toLocaleString "
    "toString valueOf".split()
)
STRING_MEMBERS = frozenset(
    "anchor at big blink bold charAt charCodeAt codePointAt concat endsWith fixed "
    "fontcolor fontsize includes indexOf isWellFormed italics lastIndexOf link "
    "localeCompare match matchAll normalize padEnd padStart repeat replace replaceAll "
    "search slice small split startsWith strike sub substr substring sup toLocaleLowerCase "
    "toLocaleUpperCase toLowerCase toUpperCase toWellFormed trim trimEnd trimLeft "
    "trimRight trimStart".split()
)
ARRAY_MEMBERS = frozenset(
    "at concat copyWithin entries every fill filter find findIndex findLast "
    "findLastIndex flat flatMap forEach includes indexOf join keys lastIndexOf map pop "
    "push reduce reduceRight reverse shift slice some sort splice toReversed toSorted "
    "toSpliced unshift values with".split()
)
NUMBER_MEMBERS = frozenset("toExponential toFixed toPrecision".split())
ALL_MEMBERS = OBJECT_MEMBERS | STRING_MEMBERS | ARRAY_MEMBERS | NUMBER_MEMBERS

#: JavaScript's \s (WhiteSpace + LineTerminator), used by the lexer and by Number("...").
JS_SPACES = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _float(value):
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _is_object(value):
    return isinstance(value, list | tuple | dict)


def truthy(value):
    """JavaScript truthiness: ``""``, ``0``, NaN, ``null``/``undefined``, ``false`` are
    false; everything else (including ``[]`` and ``{}``) is true."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if value is True:
        return True
    if is_number(value):
        return not (value == 0 or value != value)
    if isinstance(value, str):
        return value != ""
    return True


def _number_to_string(value):
    """JavaScript ``Number.prototype.toString()`` (shortest round-trip digits)."""
    value = _float(value)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    __, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = exponent + k
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        exp = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "")
        text += "e" + ("+" if exp >= 0 else "-") + str(abs(exp))
    return sign + text


_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RADIX_RE = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))")


def _string_to_number(text):
    text = text.strip(JS_SPACES)
    if not text:
        return 0.0
    if _DECIMAL_RE.fullmatch(text):
        return float(text)
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    match = _RADIX_RE.fullmatch(text)
    if match:
        for key, base in (("x", 16), ("o", 8), ("b", 2)):
            if match.group(key):
                return _float(int(match.group(key), base))
    return math.nan


def _too_deep():
    return ExpressionError(f"Value nested more than {MAX_VALUE_DEPTH} levels deep")


def _join(array):
    """``Array.prototype.join(",")`` over nested arrays, without recursion: ``null`` and
    ``undefined`` items are empty, nested arrays are joined in place."""
    stack = [(iter(array), [])]
    while True:
        items, parts = stack[-1]
        for item in items:
            if isinstance(item, list | tuple):
                stack.append((iter(item), []))
                break
            parts.append("" if item is None or item is UNDEFINED else to_string(item))
        else:
            stack.pop()
            text = ",".join(parts)
            if not stack:
                return text
            stack[-1][1].append(text)


def to_primitive(value):
    """``ToPrimitive``: an array joins its items with commas, an object is
    ``[object Object]``, anything else is itself."""
    if isinstance(value, list | tuple):
        return _join(value)
    if isinstance(value, dict):
        return "[object Object]"
    return value


def to_string(value):
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return _number_to_string(value)
    if isinstance(value, str):
        return value
    if _is_object(value):
        return to_primitive(value)
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def to_number(value):
    if value is UNDEFINED:
        return math.nan
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if is_number(value):
        return _float(value)
    if isinstance(value, str):
        return _string_to_number(value)
    if _is_object(value):
        return to_number(to_primitive(value))
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def js_type(value):
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if _is_object(value):
        return "object"
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def strict_equal(left, right):
    kind = js_type(left)
    if kind != js_type(right):
        return False
    if kind == "number":
        return _float(left) == _float(right)
    if kind == "object":
        return left is right
    return kind in ("undefined", "null") or left == right


def loose_equal(left, right):
    """JavaScript ``==`` (Abstract Equality Comparison)."""
    kl, kr = js_type(left), js_type(right)
    if kl == kr:
        return strict_equal(left, right)
    nullish = ("undefined", "null")
    if kl in nullish or kr in nullish:
        return kl in nullish and kr in nullish
    if kl == "boolean":
        return loose_equal(to_number(left), right)
    if kr == "boolean":
        return loose_equal(left, to_number(right))
    if kl == "object":
        return loose_equal(to_primitive(left), right)
    if kr == "object":
        return loose_equal(left, to_primitive(right))
    # number and string
    return to_number(left) == to_number(right)


def utf16(text):
    return text.encode("utf-16-be", "surrogatepass")


def _less_than(left, right):
    """Abstract Relational Comparison: True, False, or None (undefined: a NaN)."""
    left, right = to_primitive(left), to_primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        return utf16(left) < utf16(right)
    left, right = to_number(left), to_number(right)
    if left != left or right != right:
        return None
    return left < right


def _add(left, right):
    left, right = to_primitive(left), to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_string(left) + to_string(right)
    return to_number(left) + to_number(right)


def _divide(left, right):
    left, right = to_number(left), to_number(right)
    try:
        return left / right
    except ZeroDivisionError:
        if left != left or left == 0:
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)


def _floor_divide(left, right):
    quotient = _divide(left, right)
    if math.isnan(quotient) or math.isinf(quotient):
        return quotient
    return float(math.floor(quotient))


def _modulo(left, right):
    left, right = to_number(left), to_number(right)
    try:
        return math.fmod(left, right)
    except ValueError:
        return math.nan


def _is_odd_integer(value):
    return math.isfinite(value) and value.is_integer() and int(value) % 2 == 1


def _power(left, right):
    base, exp = to_number(left), to_number(right)
    if exp != exp:
        return math.nan
    if exp == 0:
        return 1.0
    if base != base or (abs(base) == 1 and math.isinf(exp)):
        return math.nan
    try:
        return math.pow(base, exp)
    except OverflowError:
        return -math.inf if base < 0 and _is_odd_integer(exp) else math.inf
    except ValueError:
        if base == 0:
            negative = math.copysign(1.0, base) < 0 and _is_odd_integer(exp)
            return -math.inf if negative else math.inf
        return math.nan


def _in(left, right):
    if isinstance(right, str):
        return to_string(left) in right
    if isinstance(right, list | tuple):
        return any(strict_equal(item, left) for item in right)
    return False


#: jexl's binary operators other than the lazy ``&&`` and ``||``: symbol -> function.
BINARY_OPERATORS = {
    "+": _add,
    "-": lambda a, b: to_number(a) - to_number(b),
    "*": lambda a, b: to_number(a) * to_number(b),
    "/": _divide,
    "//": _floor_divide,
    "%": _modulo,
    "^": _power,
    "==": loose_equal,
    "!=": lambda a, b: not loose_equal(a, b),
    "in": _in,
    "<": lambda a, b: _less_than(a, b) is True,
    ">": lambda a, b: _less_than(b, a) is True,
    "<=": lambda a, b: _less_than(b, a) is False,
    ">=": lambda a, b: _less_than(a, b) is False,
}

_ARRAY_INDEX_RE = re.compile(r"0|[1-9][0-9]*")


def property_key(value):
    """The property name ``subject[value]`` reads (JavaScript ``ToPropertyKey``)."""
    if isinstance(value, str):
        return value
    return to_string(value)


def get_property(subject, key):
    """``subject[key]`` in JavaScript, for JSON values."""
    if subject is UNDEFINED or subject is None:
        kind = "undefined" if subject is UNDEFINED else "null"
        raise ExpressionError(f"Cannot read properties of {kind} (reading '{key}')")
    if isinstance(subject, dict):
        if key in subject:
            return subject[key]
        members = OBJECT_MEMBERS
    elif isinstance(subject, list | tuple):
        if key == "length":
            return len(subject)
        if _ARRAY_INDEX_RE.fullmatch(key) and int(key) < len(subject):
            return subject[int(key)]
        members = OBJECT_MEMBERS | ARRAY_MEMBERS
    elif isinstance(subject, str):
        units = utf16(subject)
        if key == "length":
            return len(units) // 2
        if _ARRAY_INDEX_RE.fullmatch(key) and int(key) < len(units) // 2:
            index = int(key) * 2
            return units[index : index + 2].decode("utf-16-be", "surrogatepass")
        members = OBJECT_MEMBERS | STRING_MEMBERS
    else:
        js_type(subject)  # refuses values that are not JSON
        members = OBJECT_MEMBERS | NUMBER_MEMBERS
    if key in members:
        raise ExpressionError(f"'{key}' is a JavaScript built-in member, not supported")
    return UNDEFINED


def export(value, depth=0):
    """The evaluation result as plain Python (``undefined`` -> ``None``, like JSON)."""
    if value is UNDEFINED:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, list | tuple | dict) and depth >= MAX_VALUE_DEPTH:
        raise _too_deep()
    if isinstance(value, list | tuple):
        return [export(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {k: export(v, depth + 1) for k, v in value.items() if v is not UNDEFINED}
    return value
