"""Flow navigation: which steps a participant sees, and which comes next.

Pure Python (no ORM) so that intake, the Redis payload and the tests share one rule.
A step is visible when its skip condition is empty or true (``expression.is_true``).
The condition of a step is evaluated with the answers of the *visible* earlier steps
(``{<step code>: {field code: value}}``, an unanswered visible step is ``{}``), the
program context under ``program`` and the ISO date under ``today`` (the form tree
toolkit's condition context: always there, the server's date when not given); answers
left in a hidden step never leak into later conditions.

A step whose ``required`` is false is *optional*: a participant may skip it (while it
is visible) by submitting a later step instead, the next required visible step or any
visible step before it (``allowed_steps``). A skipped step reads as unanswered (``{}``)
in later conditions. ``today`` is the program's local date
(``event.event._prs_today``).
"""

import functools

from odoo.addons.prs_form_builder.tools import expression, form_tree


@functools.lru_cache(maxsize=4096)
def reads_program(condition):
    """True when the skip condition ``condition`` reads the program context (or cannot
    be parsed: then it may). Callers build that context only when a condition needs it
    (it costs queries: the program's languages, company, currency)."""
    if not condition:
        return False
    try:
        return any(name.split(".", 1)[0] == "program" for name in expression.names(condition))
    except expression.ExpressionError:
        return True


def build_context(program=None, today=None):
    """Return the base evaluation context (program and today, no step answers)."""
    return form_tree.condition_context({"program": dict(program or {})}, today)


def visible_steps(steps, answers_by_step, program=None, today=None):
    """Return the codes of the visible steps, in the order of ``steps``.

    :param steps: ordered list of ``{"code": str, "condition": str|None}``
    :param answers_by_step: ``{step code: {field code: value}}``
    :param program: program context (``event.event._prs_program_context()``)
    :param today: ``datetime.date`` or ISO date string (default: the server's date)
    """
    answers_by_step = answers_by_step or {}
    context = build_context(program, today)
    visible = []
    for step in steps:
        if expression.is_true(step.get("condition") or None, context):
            visible.append(step["code"])
            answers = answers_by_step.get(step["code"])
            context[step["code"]] = dict(answers) if isinstance(answers, dict) else {}
    return visible


def next_step(steps, visible, current=None):
    """Return the code of the visible step after ``current`` (None: the first one).

    ``current`` may itself be hidden (answers changed since): the next step is then the
    first visible step placed after it in the flow. Returns None at the end of the flow.
    """
    if current is None:
        return visible[0] if visible else None
    order = [step["code"] for step in steps]
    if current not in order:
        return visible[0] if visible else None
    position = order.index(current)
    visible_set = set(visible)
    for code in order[position + 1 :]:
        if code in visible_set:
            return code
    return None


def allowed_steps(steps, visible, current=None):
    """Return the codes of the steps a participant may submit after ``current`` (None:
    at the start), in flow order: the visible steps after it up to and including the
    first required one (``required`` absent: required); the first is ``next_step``.

    :param steps: ordered list of ``{"code": str, "required": bool, ...}``
    """
    order = [step["code"] for step in steps]
    required = {step["code"]: step.get("required", True) for step in steps}
    start = order.index(current) + 1 if current in order else 0
    visible_set = set(visible)
    allowed = []
    for code in order[start:]:
        if code in visible_set:
            allowed.append(code)
            if required[code]:
                break
    return allowed


def navigate(steps, answers_by_step, program=None, today=None, current=None):
    """Return ``(visible codes, next code or None)`` for a flow and its answers."""
    visible = visible_steps(steps, answers_by_step, program=program, today=today)
    return visible, next_step(steps, visible, current=current)
