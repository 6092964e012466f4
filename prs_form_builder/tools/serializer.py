"""Form tree serializer: plain rows in, the contract tree out (no ORM here).

The tree shape is the one documented in the team brief and in
``schemas/form.tree.1.json``; ``form.form._prs_build_tree()`` reads the rows in a
bounded number of queries and calls :func:`build_tree`.
"""

import re

from .form_tree import BOOLEAN_TYPES, MULTI_CHOICE_TYPES, NUMBER_TYPES

TRUE_WORDS = ("1", "true", "yes", "y", "on")
FALSE_WORDS = ("0", "false", "no", "n", "off")
DATE_BOUND_RE = re.compile(r"^(today([+-]\d+[dwmy])?|\d{4}-\d{2}-\d{2})$")
# rule codes a configurator may give a custom message for (the validator's error codes)
MESSAGE_RULES = (
    "required",
    "type",
    "min_length",
    "max_length",
    "pattern",
    "min_value",
    "max_value",
    "min_date",
    "max_date",
    "choice",
    "file_type",
    "file_size",
)


def parse_number(text):
    """Parse a configured number ("18", "2.5"); return int, float or None; raise ValueError."""
    if text in (None, False, ""):
        return None
    text = str(text).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_default(field_type, text):
    """Turn a configured default (text) into the JSON value of the field type."""
    if text in (None, False, ""):
        return None
    if field_type in NUMBER_TYPES:
        value = parse_number(text)
        return int(value) if field_type == "integer" else value
    if field_type in BOOLEAN_TYPES:
        word = str(text).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(text)
    if field_type in MULTI_CHOICE_TYPES:
        return [item.strip() for item in str(text).split(",") if item.strip()]
    return text


def split_file_types(text):
    """Split "pdf, .png,image/jpeg" into [".pdf", ".png", "image/jpeg"]."""
    result = []
    for item in (text or "").replace(";", ",").split(","):
        item = item.strip().lower()
        if not item:
            continue
        if "/" not in item and not item.startswith("."):
            item = "." + item
        result.append(item)
    return result


def _text(value):
    return value or None


def validation_node(row, messages=None):
    """Build the ``validation`` dict of a field row (only the keys that are set)."""
    validation = {}
    if row.get("min_length"):
        validation["min_length"] = row["min_length"]
    if row.get("max_length"):
        validation["max_length"] = row["max_length"]
    if row.get("pattern"):
        validation["pattern"] = row["pattern"]
        if row.get("pattern_message"):
            validation["pattern_message"] = row["pattern_message"]
    for key in ("min_value", "max_value"):
        value = parse_number(row.get(key))
        if value is not None:
            validation[key] = value
    if row.get("field_type") == "percentage":
        # the validator keeps a percentage within 0..100: the node says so
        validation["min_value"] = max(validation.get("min_value", 0), 0)
        validation["max_value"] = min(validation.get("max_value", 100), 100)
    for key in ("min_date", "max_date"):
        if row.get(key):
            validation[key] = row[key].strip()
    if row.get("field_type") == "file":
        file_types = split_file_types(row.get("file_types"))
        if file_types:
            validation["file_types"] = file_types
        if row.get("max_file_size_mb"):
            validation["max_file_size"] = int(round(row["max_file_size_mb"] * 1024 * 1024))
    if row.get("digits"):
        validation["digits"] = row["digits"]
    if messages:
        validation["messages"] = dict(messages)
    return validation


def field_node(row, choices=(), messages=None, master_code=None):
    """Build one field node from a ``form.field`` row and its choice rows."""
    field_type = row["field_type"]
    return {
        "code": row["code"],
        "type": field_type,
        "label": row.get("label") or "",
        "help": _text(row.get("help")),
        "placeholder": _text(row.get("placeholder")),
        "required": bool(row.get("required")),
        "required_if": _text(row.get("required_if")),
        "condition": _text(row.get("condition")),
        "default": parse_default(field_type, row.get("default_value")),
        "validation": validation_node(row, messages),
        "choices": [{"value": c["value"], "label": c.get("label") or ""} for c in choices],
        "master": master_code or None,
        "transform": row.get("transform") or None,
        "maps_to": row.get("maps_to") or None,
        "sensitive": bool(row.get("sensitive")),
        "consent_text": _text(row.get("consent_text")) if field_type == "consent" else None,
        "content": _text(row.get("content")) if field_type == "static" else None,
        "currency": (row.get("currency_code") or None) if field_type == "currency" else None,
    }


def rule_node(row):
    """Build one cross-field rule node."""
    return {"code": row["code"], "expr": row["expr"], "message": row.get("message") or ""}


def build_tree(form, pages, sections, fields, choices, rules, messages, master_codes):
    """Assemble the tree of one form from plain rows.

    ``form``: dict with id, code, title, version, checksum; ``pages``/``sections``/
    ``fields``/``choices``/``rules``/``messages``: lists of dicts as returned by
    ``search_read`` (many2one values as ids), already ordered; ``master_codes``:
    {master id: code}.
    """
    choices_by_field = {}
    for choice in choices:
        choices_by_field.setdefault(choice["field_id"], []).append(choice)
    messages_by_field = {}
    for message in messages:
        messages_by_field.setdefault(message["field_id"], {})[message["rule"]] = message["message"]
    fields_by_section = {}
    for row in fields:
        fields_by_section.setdefault(row["section_id"], []).append(
            field_node(
                row,
                choices_by_field.get(row["id"], ()),
                messages_by_field.get(row["id"]),
                master_codes.get(row.get("master_id")),
            )
        )
    rules_by_section = {}
    form_rules = []
    for row in rules:
        if row.get("section_id"):
            rules_by_section.setdefault(row["section_id"], []).append(rule_node(row))
        else:
            form_rules.append(rule_node(row))
    sections_by_page = {}
    for row in sections:
        sections_by_page.setdefault(row["page_id"], []).append(
            {
                "code": row["code"],
                "title": row.get("title") or "",
                "help": _text(row.get("help")),
                "condition": _text(row.get("condition")),
                "rules": rules_by_section.get(row["id"], []),
                "fields": fields_by_section.get(row["id"], []),
            }
        )
    return {
        "id": form["id"],
        "code": form["code"],
        "title": form.get("title") or "",
        "version": form.get("version"),
        "checksum": form.get("checksum"),
        "rules": form_rules,
        "pages": [
            {
                "code": row["code"],
                "title": row.get("title") or "",
                "help": _text(row.get("help")),
                "condition": _text(row.get("condition")),
                "sections": sections_by_page.get(row["id"], []),
            }
            for row in pages
        ],
    }
