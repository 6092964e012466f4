"""Field patterns: one meaning on the server (RE2, linear time) and in the renderer
(JavaScript ``new RegExp("^(?:" + pattern + ")$")``, no flags).

A pattern is read once by :func:`translate`, which accepts only a subset of the syntax
both engines read the same way and returns the RE2 spelling of it (or raises
:class:`PatternError` with a message for the configurator):

- literals, escaped punctuation, ``\\d \\D \\w \\W \\b \\B``, ``\\t \\n \\r \\f \\v``,
  ``\\xhh``, ``\\uhhhh`` (RE2: ``\\x{hhhh}``);
- ``.`` and ``\\s``/``\\S`` get JavaScript's meaning spelled out for RE2 (``.`` is not
  a line terminator, ``\\s`` is JavaScript's whitespace set);
- classes ``[...]``/``[^...]`` with ranges (no ``[`` inside, no empty class);
- groups ``(...)`` and ``(?:...)``, alternation ``|``, anchors ``^ $``;
- quantifiers ``* + ? {n} {n,} {n,m}`` (at most 1000), lazy ``?`` suffix.

Refused: lookaround, backreferences, named groups, inline flags, ``\\p``, ``\\0``,
``\\c``, other letter escapes (RE2 and JavaScript read them differently), a ``{`` that
is not a quantifier, a quantifier with nothing to repeat, characters outside the Basic
Multilingual Plane (JavaScript reads them as two UTF-16 units), surrogate code units
D800-DFFF (``\\ud83d\\ude00`` is an emoji for JavaScript, nothing RE2 can match) and a
class range reaching them (``[\\u0041-\\uffff]`` takes each half of an emoji in
JavaScript, not the emoji in RE2). Matching runs in RE2 (no
backtracking: time linear in the answer's length). One difference remains by design: in
an answer, a character outside the Basic Multilingual Plane (an emoji) is one character
for RE2 and two UTF-16 units for JavaScript's ``.``, ``\\S``, ``\\W`` and negated classes.
"""

import functools

import re2

MAX_REPEAT = 1000
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the caller, not logged
MAX_PATTERN = 1000

# JavaScript's \s (WhiteSpace and LineTerminator of ECMA-262) and line terminators
JS_SPACE = (
    r"\t\n\x{0b}\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}\x{feff}"
)
JS_LINE_TERMINATORS = r"\n\r\x{2028}\x{2029}"
HEX = "0123456789abcdefABCDEF"
# escapes read alike: class shorthands and control characters (RE2 spells \v \x{0b})
SAME_ESCAPES = {"d": r"\d", "D": r"\D", "w": r"\w", "W": r"\W"}
CONTROL_ESCAPES = {"t": r"\t", "n": r"\n", "r": r"\r", "f": r"\f", "v": r"\x{0b}"}
CONTROL_CODES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "v": 0x0B}
# UTF-16 surrogate halves: JavaScript (no u flag) pairs \uD83D\uDE00 into an emoji, RE2
# reads no such character
SURROGATES = (0xD800, 0xDFFF)
PUNCTUATION = set("\\^$.|?*+()[]{}/-,:=!<>#&~'\"%@`;_ ")


class PatternError(ValueError):
    """A pattern the server and the renderer would not read the same way."""


def _check_not_surrogate(code):
    if SURROGATES[0] <= code <= SURROGATES[1]:
        raise PatternError(
            f"\\u{code:04x} is half of a UTF-16 surrogate pair (D800-DFFF): JavaScript joins such "
            "halves into one character outside the Basic Multilingual Plane, which "
            "patterns do not support"
        )


def _check_range(low, high):
    """Refuse a class range ``low-high`` that reaches the surrogate halves."""
    if low <= SURROGATES[1] and high >= SURROGATES[0]:
        raise PatternError(
            f"the range \\u{low:04x}-\\u{high:04x} reaches the UTF-16 surrogate halves "
            "(D800-DFFF): "
            "JavaScript matches each half of a character outside the Basic Multilingual "
            "Plane (an emoji) with it, the server does not; end the range before \\ud800 "
            "or start it after \\udfff"
        )


def _escape(pattern, index, in_class):
    """RE2 spelling of the escape at ``pattern[index]`` (the backslash); return
    ``(text, next index, code point of the single character it is, else None)``."""
    if index + 1 >= len(pattern):
        raise PatternError("the pattern ends with a lone backslash")
    char = pattern[index + 1]
    if char in SAME_ESCAPES:
        return SAME_ESCAPES[char], index + 2, None
    if char in CONTROL_ESCAPES:
        return CONTROL_ESCAPES[char], index + 2, CONTROL_CODES[char]
    if char == "s":
        return (JS_SPACE if in_class else f"[{JS_SPACE}]"), index + 2, None
    if char == "S":
        if in_class:
            raise PatternError(r"\S inside a character class is not supported")
        return f"[^{JS_SPACE}]", index + 2, None
    if char in "bB" and not in_class:
        return "\\" + char, index + 2, None
    if char == "x":
        digits = pattern[index + 2 : index + 4]
        if len(digits) != 2 or any(d not in HEX for d in digits):
            raise PatternError(r"\x must be followed by two hexadecimal digits")
        return f"\\x{{{digits}}}", index + 4, int(digits, 16)
    if char == "u":
        digits = pattern[index + 2 : index + 6]
        if len(digits) != 4 or any(d not in HEX for d in digits):
            raise PatternError(r"\u must be followed by four hexadecimal digits")
        _check_not_surrogate(int(digits, 16))
        return f"\\x{{{digits}}}", index + 6, int(digits, 16)
    if char in PUNCTUATION:
        return ("\\" + char) if char != " " else " ", index + 2, ord(char)
    raise PatternError(
        f"the escape \\{char} is not supported (the renderer and the server read it "
        "differently, or not at all)"
    )


def _class(pattern, index):
    """RE2 spelling of the character class starting at ``pattern[index]`` (``[``)."""
    out = ["["]
    index += 1
    if index < len(pattern) and pattern[index] == "^":
        out.append("^")
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        raise PatternError("an empty character class [] (or one starting with ]) is ambiguous")
    previous = None  # code point of the previous single character (a range may start)
    low = None  # code point of a range's start once its "-" is read
    while index < len(pattern):
        char = pattern[index]
        if char == "]":
            out.append("]")
            return "".join(out), index + 1
        if char == "[":
            raise PatternError("escape [ inside a character class as \\[")
        if char == "\\":
            text, index, code = _escape(pattern, index, in_class=True)
        # a range: "-" between two single characters (not before "]" or the end)
        elif char == "-" and previous is not None and pattern[index + 1 : index + 2] not in "]":
            out.append("-")
            index += 1
            previous, low = None, previous
            continue
        else:
            text, index, code = _class_literal(char), index + 1, ord(char)
        if low is not None and code is not None:
            _check_range(low, code)
        out.append(text)
        previous, low = code, None
    raise PatternError("a character class is not closed with ]")


def _class_literal(char):
    _check_char(char)
    return "\\-" if char == "-" else char


def _quantifier(pattern, index):
    """``(text, next index)`` of a ``{n}``, ``{n,}`` or ``{n,m}`` quantifier at
    ``pattern[index]``, or None when the brace is not one."""
    end = pattern.find("}", index)
    if end < 0:
        return None
    body = pattern[index + 1 : end]
    low, comma, high = body.partition(",")
    if not low.isdigit() or not low.isascii() or (high and not (high.isdigit() and high.isascii())):
        return None
    if int(low) > MAX_REPEAT or (high and int(high) > MAX_REPEAT):
        raise PatternError(f"a repetition count is over {MAX_REPEAT}")
    if high and int(high) < int(low):
        raise PatternError("a repetition {n,m} has m smaller than n")
    return pattern[index : end + 1], end + 1


def _repeat(pattern, index, can_repeat):
    """``(text, next index)`` of the quantifier at ``pattern[index]`` (with its lazy
    ``?``)."""
    char = pattern[index]
    if char == "{":
        quantifier = _quantifier(pattern, index)
        if quantifier is None:
            raise PatternError("a { that is not a repetition {n,m} must be escaped as \\{")
        text, index = quantifier
    else:
        text, index = char, index + 1
    if not can_repeat:
        raise PatternError(f"the repetition {text} has nothing to repeat")
    if pattern[index : index + 1] == "?":
        text += "?"
        index += 1
    return text, index


def _group_open(pattern, index):
    """``(text, next index)`` of the group opening at ``pattern[index]``."""
    if pattern.startswith("(?:", index):
        return "(?:", index + 3
    if pattern.startswith("(?", index):
        raise PatternError(
            "lookarounds, named groups and inline flags (?...) are not supported; "
            "use (...) or (?:...)"
        )
    return "(", index + 1


def _check_char(char):
    """Refuse a character JavaScript reads as other than one UTF-16 unit of it."""
    if ord(char) > 0xFFFF:
        raise PatternError(
            f"the character {char} is outside the Basic Multilingual Plane: JavaScript "
            "reads it as two UTF-16 units"
        )
    _check_not_surrogate(ord(char))


def _literal(char):
    if char in "]}":
        raise PatternError(f"escape {char} as \\{char}")
    _check_char(char)
    return char


def translate(pattern):
    """The RE2 spelling of ``pattern`` with JavaScript's meaning; raises
    :class:`PatternError` when the pattern is outside the shared subset."""
    if not isinstance(pattern, str) or not pattern:
        raise PatternError("the pattern is empty")
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN} characters")
    out, index, depth = [], 0, 0
    can_repeat = False  # the previous item is an atom a quantifier may follow
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            text, index, __ = _escape(pattern, index, in_class=False)
            can_repeat = text not in (r"\b", r"\B")
        elif char == "[":
            text, index = _class(pattern, index)
            can_repeat = True
        elif char == "(":
            text, index = _group_open(pattern, index)
            depth += 1
            can_repeat = False
        elif char == ")":
            if not depth:
                raise PatternError("a ) has no matching (")
            text, index, depth, can_repeat = ")", index + 1, depth - 1, True
        elif char in "*+?{":
            text, index = _repeat(pattern, index, can_repeat)
            can_repeat = False
        elif char == ".":
            text, index, can_repeat = f"[^{JS_LINE_TERMINATORS}]", index + 1, True
        elif char in "|^$":
            text, index, can_repeat = char, index + 1, False
        else:
            text, index, can_repeat = _literal(char), index + 1, True
        out.append(text)
    if depth:
        raise PatternError("a ( is not closed with )")
    return "".join(out)


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern):
    """The compiled RE2 full-match regex of ``pattern`` (cached); raises
    :class:`PatternError`."""
    try:
        return re2.compile(f"(?:{translate(pattern)})", _OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def check(pattern):
    """None when ``pattern`` is usable, else the reason (for a save-time message)."""
    try:
        compile_pattern(pattern)
    except PatternError as error:
        return str(error)
    return None


def fullmatch(pattern, value):
    """True when the whole ``value`` matches ``pattern`` (linear time)."""
    return compile_pattern(pattern).fullmatch(value) is not None
