"""The one JEXL grammar: npm jexl 2.3.0's lexer and parser, ported to Python.

:func:`parse` turns an expression into the syntax tree the evaluator, the save-time
checks and the form checks all read. The port follows jexl 2.3.0 ``Lexer.js`` and
``parser/`` (``Parser.js``, ``states.js``, ``handlers.js``) token by token, quirks
included (``-`` glued to the next operand, ``(!a).b`` reading ``!(.b)``, ...), so the
server reads every expression exactly as the renderer does. Two differences, neither
visible in a result:

* jexl nests one sub-parser per bracket and hands every token down the chain
  recursively; here the chain is an explicit stack, so any nesting parses without
  recursion (and in linear time);
* the finished tree is measured: deeper than :data:`MAX_DEPTH` levels of the nesting
  the evaluator recurses on is an :class:`ExpressionError` (long flat chains such as
  ``a || b || ...``, ``a.b.c...`` or ``!!!x`` are not nesting: they are evaluated in a
  loop).

Nodes are small read-only-by-convention objects (trees are cached and shared).
"""

import functools
import math
import re

from .values import JS_SPACES, ExpressionError

#: Longest expression accepted (characters).
MAX_LENGTH = 2000

#: Deepest nesting accepted (brackets, operands of operators, filters, literals).
MAX_DEPTH = 64


# --------------------------------------------------------------------------------------
# Syntax tree (jexl's AST node types)
# --------------------------------------------------------------------------------------


class Node:
    __slots__ = ("parent",)  # parent: used while parsing only (jexl's _parent)

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Literal(Node):
    """A string, number (float, as in JavaScript) or boolean."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.parent = None
        self.value = value


class Identifier(Node):
    """``name``, ``subject.name`` (``subject`` is jexl's ``from``) or ``.name``
    (``relative``: read from the element a filter tests)."""

    __slots__ = ("name", "subject", "relative")

    def __init__(self, name, subject=None, relative=False):
        self.parent = None
        self.name = name
        self.subject = subject
        self.relative = relative


class UnaryExpression(Node):
    __slots__ = ("operator", "right")

    def __init__(self, operator):
        self.parent = None
        self.operator = operator
        self.right = None


class BinaryExpression(Node):
    __slots__ = ("operator", "left", "right")

    def __init__(self, operator, left):
        self.parent = None
        self.operator = operator
        self.left = left
        self.right = None


class ConditionalExpression(Node):
    """``test ? consequent : alternate``; ``consequent`` None returns the test's value."""

    __slots__ = ("test", "consequent", "alternate")

    def __init__(self, test):
        self.parent = None
        self.test = test
        self.consequent = None
        self.alternate = None


class FilterExpression(Node):
    """``subject[expr]``: a key or index, or (``relative``) a filter on ``.names``."""

    __slots__ = ("subject", "expr", "relative")

    def __init__(self, subject, expr, relative):
        self.parent = None
        self.subject = subject
        self.expr = expr
        self.relative = relative


class ArrayLiteral(Node):
    __slots__ = ("items",)

    def __init__(self):
        self.parent = None
        self.items = []


class ObjectLiteral(Node):
    __slots__ = ("entries",)  # {key: node}

    def __init__(self):
        self.parent = None
        self.entries = {}


class FunctionCall(Node):
    """``name(args)`` (pool ``functions``) or ``subject|name(args)`` (pool
    ``transforms``, ``args[0]`` is the subject); the renderer registers none."""

    __slots__ = ("name", "args", "pool")

    def __init__(self, name, args, pool):
        self.parent = None
        self.name = name
        self.args = args
        self.pool = pool


def children(node):
    """The child nodes of ``node`` (None children left out), in source order."""
    cls = node.__class__
    if cls is BinaryExpression:
        found = (node.left, node.right)
    elif cls is Identifier:
        found = (node.subject,)
    elif cls is UnaryExpression:
        found = (node.right,)
    elif cls is FilterExpression:
        found = (node.subject, node.expr)
    elif cls is ConditionalExpression:
        found = (node.test, node.consequent, node.alternate)
    elif cls is ArrayLiteral:
        found = node.items
    elif cls is ObjectLiteral:
        found = node.entries.values()
    elif cls is FunctionCall:
        found = node.args
    else:
        found = ()
    return [child for child in found if child is not None]


def walk(tree):
    """Every node of ``tree``, parents before children (no recursion)."""
    stack = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


# --------------------------------------------------------------------------------------
# Lexer (jexl 2.3.0 Lexer.js and grammar.js)
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
PRECEDENCE = {
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
_JS_SPACE_CLASS = "[" + re.escape(JS_SPACES) + "]"
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


class _Token:
    __slots__ = ("type", "value", "raw")

    def __init__(self, element):
        self.type = "literal"
        self.value = element
        self.raw = element
        if element[0] in "\"'":
            self.value = unquote(element)
        elif _NUMERIC_RE.fullmatch(element):
            self.value = float(element)
        elif element in ("true", "false"):
            self.value = element == "true"
        elif element in _ELEMENTS:
            self.type = _ELEMENTS[element]
        elif _IDENT_RE.fullmatch(element):
            self.type = "identifier"
        else:
            raise ExpressionError(f"Syntax error: Invalid expression token: {element}")


def unquote(text):
    """jexl's ``_unquote``: ``\\<quote>`` is the quote, the first ``\\\\`` one backslash."""
    quote = text[0]
    body = text[1:-1].replace("\\" + quote, quote)
    return body.replace("\\\\", "\\", 1)


_BACKSLASH = (
    "A backslash in text is read literally by the renderer (only \\' or \\\" may be "
    "escaped); remove it"
)


def tokenize(text, notes=None):
    """jexl's ``Lexer.tokenize``: a list of tokens (``type``, ``value``, ``raw``).

    ``notes`` (a list) receives what jexl reads more loosely than it looks.
    """
    tokens = []
    negate = spaced = False
    for element in _SPLIT_RE.split(text):
        if not element:
            continue
        if _WHITESPACE_RE.fullmatch(element):
            spaced = negate
            if tokens:
                tokens[-1].raw += element
        elif element == "-" and (not tokens or tokens[-1].type in _NEGATE_AFTER):
            negate, spaced = True, False
        else:
            if element[0] in "'\"" and notes is not None:
                if "\\" in element[1:-1].replace("\\" + element[0], ""):
                    notes.append(_BACKSLASH)
            if negate:
                if spaced and notes is not None:
                    notes.append(f"Write '-{element}' without a space after the minus sign")
                element = "-" + element
                negate = False
            tokens.append(_Token(element))
    if negate:
        tokens.append(_Token("-"))
    return tokens


# --------------------------------------------------------------------------------------
# Parser (jexl 2.3.0 parser/states.js, handlers.js, Parser.js)
# --------------------------------------------------------------------------------------


class _State:
    __slots__ = ("types", "sub", "end", "completable")

    def __init__(self, types=None, sub=None, end=None, completable=False):
        self.types = types or {}  # token type -> (next state or None, handler name or None)
        self.sub = sub  # handler of the sub-expression's tree
        self.end = end  # token type -> state: the tokens that end the sub-expression
        self.completable = completable


_STATES = {
    "expectOperand": _State(
        {
            "literal": ("expectBinOp", "literal"),
            "identifier": ("identifier", "identifier"),
            "unaryOp": (None, "unaryOp"),
            "openParen": ("subExpression", None),
            "openCurl": ("expectObjKey", "objStart"),
            "dot": ("traverse", "dot"),
            "openBracket": ("arrayVal", "arrayStart"),
        }
    ),
    "expectBinOp": _State(
        {
            "binaryOp": ("expectOperand", "binaryOp"),
            "pipe": ("expectTransform", None),
            "dot": ("traverse", "dot"),
            "question": ("ternaryMid", "ternaryStart"),
        },
        completable=True,
    ),
    "expectTransform": _State({"identifier": ("postTransform", "transform")}),
    "expectObjKey": _State(
        {"identifier": ("expectKeyValSep", "objKey"), "closeCurl": ("expectBinOp", None)}
    ),
    "expectKeyValSep": _State({"colon": ("objVal", None)}),
    "postTransform": _State(
        {
            "openParen": ("argVal", None),
            "binaryOp": ("expectOperand", "binaryOp"),
            "dot": ("traverse", "dot"),
            "openBracket": ("filter", None),
            "pipe": ("expectTransform", None),
        },
        completable=True,
    ),
    "postArgs": _State(
        {
            "binaryOp": ("expectOperand", "binaryOp"),
            "dot": ("traverse", "dot"),
            "openBracket": ("filter", None),
            "pipe": ("expectTransform", None),
        },
        completable=True,
    ),
    "identifier": _State(
        {
            "binaryOp": ("expectOperand", "binaryOp"),
            "dot": ("traverse", "dot"),
            "openBracket": ("filter", None),
            "openParen": ("argVal", "functionCall"),
            "pipe": ("expectTransform", None),
            "question": ("ternaryMid", "ternaryStart"),
        },
        completable=True,
    ),
    "traverse": _State({"identifier": ("identifier", "identifier")}),
    "filter": _State(sub="filter", end={"closeBracket": "identifier"}),
    "subExpression": _State(sub="subExpression", end={"closeParen": "expectBinOp"}),
    "argVal": _State(sub="argVal", end={"comma": "argVal", "closeParen": "postArgs"}),
    "objVal": _State(sub="objVal", end={"comma": "expectObjKey", "closeCurl": "expectBinOp"}),
    "arrayVal": _State(sub="arrayVal", end={"comma": "arrayVal", "closeBracket": "expectBinOp"}),
    "ternaryMid": _State(sub="ternaryMid", end={"colon": "ternaryEnd"}),
    "ternaryEnd": _State(sub="ternaryEnd", completable=True),
}


class _Frame:
    """One jexl ``Parser`` (the top level, or the sub-parser of a bracket or ternary)."""

    __slots__ = (
        "state",
        "tree",
        "cursor",
        "relative",
        "stop_map",
        "parent_stop",
        "encapsulate",
        "next_relative",
        "obj_key",
        "text",
        "depth",
    )

    def __init__(self, stop_map, text, depth=0):
        self.state = "expectOperand"
        self.tree = None
        self.cursor = None
        self.relative = False
        self.stop_map = stop_map
        self.parent_stop = False
        self.encapsulate = False
        self.next_relative = False
        self.obj_key = None
        self.text = text  # the expression read so far, for messages (a list, shared)
        self.depth = depth  # brackets around this sub-parser (a "? :" chain is no nesting)

    def error(self, message):
        return ExpressionError(f"Syntax error: {message}: {''.join(self.text)}")

    def add_token(self, token):
        """Handle a token in a state without sub-expression; return a stop state or None."""
        handling = _STATES[self.state].types.get(token.type)
        if handling is not None:
            to_state, handler = handling
            if handler:
                getattr(self, "h_" + handler)(token)
            if to_state:
                self.state = to_state
            return None
        stop = self.stop_map.get(token.type)
        if stop:
            return stop
        raise self.error(f"Token {token.raw.strip(JS_SPACES)} ({token.type}) unexpected")

    def check_completable(self):
        if self.cursor is not None and not _STATES[self.state].completable:
            raise self.error("Unexpected end of expression")

    def result(self):
        self.state = "complete"
        return self.tree if self.cursor is not None else None

    def end_sub(self, tree, sub_relative):
        getattr(self, "s_" + _STATES[self.state].sub)(tree, sub_relative)

    def sub_stop_map(self):
        end = _STATES[self.state].end
        if not end:
            self.parent_stop = True
            end = self.stop_map
        return end

    def place_at_cursor(self, node):
        if self.cursor is None:
            self.tree = node
        else:
            if node is None:
                raise self.error("Empty sub-expression")
            if not isinstance(self.cursor, UnaryExpression | BinaryExpression):
                raise self.error("Unexpected operand")
            self.cursor.right = node
            node.parent = self.cursor
        self.cursor = node

    def place_before_cursor(self, node):
        self.cursor = self.cursor.parent
        self.place_at_cursor(node)

    def _require_cursor(self, token):
        if self.cursor is None:
            raise self.error(f"Token {token.raw.strip(JS_SPACES)} ({token.type}) unexpected")

    # handlers.js: token handlers
    def h_arrayStart(self, token):
        self.place_at_cursor(ArrayLiteral())

    def h_binaryOp(self, token):
        self._require_cursor(token)
        precedence = PRECEDENCE[token.value]
        parent = self.cursor.parent
        while (
            parent is not None  # parents are operators (jexl tests parent.operator)
            and PRECEDENCE[parent.operator] >= precedence
        ):
            self.cursor = parent
            parent = parent.parent
        node = BinaryExpression(token.value, self.cursor)
        self.cursor.parent = node
        self.cursor = parent
        self.place_at_cursor(node)

    def h_dot(self, token):
        cursor = self.cursor
        self.encapsulate = bool(
            cursor is not None
            and cursor.__class__ is not UnaryExpression
            and (cursor.__class__ is not BinaryExpression or cursor.right is not None)
        )
        self.next_relative = cursor is None or not self.encapsulate
        if self.next_relative:
            self.relative = True

    def h_functionCall(self, token):
        name = self.cursor.name if self.cursor.__class__ is Identifier else None
        self.place_before_cursor(FunctionCall(name, [], "functions"))

    def h_identifier(self, token):
        if self.encapsulate:
            node = Identifier(token.value, subject=self.cursor)
            self.place_before_cursor(node)
            self.encapsulate = False
        else:
            node = Identifier(token.value, relative=self.next_relative)
            self.next_relative = False
            self.place_at_cursor(node)

    def h_literal(self, token):
        self.place_at_cursor(Literal(token.value))

    def h_objKey(self, token):
        self.obj_key = token.value

    def h_objStart(self, token):
        self.place_at_cursor(ObjectLiteral())

    def h_ternaryStart(self, token):
        self.tree = ConditionalExpression(self.tree)
        self.cursor = self.tree

    def h_transform(self, token):
        self._require_cursor(token)
        self.place_before_cursor(FunctionCall(token.value, [self.cursor], "transforms"))

    def h_unaryOp(self, token):
        self.place_at_cursor(UnaryExpression(token.value))

    # handlers.js: sub-expression handlers
    def s_argVal(self, tree, sub_relative):
        if tree is not None:
            self.cursor.args.append(tree)

    def s_arrayVal(self, tree, sub_relative):
        if tree is not None:
            self.cursor.items.append(tree)

    def s_filter(self, tree, sub_relative):
        self.place_before_cursor(FilterExpression(self.cursor, tree, sub_relative))

    def s_objVal(self, tree, sub_relative):
        self.cursor.entries[self.obj_key] = tree

    def s_subExpression(self, tree, sub_relative):
        self.place_at_cursor(tree)

    def s_ternaryEnd(self, tree, sub_relative):
        self.cursor.alternate = tree

    def s_ternaryMid(self, tree, sub_relative):
        self.cursor.consequent = tree


def _too_deep():
    return ExpressionError(f"Expression nested more than {MAX_DEPTH} levels deep")


_EMPTY = "Empty value: something is missing between brackets, commas or '? :'"


def _empty_allowed(frame, stop):
    """``[]`` and ``f()`` are empty lists; any other empty sub-expression is a slip."""
    if stop not in ("expectBinOp", "postArgs"):
        return False
    if frame.state == "arrayVal":
        return not frame.cursor.items
    return frame.state == "argVal" and not frame.cursor.args


def _parse_tokens(tokens, notes):
    """jexl's ``Parser.addTokens`` then ``complete``, with the chain of sub-parsers kept
    in a list (``stack[-1]`` is the innermost) instead of a recursion.

    ``notes`` receives what jexl accepts but reads loosely: empty values (``[1,,2]``,
    ``a ? : b``), brackets left open at the end (``(a``)."""
    text = []
    stack = [_Frame({}, text)]
    for token in tokens:
        text.append(token.raw)
        frame = stack[-1]
        while _STATES[frame.state].sub:  # a state reading a sub-expression: start it
            depth = frame.depth + (frame.state != "ternaryEnd")
            if depth > MAX_DEPTH:
                raise _too_deep()
            frame = _Frame(frame.sub_stop_map(), text, depth)
            stack.append(frame)
        stop = frame.add_token(token)
        while stop:  # the token ends the innermost sub-expression (and maybe more)
            child = stack.pop()
            child.check_completable()
            frame = stack[-1]
            tree = child.result()
            if tree is None and not _empty_allowed(frame, stop):
                notes.append(_EMPTY)
            frame.end_sub(tree, child.relative)
            if not frame.parent_stop:
                frame.state = stop
                stop = None
    tree = None
    sub_relative = False
    for position, frame in enumerate(reversed(stack)):
        frame.check_completable()
        if position:
            if frame.state != "ternaryEnd":
                notes.append("A bracket is not closed")
            if tree is None:
                notes.append(_EMPTY)
            frame.end_sub(tree, sub_relative)
        elif frame.state == "ternaryEnd":
            notes.append(_EMPTY)  # "a ? b :" at the end
        tree, sub_relative = frame.result(), frame.relative
    return tree


# Edges the evaluator follows in a loop (a chain of them is no nesting): the left operand,
# the subject of a path or filter, the operand of "!", the branches of a conditional.
_LOOP_EDGES = {
    BinaryExpression: ("left",),
    Identifier: ("subject",),
    FilterExpression: ("subject",),
    UnaryExpression: ("right",),
    ConditionalExpression: ("consequent", "alternate"),
}


def _check_depth(tree):
    """Clear the parse-time parent links and refuse nesting deeper than MAX_DEPTH."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        node.parent = None
        loop_edges = _LOOP_EDGES.get(node.__class__, ())
        for name in node.__slots__:
            value = getattr(node, name)
            if isinstance(value, list):
                found = value
            elif isinstance(value, dict):
                found = value.values()
            elif isinstance(value, Node):
                found = (value,)
            else:
                continue
            for child in found:
                if child is None:
                    continue
                nested = name not in loop_edges or (
                    child.__class__ is ConditionalExpression
                    and node.__class__ is not ConditionalExpression
                )
                child_depth = depth + 1 if nested else depth
                if child_depth > MAX_DEPTH:
                    raise _too_deep()
                stack.append((child, child_depth))


def parse_tree(expr, notes=None):
    """The syntax tree of ``expr`` (uncached, no length limit), None when it is empty.

    :param notes: a list that receives what jexl reads more loosely than it looks
        (see :func:`loose_syntax`).
    :raises ExpressionError: on a syntax error or nesting deeper than MAX_DEPTH.
    """
    notes = [] if notes is None else notes
    tree = _parse_tokens(tokenize(expr, notes), notes)
    if tree is not None:
        _check_depth(tree)
    return tree


@functools.lru_cache(maxsize=4096)
def _cached(expr):
    """(tree, problem, notes) of ``expr``: errors are cached too."""
    if len(expr) > MAX_LENGTH:
        return None, f"Expression longer than {MAX_LENGTH} characters", ()
    notes = []
    try:
        tree = parse_tree(expr, notes)
    except ExpressionError as exc:
        return None, str(exc), ()
    if tree is None:
        return None, "Syntax error: empty expression", ()
    return tree, None, tuple(dict.fromkeys(notes))


def loose_syntax(expr):
    """What jexl accepts in ``expr`` but reads more loosely than it looks: a value left
    empty (``[1,,2]``, ``a ? : b``, ``a ? b :``), a bracket never closed (``(a``), a
    space inside a negative number (``- 5``), a backslash in text other than before its
    quote (jexl keeps ``\\n`` as two characters, unescapes only the first ``\\\\``).
    The renderer evaluates them; the server refuses them at save (they are slips, and
    another jexl reader would refuse them).

    :raises ExpressionError: as :func:`parse`.
    """
    parse(expr)
    return list(_cached(expr)[2])


def parse(expr):
    """The syntax tree of ``expr``, cached by text (share it, never change it).

    :raises ExpressionError: when ``expr`` is not text, longer than MAX_LENGTH, empty,
        nested too deeply or not valid jexl.
    """
    if not isinstance(expr, str):
        raise ExpressionError("An expression must be a string")
    tree, problem, __ = _cached(expr)
    if problem:
        raise ExpressionError(problem)
    return tree
