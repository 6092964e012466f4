"""Codes of PRS records (programs, flows, steps, form nodes): pure Python, no ORM.

A code names a node in expressions (``age >= 18``, ``personal.country``), so it must be a
valid JEXL identifier that is not a literal, an operator or a context value.
"""

import re
import unicodedata

CODE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
# names a code may not take: JEXL literals/operators and the context values of expressions
# the members every JavaScript object inherits (prs_form_builder's expression package,
# values.OBJECT_MEMBERS; a test keeps both lists equal): an unanswered field of such a
# code would read the inherited function in the renderer's jexl
OBJECT_MEMBERS = frozenset(
    "constructor __proto__ __defineGetter__ __defineSetter__ __lookupGetter__ "
    "__lookupSetter__ hasOwnProperty isPrototypeOf propertyIsEnumerable toLocaleString "
    "toString valueOf".split()
)
RESERVED_CODES = frozenset(
    {"true", "false", "null", "undefined", "in", "today", "program", *OBJECT_MEMBERS}
)
CODE_MAX = 40


def slugify_code(text, fallback="field"):
    """Turn a label into an expression-safe code: "Date of birth" -> "date_of_birth"."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    code = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:CODE_MAX].strip("_")
    if not code:
        code = fallback
    if code[0].isdigit():
        code = f"{fallback}_{code}"
    if code in RESERVED_CODES:
        code = f"{code}_{fallback}"
    return code


def unique_code(code, used, separator="_"):
    """Return ``code`` or ``code_2``, ``code_3``... not in ``used``; add it to ``used``."""
    candidate, counter = code, 1
    while candidate in used:
        counter += 1
        candidate = f"{code}{separator}{counter}"
    used.add(candidate)
    return candidate


def free_code(model, field, code, separator="_"):
    """``code``, or ``code<separator>2``, ``code<separator>3``... that no record of
    ``model`` (a recordset, archived records included) has in ``field``: one search for
    the codes starting with ``code``."""
    # =like: "_" and "%" in a code match any character; the set below is exact
    taken = set(
        model.with_context(active_test=False).search([(field, "=like", f"{code}%")]).mapped(field)
    )
    return unique_code(code, taken, separator=separator)
