"""Save-time checks of an expression: what it reads, and what the server refuses.

Refused (the renderer and the server would agree, but the construct is a trap or cannot
be guaranteed): syntax errors, transforms (``x|upper``) and function calls (none exist in
the renderer), relative identifiers and filters other than a literal index/key
(``tags[0]``, ``obj['k']``), names that are JavaScript built-in members (``constructor``,
``toString``, ...), the power operator ``^`` (V8's ``Math.pow`` and C's ``pow`` can
differ in the last bit), a backslash in text other than before its quote (jexl keeps
``\\n`` as two characters and unescapes only the first ``\\\\``), unknown names,
expressions longer than :data:`~.parser.MAX_LENGTH` or nested deeper than
:data:`~.parser.MAX_DEPTH`, and ``.length`` (or any property) on a list field named in
``list_names`` (jexl reads it from the list's first element).
"""

from .parser import (
    BinaryExpression,
    FilterExpression,
    FunctionCall,
    Identifier,
    Literal,
    children,
    loose_syntax,
    parse,
    walk,
)
from .values import ALL_MEMBERS, ExpressionError, is_number


def path(node):
    """Segments of a plain name path (``a.b.c``) ending at ``node``, or None."""
    segments = []
    while node.__class__ is Identifier and not node.relative:
        segments.append(node.name)
        node = node.subject
        if node is None:
            return segments[::-1]
    return None


def tree_names(tree):
    """The names (``age``, ``personal.age``) the syntax tree ``tree`` reads."""
    found = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        segments = path(node) if node.__class__ is Identifier else None
        if segments:
            found.add(".".join(segments))
        else:
            stack.extend(children(node))
    return found


def names(expr):
    """The names (bare codes or dotted paths such as ``personal.age``) ``expr`` reads.

    A trailing ``.length`` stays part of the path (``name.length``).
    :raises ExpressionError: when ``expr`` cannot be parsed.
    """
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return set()
    return tree_names(parse(expr))


def _construct_problems(tree):
    problems = []
    for node in walk(tree):
        cls = node.__class__
        if cls is FunctionCall:
            if node.pool == "transforms":
                problems.append(f"Transform '|{node.name}' is not available in forms")
            else:
                problems.append(f"Function '{node.name or ''}()' is not available in forms")
        elif cls is Identifier:
            if node.relative:
                problems.append(f"Relative name '.{node.name}' is not supported")
            elif node.name in ALL_MEMBERS:
                problems.append(f"'{node.name}' is a JavaScript built-in name; rename it")
        elif cls is BinaryExpression and node.operator == "^":
            problems.append(
                "The power operator '^' is not supported: the browser and the server can "
                "differ in its last digit; multiply instead"
            )
        elif cls is FilterExpression:
            key = node.expr
            value = key.value if key.__class__ is Literal else None
            literal_key = isinstance(value, str) or (
                is_number(value) and value >= 0 and float(value).is_integer()
            )
            if not literal_key or value in ALL_MEMBERS:
                problems.append(
                    "Only a literal index or key is supported inside [...] (e.g. tags[0])"
                )
    return problems


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
        tree = parse(expr)
    except ExpressionError as exc:
        return [str(exc)]
    problems = loose_syntax(expr) + _construct_problems(tree)
    known = set(known_names or ())
    lists = set(list_names or ())
    for name in sorted(tree_names(tree)):
        base = name.rsplit(".", 1)[0] if "." in name else None
        if name in known:
            continue
        if base in lists:
            problems.append(
                f"'{name}': a list has no properties here (the renderer reads the "
                f"first item); use 'value in {base}' instead"
            )
        elif name.endswith(".length") and base in known:
            continue
        else:
            problems.append(f"Unknown name '{name}'")
    return problems
