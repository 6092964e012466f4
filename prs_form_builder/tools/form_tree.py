"""The form tree toolkit (pure Python, no ORM): every reading of a frozen form tree.

A form tree is the JSON dict the serializer builds and publishing freezes
(``schemas/form.tree.1.json``): ``pages -> sections -> fields``, rules on the form and
on sections. Everything that walks such a tree, decides what its conditions hide,
writes it as canonical JSON or groups its field types lives here, once; validation,
preview, version diff, review, export, privacy, flow navigation and the Redis payloads
call it.

The walkers never raise on a malformed tree (``None``, missing or non-list members,
non-dict nodes): they skip what is not a node, so hostile or old data cannot break a
caller that only reads.
"""

import datetime
import hashlib
import json
import re

from . import expression

# --------------------------------------------------------------------------------------
# Field-type groups (the ``type`` of a field node, the ``field_type`` of ``form.field``)
# --------------------------------------------------------------------------------------

#: Free-text answers (transforms apply to them).
TEXT_TYPES = ("text", "textarea", "email", "phone", "hidden")
#: Numeric answers.
NUMBER_TYPES = ("integer", "decimal", "currency", "percentage")
#: One value picked among the field's choices.
SINGLE_CHOICE_TYPES = ("select", "radio")
#: A list of values picked among the field's choices.
MULTI_CHOICE_TYPES = ("checkboxes", "multi_select")
#: Answers picked among the field's own choices (or a master's items).
CHOICE_TYPES = SINGLE_CHOICE_TYPES + MULTI_CHOICE_TYPES
#: Answers picked among the items of a master list (countries, states, any master).
MASTER_TYPES = ("country", "state", "master")
#: Answers restricted to a list of allowed values (choices or master items).
OPTION_TYPES = CHOICE_TYPES + MASTER_TYPES
#: True/false answers.
BOOLEAN_TYPES = ("boolean", "consent")
#: Date and time answers (ISO text).
TEMPORAL_TYPES = ("date", "time", "datetime")
#: Answers holding a calendar day (date bounds apply).
DATE_TYPES = ("date", "datetime")
#: File answers (``{name, mimetype, data}`` at intake, an attachment reference after).
FILE_TYPES = ("file",)
#: Display-only nodes that take no answer.
STATIC_TYPES = ("static",)

_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --------------------------------------------------------------------------------------
# Walking
# --------------------------------------------------------------------------------------


def _dicts(value):
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def tree_pages(tree):
    """The page nodes of ``tree``, in order."""
    return _dicts(tree.get("pages")) if isinstance(tree, dict) else []


def page_sections(page):
    """The section nodes of ``page``, in order."""
    return _dicts(page.get("sections")) if isinstance(page, dict) else []


def section_fields(section):
    """The field nodes of ``section``, in order (nodes without a text ``code`` skipped)."""
    if not isinstance(section, dict):
        return []
    return [field for field in _dicts(section.get("fields")) if isinstance(field.get("code"), str)]


def node_rules(node):
    """The cross-field rule nodes of a form or section node, in order."""
    return _dicts(node.get("rules")) if isinstance(node, dict) else []


def iter_sections(tree):
    """Yield ``(page, section)`` for every section of ``tree``, in display order."""
    for page in tree_pages(tree):
        for section in page_sections(page):
            yield page, section


def iter_fields(tree):
    """Yield ``(page, section, field)`` for every field of ``tree``, in display order."""
    for page, section in iter_sections(tree):
        for field in section_fields(section):
            yield page, section, field


def field_codes(tree):
    """The set of field codes of ``tree``."""
    return {field["code"] for __, __, field in iter_fields(tree) if field["code"]}


def fields_by_code(tree):
    """``{code: field node}`` of ``tree`` (the first node wins if a code repeats)."""
    result = {}
    for __, __, field in iter_fields(tree):
        result.setdefault(field["code"], field)
    return result


def fields_with(tree, key):
    """The field nodes of ``tree`` whose ``key`` is set (``sensitive``, ``maps_to``,
    ``master``, ...), in display order."""
    return [field for __, __, field in iter_fields(tree) if field.get(key)]


def fields_of_type(tree, types):
    """The field nodes of ``tree`` whose ``type`` is in ``types`` (e.g. ``FILE_TYPES``)."""
    return [field for __, __, field in iter_fields(tree) if field.get("type") in types]


def master_codes(trees):
    """The set of master codes the fields of ``trees`` (an iterable of trees) take
    their values from."""
    return {
        field["master"]
        for tree in trees
        for field in fields_with(tree, "master")
        if isinstance(field["master"], str)
    }


# --------------------------------------------------------------------------------------
# Allowed values
# --------------------------------------------------------------------------------------


def allowed_values(field, masters):
    """The set of values a choice or master field accepts, or None when not checkable.

    The field's own choices win; else its master's values from ``masters``
    (``{master code: values}``); a master missing from ``masters`` is not checked
    (None); a choice field with neither accepts nothing; any other field: None.
    """
    values = {choice.get("value") for choice in _dicts(field.get("choices"))}
    values = {value for value in values if isinstance(value, str)}
    if values:
        return values
    master = field.get("master")
    if master and isinstance(master, str):
        if isinstance(masters, dict) and master in masters:
            items = masters[master]
            if isinstance(items, set | frozenset | list | tuple):
                return {value for value in items if isinstance(value, str)}
            return set()
        return None  # the caller did not give this master: not checked here
    if field.get("type") in CHOICE_TYPES:
        return set()
    return None


# --------------------------------------------------------------------------------------
# Visibility
# --------------------------------------------------------------------------------------


def as_date(today=None):
    """``today`` as a ``datetime.date``: a date, a datetime, an ISO text (its first ten
    characters); the server's date for anything else."""
    if isinstance(today, datetime.datetime):
        return today.date()
    if isinstance(today, datetime.date):
        return today
    if isinstance(today, str) and _ISO_DATE_RE.fullmatch(today[:10]):
        try:
            return datetime.date.fromisoformat(today[:10])
        except ValueError:  # 2027-02-30: not a day, the server's date is used
            return datetime.date.today()
    return datetime.date.today()


def condition_context(answers, today=None):
    """The context conditions of a form are evaluated in: the answers (``{code:
    value}``) and ``today`` (ISO date, see :func:`as_date`)."""
    context = dict(answers or {})
    context["today"] = as_date(today).isoformat()
    return context


class Visibility:
    """What the conditions of one tree hide for one set of answers (see
    :func:`visibility`).

    ``hidden``: ``{(kind, code)}`` of the hidden pages, sections and fields (a hidden
    page's sections and fields, a hidden section's fields included); ``context``: the
    evaluation context once the hidden fields' answers are removed (what later
    expressions, ``required_if`` and rules, must read).
    """

    def __init__(self, tree, context):
        self.tree = tree  # keeps the nodes alive: their id() identifies them
        self.context = context
        self.hidden = set()
        self._hidden_ids = set()

    def hide(self, kind, node):
        self.hidden.add((kind, node.get("code")))
        self._hidden_ids.add(id(node))

    def is_visible(self, node):
        """Whether the page, section or field node (of the tree given) is shown."""
        return id(node) not in self._hidden_ids

    def hidden_codes(self, kind):
        """The codes of the hidden nodes of one kind (``page``, ``section``, ``field``)."""
        return {code for node_kind, code in self.hidden if node_kind == kind}


def visibility(tree, answers, today=None):
    """The :class:`Visibility` of ``tree``'s pages, sections and fields for ``answers``.

    Work goes in display order, page -> section -> field: a condition (npm jexl
    semantics, :func:`expression.is_true`; empty means shown) reads the answers, ``today``
    and none of the fields found hidden so far; a hidden page hides its sections, a
    hidden section its fields, and a hidden field's answer is undefined for the
    conditions after it.
    """
    shown = Visibility(tree, condition_context(answers, today))
    context = shown.context
    for page in tree_pages(tree):
        page_visible = expression.is_true(page.get("condition"), context)
        if not page_visible:
            shown.hide("page", page)
        for section in page_sections(page):
            visible = page_visible and expression.is_true(section.get("condition"), context)
            if not visible:
                shown.hide("section", section)
            for field in section_fields(section):
                if not visible or not expression.is_true(field.get("condition"), context):
                    shown.hide("field", field)
                    context.pop(field["code"], None)
    return shown


# --------------------------------------------------------------------------------------
# Canonical JSON
# --------------------------------------------------------------------------------------


def canonical_json(value):
    """The canonical JSON text of ``value``: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(value, exclude=()):
    """sha256 hex digest of the UTF-8 canonical JSON of ``value``; for a dict, the
    top-level keys in ``exclude`` are left out first."""
    if exclude and isinstance(value, dict):
        value = {key: item for key, item in value.items() if key not in exclude}
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def tree_checksum(tree):
    """The checksum of a form tree: of the tree without its own ``checksum``."""
    return checksum(tree, exclude=("checksum",))
