"""JEXL expressions with the semantics of npm ``jexl`` 2.3.0 (the React renderer's evaluator).

Display conditions, required-if, step skip conditions and cross-field rules are JEXL
expressions. The browser evaluates them with npm ``jexl`` 2.3.0; the server must reach the
same answer, or refuse the expression when it is saved. This module:

* parses with ``pyjexl`` 0.3.0 and, in parallel, with a line-by-line port of jexl 2.3.0's
  lexer and parser; an expression the two parsers read differently (or one cannot read) is
  an :class:`ExpressionError` (so ``check`` refuses it and ``evaluate`` raises);
* evaluates the syntax tree with JavaScript semantics (jexl's own handlers): ``undefined``
  for missing names, loose ``==``, relational comparisons through ``ToPrimitive`` and
  ``ToNumber`` (so a comparison with a missing value is false), ``+`` concatenating as soon
  as one side is a string, a path through a missing object is ``undefined``, a property of
  an array reads its first element (``interests.length`` is the length of the first
  interest), ``in`` on strings (substring) and arrays (strict equality), no unary minus on
  names (``-age`` is a syntax error; ``-5`` is a number), no transforms or functions (none
  are registered in the renderer).

Public API::

    evaluate(expr, context) -> value      # raises ExpressionError
    truthy(value) -> bool                 # JavaScript truthiness ([] and {} are true)
    is_true(expr, context) -> bool        # empty expression: True; error: False
    check(expr, known_names, list_names=()) -> [problem, ...]
    names(expr) -> {"age", "personal.age", ...}

``evaluate`` returns plain Python values: ``None`` for JavaScript ``undefined`` and
``null``, integral numbers as ``int``, other numbers as ``float`` (NaN and infinities
included), strings, booleans, lists and dicts.

Dates: there is no date type in jexl. Date answers are ISO strings and compare as strings
(``dob < '2008-01-01'``, ``start_date >= today``), which orders ISO dates correctly.
``today`` is not built in: callers put it in the context as an ISO date string
(``{"today": "2026-11-25", ...}``) and list it in ``known_names``.

Refused on save by :func:`check` (the renderer and the server would agree, but the
construct is a trap or cannot be guaranteed): syntax the two parsers read differently,
transforms (``x|upper``) and function calls (none exist in the renderer), relative
identifiers and filters other than a literal index/key (``tags[0]``, ``obj['k']``),
names that are JavaScript built-in members (``constructor``, ``toString``, ...), the power
operator ``^`` (V8's ``Math.pow`` and C's ``pow`` can differ in the last bit), unknown
names, expressions longer than :data:`MAX_LENGTH`, and ``.length`` (or any property) on a
list field named in ``list_names`` (jexl reads it from the list's first element).
"""

import functools
import math
import re
from decimal import Decimal

from pyjexl import JEXL
from pyjexl.parser import (
    ArrayLiteral,
    BinaryExpression,
    ConditionalExpression,
    FilterExpression,
    Identifier,
    Literal,
    ObjectLiteral,
    Transform,
    UnaryExpression,
)

__all__ = ["ExpressionError", "check", "evaluate", "is_true", "names", "truthy"]

#: Longest expression accepted (characters).
MAX_LENGTH = 2000


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
_OBJECT_MEMBERS = frozenset(
    "constructor __proto__ __defineGetter__ __defineSetter__ __lookupGetter__ "
    "__lookupSetter__ hasOwnProperty isPrototypeOf propertyIsEnumerable toLocaleString "
    "toString valueOf".split()
)
_STRING_MEMBERS = frozenset(
    "anchor at big blink bold charAt charCodeAt codePointAt concat endsWith fixed "
    "fontcolor fontsize includes indexOf isWellFormed italics lastIndexOf link "
    "localeCompare match matchAll normalize padEnd padStart repeat replace replaceAll "
    "search slice small split startsWith strike sub substr substring sup toLocaleLowerCase "
    "toLocaleUpperCase toLowerCase toUpperCase toWellFormed trim trimEnd trimLeft "
    "trimRight trimStart".split()
)
_ARRAY_MEMBERS = frozenset(
    "at concat copyWithin entries every fill filter find findIndex findLast "
    "findLastIndex flat flatMap forEach includes indexOf join keys lastIndexOf map pop "
    "push reduce reduceRight reverse shift slice some sort splice toReversed toSorted "
    "toSpliced unshift values with".split()
)
_NUMBER_MEMBERS = frozenset("toExponential toFixed toPrecision".split())
_ALL_MEMBERS = _OBJECT_MEMBERS | _STRING_MEMBERS | _ARRAY_MEMBERS | _NUMBER_MEMBERS

# JavaScript's \s (WhiteSpace + LineTerminator), used by the lexer and by Number("...").
_JS_SPACES = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_SPACE_CLASS = "[" + re.escape(_JS_SPACES) + "]"


# --------------------------------------------------------------------------------------
# JavaScript value semantics
# --------------------------------------------------------------------------------------


def _is_number(value):
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
    if _is_number(value):
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
    text = text.strip(_JS_SPACES)
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


def _to_primitive(value):
    if isinstance(value, list | tuple):
        return ",".join("" if v is None or v is UNDEFINED else _to_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return value


def _to_string(value):
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if _is_number(value):
        return _number_to_string(value)
    if isinstance(value, str):
        return value
    if _is_object(value):
        return _to_primitive(value)
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def _to_number(value):
    if value is UNDEFINED:
        return math.nan
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if _is_number(value):
        return _float(value)
    if isinstance(value, str):
        return _string_to_number(value)
    if _is_object(value):
        return _to_number(_to_primitive(value))
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def _type(value):
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if _is_object(value):
        return "object"
    raise ExpressionError(f"Unsupported value of type {type(value).__name__}")


def _strict_equal(left, right):
    kind = _type(left)
    if kind != _type(right):
        return False
    if kind == "number":
        return _float(left) == _float(right)
    if kind == "object":
        return left is right
    return kind in ("undefined", "null") or left == right


def _loose_equal(left, right):
    """JavaScript ``==`` (Abstract Equality Comparison)."""
    kl, kr = _type(left), _type(right)
    if kl == kr:
        return _strict_equal(left, right)
    nullish = ("undefined", "null")
    if kl in nullish or kr in nullish:
        return kl in nullish and kr in nullish
    if kl == "boolean":
        return _loose_equal(_to_number(left), right)
    if kr == "boolean":
        return _loose_equal(left, _to_number(right))
    if kl == "object":
        return _loose_equal(_to_primitive(left), right)
    if kr == "object":
        return _loose_equal(left, _to_primitive(right))
    # number and string
    return _to_number(left) == _to_number(right)


def _utf16(text):
    return text.encode("utf-16-be", "surrogatepass")


def _less_than(left, right):
    """Abstract Relational Comparison: True, False, or None (undefined: a NaN)."""
    left, right = _to_primitive(left), _to_primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        return _utf16(left) < _utf16(right)
    left, right = _to_number(left), _to_number(right)
    if left != left or right != right:
        return None
    return left < right


def _add(left, right):
    left, right = _to_primitive(left), _to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return _to_string(left) + _to_string(right)
    return _to_number(left) + _to_number(right)


def _divide(left, right):
    left, right = _to_number(left), _to_number(right)
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
    left, right = _to_number(left), _to_number(right)
    try:
        return math.fmod(left, right)
    except ValueError:
        return math.nan


def _is_odd_integer(value):
    return math.isfinite(value) and value.is_integer() and int(value) % 2 == 1


def _power(left, right):
    base, exp = _to_number(left), _to_number(right)
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
        return _to_string(left) in right
    if isinstance(right, list | tuple):
        return any(_strict_equal(item, left) for item in right)
    return False


def _compare(symbol, left, right):
    if symbol == "<":
        return _less_than(left, right) is True
    if symbol == ">":
        return _less_than(right, left) is True
    if symbol == "<=":
        return _less_than(right, left) is False
    # ">="
    return _less_than(left, right) is False


_ARITHMETIC = {
    "+": _add,
    "-": lambda a, b: _to_number(a) - _to_number(b),
    "*": lambda a, b: _to_number(a) * _to_number(b),
    "/": _divide,
    "//": _floor_divide,
    "%": _modulo,
    "^": _power,
    "==": _loose_equal,
    "!=": lambda a, b: not _loose_equal(a, b),
    "in": _in,
}

_ARRAY_INDEX_RE = re.compile(r"0|[1-9][0-9]*")


def _property_key(value):
    if isinstance(value, str):
        return value
    return _to_string(value)


def _get_property(subject, key):
    """``subject[key]`` in JavaScript, for JSON values."""
    if subject is UNDEFINED or subject is None:
        kind = "undefined" if subject is UNDEFINED else "null"
        raise ExpressionError(f"Cannot read properties of {kind} (reading '{key}')")
    if isinstance(subject, dict):
        if key in subject:
            return subject[key]
        members = _OBJECT_MEMBERS
    elif isinstance(subject, list | tuple):
        if key == "length":
            return len(subject)
        if _ARRAY_INDEX_RE.fullmatch(key) and int(key) < len(subject):
            return subject[int(key)]
        members = _OBJECT_MEMBERS | _ARRAY_MEMBERS
    elif isinstance(subject, str):
        units = _utf16(subject)
        if key == "length":
            return len(units) // 2
        if _ARRAY_INDEX_RE.fullmatch(key) and int(key) < len(units) // 2:
            index = int(key) * 2
            return units[index : index + 2].decode("utf-16-be", "surrogatepass")
        members = _OBJECT_MEMBERS | _STRING_MEMBERS
    else:
        _type(subject)  # refuses values that are not JSON
        members = _OBJECT_MEMBERS | _NUMBER_MEMBERS
    if key in members:
        raise ExpressionError(f"'{key}' is a JavaScript built-in member, not supported")
    return UNDEFINED


def _export(value):
    """The evaluation result as plain Python (``undefined`` -> ``None``, like JSON)."""
    if value is UNDEFINED:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, list | tuple):
        return [_export(item) for item in value]
    if isinstance(value, dict):
        return {k: _export(v) for k, v in value.items() if v is not UNDEFINED}
    return value


# --------------------------------------------------------------------------------------
# Evaluation (jexl 2.3.0 evaluator/handlers.js over the pyjexl syntax tree)
# --------------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, context):
        self.context = context

    def eval(self, node, relative):
        method = getattr(self, "_eval_" + type(node).__name__, None)
        if method is None:
            raise ExpressionError(f"Unsupported expression node {type(node).__name__}")
        return method(node, relative)

    def _eval_Literal(self, node, relative):
        return node.value

    def _eval_ArrayLiteral(self, node, relative):
        return [self.eval(item, relative) for item in node.value]

    def _eval_ObjectLiteral(self, node, relative):
        return {key: self.eval(value, relative) for key, value in node.value.items()}

    def _eval_UnaryExpression(self, node, relative):
        # "!" is jexl's only unary operator.
        return not truthy(self.eval(node.right, relative))

    def _eval_BinaryExpression(self, node, relative):
        symbol = node.operator.symbol
        left = self.eval(node.left, relative)
        if symbol == "&&":
            return self.eval(node.right, relative) if truthy(left) else left
        if symbol == "||":
            return left if truthy(left) else self.eval(node.right, relative)
        right = self.eval(node.right, relative)
        if symbol in ("<", ">", "<=", ">="):
            return _compare(symbol, left, right)
        if symbol not in _ARITHMETIC:
            raise ExpressionError(f"Unknown operator {symbol}")
        return _ARITHMETIC[symbol](left, right)

    def _eval_ConditionalExpression(self, node, relative):
        test = self.eval(node.test, relative)
        if truthy(test):
            return test if node.consequent is None else self.eval(node.consequent, relative)
        return self.eval(node.alternate, relative)

    def _eval_Identifier(self, node, relative):
        if node.subject is None:
            return _get_property(relative if node.relative else self.context, node.value)
        subject = self.eval(node.subject, relative)
        if subject is UNDEFINED or subject is None:
            return UNDEFINED
        if isinstance(subject, list | tuple):
            subject = subject[0] if subject else UNDEFINED
        return _get_property(subject, node.value)

    def _eval_FilterExpression(self, node, relative):
        subject = self.eval(node.subject, relative)
        if node.relative:
            if not isinstance(subject, list | tuple):
                subject = [] if subject is UNDEFINED else [subject]
            return [
                item
                for item in subject
                if truthy(self.eval(node.expression, item if truthy(item) else self.context))
            ]
        key = self.eval(node.expression, relative)
        if isinstance(key, bool):
            return subject if key else UNDEFINED
        return _get_property(subject, _property_key(key))

    def _eval_Transform(self, node, relative):
        raise ExpressionError(f"Transform {node.name} is not defined.")


# --------------------------------------------------------------------------------------
# Port of jexl 2.3.0 Lexer.js and parser/ (Parser.js, states.js, handlers.js)
# --------------------------------------------------------------------------------------

_ELEMENTS = {
    ".": "dot",
    "[": "openBracket",
    "]": "closeBracket",
    "|": "pipe",
    "{": "openCurl",
    "}": "closeCurl",
    ":": "colon",
    ",": "comma",
    "(": "openParen",
    ")": "closeParen",
    "?": "question",
    "+": "binaryOp",
    "-": "binaryOp",
    "*": "binaryOp",
    "/": "binaryOp",
    "//": "binaryOp",
    "%": "binaryOp",
    "^": "binaryOp",
    "==": "binaryOp",
    "!=": "binaryOp",
    ">": "binaryOp",
    ">=": "binaryOp",
    "<": "binaryOp",
    "<=": "binaryOp",
    "&&": "binaryOp",
    "||": "binaryOp",
    "in": "binaryOp",
    "!": "unaryOp",
}
_PRECEDENCE = {
    "+": 30,
    "-": 30,
    "*": 40,
    "/": 40,
    "//": 40,
    "%": 50,
    "^": 50,
    "==": 20,
    "!=": 20,
    ">": 20,
    ">=": 20,
    "<": 20,
    "<=": 20,
    "&&": 10,
    "||": 10,
    "in": 20,
    "!": math.inf,
}
_IDENT_CHARS = "a-zA-Z\u0430-\u044f\u0410-\u042f_\xc0-\xd6\xd8-\xf6\xf8-\xff\\$"
_IDENT_CHARS_NUM = "a-zA-Z0-9\u0430-\u044f\u0410-\u042f_\xc0-\xd6\xd8-\xf6\xf8-\xff\\$"
_IDENT_RE = re.compile(f"[{_IDENT_CHARS}][{_IDENT_CHARS_NUM}]*", re.ASCII)
_NUMERIC_RE = re.compile(r"-?(?:(?:[0-9]*\.[0-9]+)|[0-9]+)", re.ASCII)
_WHITESPACE_RE = re.compile(_JS_SPACE_CLASS + "*", re.ASCII)


def _escape_element(element):
    escaped = re.sub(r"([.*+?^${}()|\[\]\\])", r"\\\1", element)
    if _IDENT_RE.fullmatch(escaped):
        escaped = r"\b" + escaped + r"\b"
    return escaped


_SPLIT_RE = re.compile(
    "("
    + "|".join(
        [
            r"'(?:(?:\\')|[^'])*'",
            r'"(?:(?:\\")|[^"])*"',
            _JS_SPACE_CLASS + "+",
            r"\btrue\b",
            r"\bfalse\b",
        ]
        + [_escape_element(e) for e in sorted(_ELEMENTS, key=len, reverse=True)]
        + [f"[{_IDENT_CHARS}][{_IDENT_CHARS_NUM}]*", r"(?:(?:[0-9]*\.[0-9]+)|[0-9]+)"]
    )
    + ")",
    re.ASCII,
)
_NEGATE_AFTER = ("binaryOp", "unaryOp", "openParen", "openBracket", "question", "colon")


class _JexlSyntaxError(Exception):
    pass


def _unquote(text):
    quote = text[0]
    body = text[1:-1].replace("\\" + quote, quote)
    return body.replace("\\\\", "\\", 1)


def _create_token(element):
    token = {"type": "literal", "value": element, "raw": element}
    if element[0] in "\"'":
        token["value"] = _unquote(element)
    elif _NUMERIC_RE.fullmatch(element):
        token["value"] = float(element)
    elif element in ("true", "false"):
        token["value"] = element == "true"
    elif element in _ELEMENTS:
        token["type"] = _ELEMENTS[element]
    elif _IDENT_RE.fullmatch(element):
        token["type"] = "identifier"
    else:
        raise _JexlSyntaxError(f"Invalid expression token: {element}")
    return token


def _tokenize(text):
    elements = [e for e in _SPLIT_RE.split(text) if e]
    tokens = []
    negate = False
    for element in elements:
        if _WHITESPACE_RE.fullmatch(element):
            if tokens:
                tokens[-1]["raw"] += element
        elif element == "-" and (not tokens or tokens[-1]["type"] in _NEGATE_AFTER):
            negate = True
        else:
            if negate:
                element = "-" + element
                negate = False
            tokens.append(_create_token(element))
    if negate:
        tokens.append(_create_token("-"))
    return tokens


def _state(types=None, sub=None, end=None, completable=False):
    return {"types": types or {}, "sub": sub, "end": end, "completable": completable}


# token type -> (next state, handler name or None for the token type's own handler)
_STATES = {
    "expectOperand": _state(
        {
            "literal": ("expectBinOp", None),
            "identifier": ("identifier", None),
            "unaryOp": (None, None),
            "openParen": ("subExpression", None),
            "openCurl": ("expectObjKey", "objStart"),
            "dot": ("traverse", None),
            "openBracket": ("arrayVal", "arrayStart"),
        }
    ),
    "expectBinOp": _state(
        {
            "binaryOp": ("expectOperand", None),
            "pipe": ("expectTransform", None),
            "dot": ("traverse", None),
            "question": ("ternaryMid", "ternaryStart"),
        },
        completable=True,
    ),
    "expectTransform": _state({"identifier": ("postTransform", "transform")}),
    "expectObjKey": _state(
        {"identifier": ("expectKeyValSep", "objKey"), "closeCurl": ("expectBinOp", None)}
    ),
    "expectKeyValSep": _state({"colon": ("objVal", None)}),
    "postTransform": _state(
        {
            "openParen": ("argVal", None),
            "binaryOp": ("expectOperand", None),
            "dot": ("traverse", None),
            "openBracket": ("filter", None),
            "pipe": ("expectTransform", None),
        },
        completable=True,
    ),
    "postArgs": _state(
        {
            "binaryOp": ("expectOperand", None),
            "dot": ("traverse", None),
            "openBracket": ("filter", None),
            "pipe": ("expectTransform", None),
        },
        completable=True,
    ),
    "identifier": _state(
        {
            "binaryOp": ("expectOperand", None),
            "dot": ("traverse", None),
            "openBracket": ("filter", None),
            "openParen": ("argVal", "functionCall"),
            "pipe": ("expectTransform", None),
            "question": ("ternaryMid", "ternaryStart"),
        },
        completable=True,
    ),
    "traverse": _state({"identifier": ("identifier", None)}),
    "filter": _state(sub="filter", end={"closeBracket": "identifier"}),
    "subExpression": _state(sub="subExpression", end={"closeParen": "expectBinOp"}),
    "argVal": _state(sub="argVal", end={"comma": "argVal", "closeParen": "postArgs"}),
    "objVal": _state(sub="objVal", end={"comma": "expectObjKey", "closeCurl": "expectBinOp"}),
    "arrayVal": _state(sub="arrayVal", end={"comma": "arrayVal", "closeBracket": "expectBinOp"}),
    "ternaryMid": _state(sub="ternaryMid", end={"colon": "ternaryEnd"}),
    "ternaryEnd": _state(sub="ternaryEnd", completable=True),
}
_TOKEN_HANDLERS = ("binaryOp", "dot", "identifier", "literal", "unaryOp")


class _JexlParser:
    """jexl 2.3.0 ``Parser`` (nodes are dicts; ``_parent`` links them upwards)."""

    def __init__(self, prefix="", stop_map=None):
        self.state = "expectOperand"
        self.tree = None
        self.cursor = None
        self.expr_str = prefix
        self.relative = False
        self.stop_map = stop_map or {}
        self.sub = None
        self.parent_stop = False
        self.encapsulate = False
        self.next_relative = False
        self.obj_key = None

    def add_token(self, token):
        if self.state == "complete":
            raise _JexlSyntaxError("Cannot add a new token to a completed Parser")
        state = _STATES[self.state]
        start = self.expr_str
        self.expr_str += token["raw"]
        if state["sub"]:
            if self.sub is None:
                self._start_sub(start)
            stop = self.sub.add_token(token)
            if stop:
                self._end_sub()
                if self.parent_stop:
                    return stop
                self.state = stop
        elif token["type"] in state["types"]:
            to_state, handler = state["types"][token["type"]]
            if handler is None and token["type"] in _TOKEN_HANDLERS:
                handler = token["type"]
            if handler:
                getattr(self, "h_" + handler)(token)
            if to_state:
                self.state = to_state
        elif token["type"] in self.stop_map:
            return self.stop_map[token["type"]]
        else:
            raise _JexlSyntaxError(
                f"Token {token['raw']} ({token['type']}) unexpected in expression: {self.expr_str}"
            )
        return False

    def complete(self):
        if self.cursor is not None and not _STATES[self.state]["completable"]:
            raise _JexlSyntaxError(f"Unexpected end of expression: {self.expr_str}")
        if self.sub is not None:
            self._end_sub()
        self.state = "complete"
        return self.tree if self.cursor is not None else None

    def _end_sub(self):
        getattr(self, "h_" + _STATES[self.state]["sub"])(self.sub.complete())
        self.sub = None

    def _start_sub(self, expr_str):
        end_states = _STATES[self.state]["end"]
        if not end_states:
            self.parent_stop = True
            end_states = self.stop_map
        self.sub = _JexlParser(expr_str, end_states)

    def _place_at_cursor(self, node):
        if self.cursor is None:
            self.tree = node
        else:
            if node is None:
                raise _JexlSyntaxError("Object.defineProperty called on non-object")
            self.cursor["right"] = node
            node["_parent"] = self.cursor
        self.cursor = node

    def _place_before_cursor(self, node):
        self.cursor = self.cursor.get("_parent")
        self._place_at_cursor(node)

    # handlers.js
    def h_argVal(self, ast):
        if ast:
            self.cursor["args"].append(ast)

    def h_arrayStart(self, token):
        self._place_at_cursor({"type": "ArrayLiteral", "value": []})

    def h_arrayVal(self, ast):
        if ast:
            self.cursor["value"].append(ast)

    def h_binaryOp(self, token):
        precedence = _PRECEDENCE[token["value"]]
        parent = self.cursor.get("_parent")
        while parent and parent.get("operator") and _PRECEDENCE[parent["operator"]] >= precedence:
            self.cursor = parent
            parent = parent.get("_parent")
        node = {"type": "BinaryExpression", "operator": token["value"], "left": self.cursor}
        self.cursor["_parent"] = node
        self.cursor = parent
        self._place_at_cursor(node)

    def h_dot(self, token):
        cursor = self.cursor
        self.encapsulate = bool(
            cursor
            and cursor["type"] != "UnaryExpression"
            and (cursor["type"] != "BinaryExpression" or cursor.get("right"))
        )
        self.next_relative = not cursor or not self.encapsulate
        if self.next_relative:
            self.relative = True

    def h_filter(self, ast):
        self._place_before_cursor(
            {
                "type": "FilterExpression",
                "expr": ast,
                "relative": self.sub.relative,
                "subject": self.cursor,
            }
        )

    def h_functionCall(self, token):
        self._place_before_cursor(
            {"type": "FunctionCall", "name": self.cursor["value"], "args": [], "pool": "functions"}
        )

    def h_identifier(self, token):
        node = {"type": "Identifier", "value": token["value"]}
        if self.encapsulate:
            node["from"] = self.cursor
            self._place_before_cursor(node)
            self.encapsulate = False
        else:
            if self.next_relative:
                node["relative"] = True
                self.next_relative = False
            self._place_at_cursor(node)

    def h_literal(self, token):
        self._place_at_cursor({"type": "Literal", "value": token["value"]})

    def h_objKey(self, token):
        self.obj_key = token["value"]

    def h_objStart(self, token):
        self._place_at_cursor({"type": "ObjectLiteral", "value": {}})

    def h_objVal(self, ast):
        self.cursor["value"][self.obj_key] = ast

    def h_subExpression(self, ast):
        self._place_at_cursor(ast)

    def h_ternaryEnd(self, ast):
        self.cursor["alternate"] = ast

    def h_ternaryMid(self, ast):
        self.cursor["consequent"] = ast

    def h_ternaryStart(self, token):
        self.tree = {"type": "ConditionalExpression", "test": self.tree}
        self.cursor = self.tree

    def h_transform(self, token):
        self._place_before_cursor(
            {
                "type": "FunctionCall",
                "name": token["value"],
                "args": [self.cursor],
                "pool": "transforms",
            }
        )

    def h_unaryOp(self, token):
        self._place_at_cursor({"type": "UnaryExpression", "operator": token["value"]})


def _jexl_parse(text):
    parser = _JexlParser()
    for token in _tokenize(text):
        parser.add_token(token)
    return parser.complete()


def _canon_literal(value):
    if isinstance(value, bool):
        return ("lit", "bool", value)
    if _is_number(value):
        return ("lit", "num", _float(value))
    return ("lit", "str", value)


def _canon_jexl(node):
    """Comparable form of a jexl-port node."""
    if node is None:
        return None
    kind = node["type"]
    if kind == "Literal":
        return _canon_literal(node["value"])
    if kind == "Identifier":
        return ("id", node["value"], bool(node.get("relative")), _canon_jexl(node.get("from")))
    if kind == "BinaryExpression":
        return ("bin", node["operator"], _canon_jexl(node["left"]), _canon_jexl(node.get("right")))
    if kind == "UnaryExpression":
        return ("un", node["operator"], _canon_jexl(node.get("right")))
    if kind == "ConditionalExpression":
        return (
            "cond",
            _canon_jexl(node["test"]),
            _canon_jexl(node.get("consequent")),
            _canon_jexl(node.get("alternate")),
        )
    if kind == "FilterExpression":
        return (
            "filter",
            bool(node["relative"]),
            _canon_jexl(node["subject"]),
            _canon_jexl(node["expr"]),
        )
    if kind == "ArrayLiteral":
        return ("arr", tuple(_canon_jexl(v) for v in node["value"]))
    if kind == "ObjectLiteral":
        return ("obj", tuple(sorted((k, _canon_jexl(v)) for k, v in node["value"].items())))
    # FunctionCall
    return ("call", node["pool"], node["name"], tuple(_canon_jexl(a) for a in node["args"]))


def _canon_pyjexl(node):
    """Comparable form of a pyjexl node (same shape as :func:`_canon_jexl`)."""
    if node is None:
        return None
    if isinstance(node, Literal):
        return _canon_literal(node.value)
    if isinstance(node, Identifier):
        return ("id", node.value, bool(node.relative), _canon_pyjexl(node.subject))
    if isinstance(node, BinaryExpression):
        return ("bin", node.operator.symbol, _canon_pyjexl(node.left), _canon_pyjexl(node.right))
    if isinstance(node, UnaryExpression):
        return ("un", node.operator.symbol, _canon_pyjexl(node.right))
    if isinstance(node, ConditionalExpression):
        return (
            "cond",
            _canon_pyjexl(node.test),
            _canon_pyjexl(node.consequent),
            _canon_pyjexl(node.alternate),
        )
    if isinstance(node, FilterExpression):
        return (
            "filter",
            bool(node.relative),
            _canon_pyjexl(node.subject),
            _canon_pyjexl(node.expression),
        )
    if isinstance(node, ArrayLiteral):
        return ("arr", tuple(_canon_pyjexl(v) for v in node.value))
    if isinstance(node, ObjectLiteral):
        return ("obj", tuple(sorted((k, _canon_pyjexl(v)) for k, v in node.value.items())))
    if isinstance(node, Transform):
        args = (_canon_pyjexl(node.subject),) + tuple(_canon_pyjexl(a) for a in node.args)
        return ("call", "transforms", node.name, args)
    raise ExpressionError(f"Unsupported expression node {type(node).__name__}")


# --------------------------------------------------------------------------------------
# Parsing (cached) and the public API
# --------------------------------------------------------------------------------------

_PYJEXL = JEXL()


@functools.lru_cache(maxsize=2048)
def _parse(expr):
    """The pyjexl tree of ``expr``, once both parsers agree on it."""
    if len(expr) > MAX_LENGTH:
        raise ExpressionError(f"Expression longer than {MAX_LENGTH} characters")
    try:
        jexl_tree = _jexl_parse(expr)
    except (_JexlSyntaxError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ExpressionError(f"Syntax error: {exc}") from None
    if jexl_tree is None:
        raise ExpressionError("Syntax error: empty expression")
    try:
        tree = _PYJEXL.parse(expr)
    except Exception as exc:  # pyjexl/parsimonious raise several types, all mean syntax
        raise ExpressionError(
            f"Syntax not supported by the server evaluator: {str(exc).splitlines()[0]}"
        ) from None
    if _canon_pyjexl(tree) != _canon_jexl(jexl_tree):
        raise ExpressionError(
            "The renderer and the server would read this expression differently; "
            "add parentheses or simplify it"
        )
    return tree


def evaluate(expr, context):
    """Evaluate ``expr`` against ``context`` (a dict of JSON values) like npm jexl 2.3.0.

    :returns: ``None`` for undefined/null, bool, int/float, str, list or dict.
    :raises ExpressionError: on a syntax error, or where jexl would throw
        (``[].length``, a missing transform, ...).
    """
    if not isinstance(expr, str):
        raise ExpressionError("An expression must be a string")
    tree = _parse(expr)
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise ExpressionError("The context must be a dict")
    try:
        return _export(_Evaluator(context).eval(tree, context))
    except RecursionError:
        raise ExpressionError("Expression or value nested too deeply") from None


def _evaluate_raw(expr, context):
    tree = _parse(expr)
    context = {} if context is None else context
    if not isinstance(context, dict):
        raise ExpressionError("The context must be a dict")
    try:
        return _Evaluator(context).eval(tree, context)
    except RecursionError:
        raise ExpressionError("Expression or value nested too deeply") from None


def is_true(expr, context):
    """Truthiness of ``expr`` as a display condition: an empty (or ``None``) expression is
    true, an expression that cannot be evaluated is false."""
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return True
    if not isinstance(expr, str):
        return False
    try:
        return truthy(_evaluate_raw(expr, context))
    except ExpressionError:
        return False


def _path(node):
    """Segments of a plain name path (``a.b.c``), or None."""
    segments = []
    while isinstance(node, Identifier) and not node.relative:
        segments.append(node.value)
        node = node.subject
        if node is None:
            return segments[::-1]
    return None


def _children(node):
    if isinstance(node, ArrayLiteral):
        return list(node.value)
    if isinstance(node, ObjectLiteral):
        return list(node.value.values())
    if isinstance(node, Transform):
        return [node.subject, *node.args]
    return [child for child in node.children if child is not None]


def _walk(node):
    yield node
    for child in _children(node):
        yield from _walk(child)


def _names(node, found=None):
    found = set() if found is None else found
    path = _path(node) if isinstance(node, Identifier) else None
    if path:
        found.add(".".join(path))
        return found
    for child in _children(node):
        _names(child, found)
    return found


def names(expr):
    """The names (bare codes or dotted paths such as ``personal.age``) ``expr`` reads.

    A trailing ``.length`` stays part of the path (``name.length``).
    :raises ExpressionError: when ``expr`` cannot be parsed.
    """
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return set()
    if not isinstance(expr, str):
        raise ExpressionError("An expression must be a string")
    return _names(_parse(expr))


def _construct_problems(tree):
    problems = []
    for node in _walk(tree):
        if isinstance(node, Transform):
            problems.append(f"Transform '|{node.name}' is not available in forms")
        elif isinstance(node, Identifier):
            if node.relative:
                problems.append(f"Relative name '.{node.value}' is not supported")
            elif node.value in _ALL_MEMBERS:
                problems.append(f"'{node.value}' is a JavaScript built-in name; rename it")
        elif isinstance(node, BinaryExpression) and node.operator.symbol == "^":
            problems.append(
                "The power operator '^' is not supported: the browser and the server can "
                "differ in its last digit; multiply instead"
            )
        elif isinstance(node, FilterExpression):
            key = node.expression
            literal_key = isinstance(key, Literal) and (
                isinstance(key.value, str)
                or (isinstance(key.value, int) and not isinstance(key.value, bool))
            )
            if not literal_key or key.value in _ALL_MEMBERS or _is_negative(key.value):
                problems.append(
                    "Only a literal index or key is supported inside [...] (e.g. tags[0])"
                )
    return problems


def _is_negative(value):
    return _is_number(value) and value < 0


def check(expr, known_names, list_names=()):
    """Save-time problems of ``expr`` (``[]`` when it can be saved).

    :param known_names: the names the expression may read (field codes, dotted paths
        such as ``step_code.field_code`` or ``program.fee``, ``today``). ``x.length`` is
        accepted when ``x`` is known.
    :param list_names: known names whose values are lists (checkboxes, multi-select):
        a property of those (``interests.length``) is refused, as jexl reads it from the
        first element of the list.
    """
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return []
    if not isinstance(expr, str):
        return ["An expression must be text"]
    try:
        tree = _parse(expr)
    except ExpressionError as exc:
        return [str(exc)]
    problems = _construct_problems(tree)
    known = set(known_names or ())
    lists = set(list_names or ())
    for name in sorted(_names(tree)):
        base = name.rsplit(".", 1)[0] if "." in name else None
        if name in known:
            continue
        if base in lists:
            problems.append(
                f"'{name}': a list has no properties here (the renderer reads the "
                "first item); use 'value in {base}' instead".replace("{base}", base)
            )
        elif name.endswith(".length") and base in known:
            continue
        else:
            problems.append(f"Unknown name '{name}'")
    return problems
