"""JEXL expressions with the semantics of npm ``jexl`` 2.3.0 (the React renderer's evaluator).

Display conditions, required-if, step skip conditions and cross-field rules are JEXL
expressions. The browser evaluates them with npm ``jexl`` 2.3.0; the server must reach the
same answer, or refuse the expression when it is saved. One grammar, one syntax tree:

* :mod:`.parser` — jexl 2.3.0's lexer and parser, ported token by token; :func:`parse`
  gives the (cached) syntax tree every other part reads;
* :mod:`.values` — JavaScript values and operators: ``undefined`` for missing names,
  loose ``==``, relational comparisons through ``ToPrimitive``/``ToNumber`` (so a
  comparison with a missing value is false), ``+`` concatenating as soon as one side is a
  string, number formatting, property reads;
* :mod:`.evaluator` — evaluates the tree like jexl's handlers: a path through a missing
  object is ``undefined``, a property of an array reads its first element
  (``interests.length`` is the length of the first interest), ``in`` on strings
  (substring) and arrays (strict equality), no unary minus on names (``-age`` is a syntax
  error; ``-5`` is a number), no transforms or functions (none are registered in the
  renderer);
* :mod:`.checks` — the save-time checks (syntax, constructs the server refuses, unknown
  names).

Public API::

    evaluate(expr, context) -> value      # raises ExpressionError
    truthy(value) -> bool                 # JavaScript truthiness ([] and {} are true)
    is_true(expr, context) -> bool        # empty expression: True; error: False
    check(expr, known_names, list_names=()) -> [problem, ...]
    names(expr) -> {"age", "personal.age", ...}
    parse(expr) -> syntax tree            # cached; raises ExpressionError

``evaluate`` returns plain Python values: ``None`` for JavaScript ``undefined`` and
``null``, integral numbers as ``int``, other numbers as ``float`` (NaN and infinities
included), strings, booleans, lists and dicts.

Dates: there is no date type in jexl. Date answers are ISO strings and compare as strings
(``dob < '2008-01-01'``, ``start_date >= today``), which orders ISO dates correctly.
``today`` is not built in: callers put it in the context as an ISO date string
(``{"today": "2026-11-25", ...}``) and list it in ``known_names``.

Deep nesting never reaches Python's recursion limit: the parser keeps its sub-parsers on
a list, refuses more than :data:`MAX_DEPTH` levels and the evaluator loops over chains.
"""

from .checks import check, names, tree_names
from .evaluator import evaluate, is_true
from .parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    ArrayLiteral,
    BinaryExpression,
    ConditionalExpression,
    FilterExpression,
    FunctionCall,
    Identifier,
    Literal,
    Node,
    ObjectLiteral,
    UnaryExpression,
    parse,
    walk,
)
from .values import UNDEFINED, ExpressionError, truthy

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "UNDEFINED",
    "ArrayLiteral",
    "BinaryExpression",
    "ConditionalExpression",
    "ExpressionError",
    "FilterExpression",
    "FunctionCall",
    "Identifier",
    "Literal",
    "Node",
    "ObjectLiteral",
    "UnaryExpression",
    "check",
    "evaluate",
    "is_true",
    "names",
    "parse",
    "tree_names",
    "truthy",
    "walk",
]
