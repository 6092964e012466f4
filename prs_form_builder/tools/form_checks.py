"""Save-time and publish-time checks of a form tree (pure Python, no ORM).

:func:`check_tree` returns a list of problems ``(kind, code, problem, params)`` where
``kind`` is page/section/field/rule, ``problem`` one of ``expression``,
``self_reference``, ``cycle``, ``never_shown``, ``never_passes``, ``unknown_choice``,
``empty_form``, ``no_choices``, ``no_master``; the models turn them into translated
messages that name the node and the problem.
"""

from . import expression as jexl
from .expression.values import to_string
from .form_tree import (
    CHOICE_TYPES,
    MASTER_TYPES,
    MULTI_CHOICE_TYPES,
    allowed_values,
    iter_fields,
    node_rules,
    page_sections,
    section_fields,
    tree_pages,
)

CONTEXT_NAMES = frozenset({"today"})


def _expressions(tree):
    """Yield (kind, code, attribute, expression) for every expression of the tree."""
    for rule in node_rules(tree):
        yield "rule", rule["code"], "expr", rule.get("expr")
    for page in tree_pages(tree):
        yield "page", page["code"], "condition", page.get("condition")
        for section in page_sections(page):
            yield "section", section["code"], "condition", section.get("condition")
            for rule in node_rules(section):
                yield "rule", rule["code"], "expr", rule.get("expr")
            for field in section_fields(section):
                yield "field", field["code"], "condition", field.get("condition")
                yield "field", field["code"], "required_if", field.get("required_if")


def _roots(expression, expr):
    """The first segments of the names an expression reads (``a.b`` reads ``a``)."""
    return {name.split(".")[0] for name in expression.names(expr)}


def _strongly_connected(graph):
    """Tarjan's algorithm; return the list of strongly connected components."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        # iterative deepening would be needed for trees far larger than forms get
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, ()):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            result.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return result


def _literal_refs(tree, choice_fields):
    """Yield (field code, literal value) compared in the syntax tree ``tree``."""
    for node in jexl.walk(tree):
        if node.__class__ is not jexl.BinaryExpression:
            continue
        operator, left, right = node.operator, node.left, node.right
        pairs = []
        if operator in ("==", "!="):
            pairs = [(left, right), (right, left)]
        elif operator == "in":
            pairs = [(right, left)]
            if right.__class__ is jexl.ArrayLiteral:
                pairs = [(left, item) for item in right.items]
        for ident, literal in pairs:
            if (
                ident.__class__ is jexl.Identifier
                and ident.subject is None
                and not ident.relative
                and ident.name in choice_fields
                and literal.__class__ is jexl.Literal
                and isinstance(literal.value, str | int | float)
                and not isinstance(literal.value, bool)
            ):
                yield ident.name, literal.value


def _literal_text(value):
    """A compared literal as the text a choice value is (numbers in JavaScript form)."""
    return value if isinstance(value, str) else to_string(value)


def _check_choice_refs(tree, masters, bad):
    """Problems for literals compared with a choice field that are not among its choices."""
    allowed = {}
    for _page, _section, field in iter_fields(tree):
        values = allowed_values(field, masters)
        if values is None or (not values and not field.get("master")):
            continue  # not checkable here, or a choice field with nothing (no_choices)
        allowed[field["code"]] = values
    if not allowed:
        return []
    problems = []
    for kind, code, attr, expr in _expressions(tree):
        if not expr or (kind, code, attr) in bad:
            continue
        try:
            ast = jexl.parse(expr)
        except jexl.ExpressionError:
            continue  # reported by expression.check
        seen = set()
        for field_code, value in _literal_refs(ast, allowed):
            text = _literal_text(value)
            if text not in allowed[field_code] and (field_code, text) not in seen:
                seen.add((field_code, text))
                problems.append(
                    (
                        kind,
                        code,
                        "unknown_choice",
                        {"attr": attr, "field": field_code, "value": text},
                    )
                )
    return problems


def _check_publishable(tree):
    problems = []
    has_field = False
    for _page, _section, field in iter_fields(tree):
        has_field = True
        if field["type"] in CHOICE_TYPES and not field.get("choices") and not field.get("master"):
            problems.append(("field", field["code"], "no_choices", {}))
        if field["type"] in MASTER_TYPES and not field.get("master"):
            problems.append(("field", field["code"], "no_master", {}))
    if not has_field:
        problems.insert(0, ("form", tree.get("code"), "empty_form", {}))
    return problems


def _check_expressions(tree, expression):
    """Run ``expression.check`` on every expression; return (problems, bad, names)."""
    fields = [field for _p, _s, field in iter_fields(tree)]
    known = {field["code"] for field in fields} | CONTEXT_NAMES
    list_names = {field["code"] for field in fields if field["type"] in MULTI_CHOICE_TYPES}
    problems, bad, names = [], set(), {}
    for kind, code, attr, expr in _expressions(tree):
        if not expr:
            continue
        messages = expression.check(expr, known, list_names)
        if messages:
            bad.add((kind, code, attr))
            problems.extend(
                (kind, code, "expression", {"attr": attr, "expr": expr, "problem": message})
                for message in messages
            )
            continue
        names[(kind, code, attr)] = _roots(expression, expr)
    return problems, bad, names


def _visibility_graph(tree, names):
    """(graph, conditions): a node depends on its container and on the fields it reads."""
    field_codes = {field["code"] for _p, _s, field in iter_fields(tree)}

    def reads(kind, code):
        found = names.get((kind, code, "condition"), ())
        return {("field", name) for name in found if name in field_codes}

    graph, conditions = {}, {}
    for page in tree_pages(tree):
        page_key = ("page", page["code"])
        graph[page_key] = reads(*page_key)
        conditions[page_key] = page.get("condition")
        for section in page_sections(page):
            section_key = ("section", section["code"])
            graph[section_key] = {page_key} | reads(*section_key)
            conditions[section_key] = section.get("condition")
            for field in section_fields(section):
                field_key = ("field", field["code"])
                graph[field_key] = {section_key} | reads(*field_key)
                conditions[field_key] = field.get("condition")
    return graph, conditions


def _check_cycles(graph):
    """Return (problems, cyclic nodes) of the visibility graph."""
    problems, cyclic = [], set()
    for component in _strongly_connected(graph):
        node = component[0]
        if len(component) == 1 and node not in graph.get(node, ()):
            continue
        cyclic.update(component)
        if len(component) == 1:
            problems.append((node[0], node[1], "self_reference", {"attr": "condition"}))
        else:
            ordered = list(reversed(component)) + [component[-1]]
            path = " -> ".join(f"{kind} {code}" for kind, code in ordered)
            problems.append((node[0], node[1], "cycle", {"path": path}))
    return problems, cyclic


def _check_never_shown(graph, conditions, names, bad, cyclic, expression):
    """Nodes whose condition is false whatever the participant answers."""
    problems, never, changed = [], set(cyclic), True
    while changed:
        changed = False
        for node, deps in graph.items():
            if node in never:
                continue
            container = [dep for dep in deps if dep[0] != "field"]
            if container and container[0] in never:
                never.add(node)
                changed = True
                continue
            expr = conditions.get(node)
            if not expr or (node[0], node[1], "condition") in bad:
                continue
            reads = names.get((node[0], node[1], "condition"), set())
            if reads & CONTEXT_NAMES or any(("field", name) not in never for name in reads):
                continue
            if not expression.is_true(expr, {}):
                never.add(node)
                changed = True
                problems.append((node[0], node[1], "never_shown", {"expr": expr}))
    return problems


def check_tree(tree, expression, masters=None, publish=False):
    """Return the problems of a form tree.

    ``expression``: the ``tools.expression`` module (check, names, is_true);
    ``masters``: {master code: iterable of values} used to check literals compared
    with master-backed fields; ``publish``: add the checks only publishing needs.
    """
    problems, bad, names = _check_expressions(tree, expression)
    for _page, _section, field in iter_fields(tree):
        if field["code"] in names.get(("field", field["code"], "required_if"), ()):
            problems.append(("field", field["code"], "self_reference", {"attr": "required_if"}))
    graph, conditions = _visibility_graph(tree, names)
    cycle_problems, cyclic = _check_cycles(graph)
    problems.extend(cycle_problems)
    problems.extend(_check_never_shown(graph, conditions, names, bad, cyclic, expression))
    for kind, code, attr, expr in _expressions(tree):
        if kind != "rule" or not expr or (kind, code, attr) in bad:
            continue
        if not names.get((kind, code, attr)) and not expression.is_true(expr, {}):
            problems.append((kind, code, "never_passes", {"expr": expr}))
    problems.extend(_check_choice_refs(tree, masters, bad))
    if publish:
        problems.extend(_check_publishable(tree))
    return problems
