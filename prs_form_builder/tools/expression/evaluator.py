"""Evaluation of the syntax tree like jexl 2.3.0 ``evaluator/`` (Evaluator.js, handlers.js).

jexl evaluates asynchronously; with no transforms or functions registered the result is
the same as this synchronous walk. Chains (left operands, paths, filters, ``!``, the
branches of ``?:``) are followed in a loop; the remaining recursion is bounded by the
parser's :data:`~.parser.MAX_DEPTH`.
"""

from .parser import (
    ArrayLiteral,
    BinaryExpression,
    ConditionalExpression,
    FilterExpression,
    FunctionCall,
    Identifier,
    Literal,
    ObjectLiteral,
    UnaryExpression,
    parse,
)
from .values import (
    BINARY_OPERATORS,
    UNDEFINED,
    ExpressionError,
    export,
    get_property,
    property_key,
    truthy,
)

_POOL_NAMES = {"functions": "Jexl Function", "transforms": "Transform"}


def _missing():
    return ExpressionError("Incomplete expression")


def _eval(node, context, relative):
    """The value of ``node`` (``relative``: what ``.name`` reads)."""
    while True:
        cls = node.__class__
        if cls is Literal:
            return node.value
        if cls is Identifier and node.subject is None:
            return get_property(relative if node.relative else context, node.name)
        if cls is not ConditionalExpression:
            break
        if node.test is None:
            raise _missing()
        test = _eval(node.test, context, relative)
        if truthy(test):
            if node.consequent is None:
                return test
            node = node.consequent
        else:
            node = node.alternate
        if node is None:
            raise _missing()
    if cls is ArrayLiteral:
        return [_eval(item, context, relative) for item in node.items]
    if cls is ObjectLiteral:
        return {
            key: _eval(value, context, relative) if value is not None else _raise_missing()
            for key, value in node.entries.items()
        }
    if cls is FunctionCall:
        # jexl looks the function up before evaluating its arguments: none exists
        raise ExpressionError(f"{_POOL_NAMES[node.pool]} {node.name} is not defined.")
    return _eval_chain(node, context, relative)


def _eval_chain(node, context, relative):
    """A chain: walk down to its first operand, evaluate it, then apply each link upwards."""
    chain = []
    cls = node.__class__
    while True:
        if cls is BinaryExpression:
            chain.append(node)
            node = node.left
        elif cls is UnaryExpression:
            chain.append(node)
            node = node.right
        elif cls is FilterExpression or (cls is Identifier and node.subject is not None):
            chain.append(node)
            node = node.subject
        else:
            break
        if node is None:
            raise _missing()
        cls = node.__class__
    value = _eval(node, context, relative)
    for link in reversed(chain):
        value = _apply(link, value, context, relative)
    return value


def _apply(link, value, context, relative):
    """The value of ``link`` (a chain node) whose first operand is ``value``."""
    cls = link.__class__
    if cls is BinaryExpression:
        operator, right = link.operator, link.right
        if right is None:
            raise _missing()
        if operator == "&&":
            return _eval(right, context, relative) if truthy(value) else value
        if operator == "||":
            return value if truthy(value) else _eval(right, context, relative)
        return BINARY_OPERATORS[operator](value, _eval(right, context, relative))
    if cls is UnaryExpression:  # "!" is jexl's only unary operator
        return not truthy(value)
    if cls is Identifier:
        if value is UNDEFINED or value is None:
            return UNDEFINED
        if isinstance(value, list | tuple):
            value = value[0] if value else UNDEFINED
        return get_property(value, link.name)
    return _filter(link, value, context, relative)


def _raise_missing():
    raise _missing()


def _filter(node, subject, context, relative):
    if node.expr is None:
        raise _missing()
    if node.relative:
        if not isinstance(subject, list | tuple):
            subject = [] if subject is UNDEFINED else [subject]
        return [
            item
            for item in subject
            if truthy(_eval(node.expr, context, item if truthy(item) else context))
        ]
    key = _eval(node.expr, context, relative)
    if isinstance(key, bool):
        return subject if key else UNDEFINED
    return get_property(subject, property_key(key))


def evaluate_raw(expr, context):
    """The JavaScript value of ``expr`` (``UNDEFINED`` kept)."""
    tree = parse(expr)
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise ExpressionError("The context must be a dict")
    return _eval(tree, context, context)


def evaluate(expr, context):
    """Evaluate ``expr`` against ``context`` (a dict of JSON values) like npm jexl 2.3.0.

    :returns: ``None`` for undefined/null, bool, int/float, str, list or dict.
    :raises ExpressionError: on a syntax error, or where jexl would throw
        (``[].length``, a missing transform, ...).
    """
    return export(evaluate_raw(expr, context))


def is_true(expr, context):
    """Truthiness of ``expr`` as a display condition: an empty (or ``None``) expression is
    true, an expression that cannot be evaluated is false."""
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return True
    if not isinstance(expr, str):
        return False
    try:
        return truthy(evaluate_raw(expr, context))
    except ExpressionError:
        return False
