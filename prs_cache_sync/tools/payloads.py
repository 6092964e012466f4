"""Redis keys and payloads of the renderer contract (pure Python, no ORM).

The models gather plain dicts from the database and call these builders; the JSON
Schemas in ``prs_cache_sync/schemas/`` describe what they return.

Every payload carries ``checksum``: the sha256 of the canonical JSON of the payload
without ``checksum`` and ``published_at``, so the same database state always gives the
same checksum (Verify relies on it) whenever it is published.
"""

import hashlib
import json

# one canonical JSON and checksum for the whole suite (written to Redis and hashed)
from odoo.addons.prs_form_builder.tools.form_tree import canonical_json, checksum

STEP_SCHEMA = "prs.step/1"
PROGRAM_SCHEMA = "prs.program/1"
MASTER_SCHEMA = "prs.master/1"
CATALOGUE_SCHEMA = "prs.catalogue/1"
CATALOGUE_KEY = "programs"
# capacity states of a program (``event.event._prs_capacity_states``)
CAPACITY_STATES = ("open", "waitlist", "full", "closed")
VERSIONS_KEY = "meta:versions"
VOLATILE = ("checksum", "published_at")


def payload_checksum(payload):
    """Checksum of a step or program payload, ignoring its volatile members."""
    return checksum(payload, exclude=VOLATILE)


class Payload(dict):
    """A payload (a plain dict to every reader) that also carries ``text``: its
    canonical JSON, the bytes written to Redis (``seal``)."""

    text = None


def payload_text(payload):
    """The canonical JSON of a payload: its ``text`` when sealed, else dumped."""
    return getattr(payload, "text", None) or canonical_json(payload)


def seal(payload):
    """``payload`` with its ``checksum`` (``payload_checksum``) as a :class:`Payload`
    whose ``text`` is its canonical JSON: each member is serialized once and the two
    texts, without the volatile members (hashed) and with them (written), are joined
    from those pieces, byte for byte what ``canonical_json`` gives (sorted keys, no
    spaces): the form tree of a step is dumped once, not once per use."""
    parts = {key: canonical_json(value) for key, value in payload.items() if key != "checksum"}

    def join(keys):
        members = (f"{canonical_json(key)}:{parts[key]}" for key in sorted(keys))
        return "{" + ",".join(members) + "}"

    stable = join(key for key in parts if key not in VOLATILE)
    sealed = Payload(payload)
    sealed["checksum"] = hashlib.sha256(stable.encode("utf-8")).hexdigest()
    parts["checksum"] = canonical_json(sealed["checksum"])
    sealed.text = join(parts)
    return sealed


def list_checksum(items):
    """Checksum of a master list (a list of item dicts, in order)."""
    return checksum(list(items))


# Keys ---------------------------------------------------------------------------------


def step_key(prefix, program_id, flow_id, step_id):
    return f"{prefix}:{program_id}:{flow_id}:{step_id}"


def program_key(prefix, program_id):
    return f"{prefix}:{program_id}"


def lang_key(key, lang):
    """Key of a step payload in language ``lang`` (``<step key>:<lang>``), written beside
    the default-language key ``key``."""
    return f"{key}:{lang}"


def catalogue_key(prefix):
    """Catalogue of the published programs."""
    return f"{prefix}:{CATALOGUE_KEY}"


def master_key(prefix, code):
    return f"{prefix}:master:{code}"


def versions_key(prefix):
    """Hash holding the version last written to each key (compare-and-set)."""
    return f"{prefix}:{VERSIONS_KEY}"


# Payloads -----------------------------------------------------------------------------


def program_info(program_id, code, name):
    return {"id": program_id, "code": code or None, "name": name or ""}


def flow_info(flow_id, code, name, kind=None):
    return {"id": flow_id, "code": code, "name": name or "", "kind": kind or None}


def step_info(step_id, code, name, step_type, sequence, condition=None, required=True):
    return {
        "id": step_id,
        "code": code,
        "name": name or "",
        "type": step_type,
        "sequence": sequence,
        "condition": condition or None,
        "required": bool(required),
    }


def build_step_payload(program, flow, step, form_tree, published_at, lang=None):
    """Step payload (``prs.step/1``). ``program``/``flow``/``step`` come from the
    ``*_info`` helpers, ``form_tree`` is the published form tree or ``None``, all in
    language ``lang`` (the ``lang`` member)."""
    payload = {
        "schema": STEP_SCHEMA,
        "program": program,
        "flow": flow,
        "step": step,
        "form": form_tree,
        "published_at": published_at,
    }
    if lang:
        payload["lang"] = lang
    return seal(payload)


def utc(value):
    """ISO 8601 UTC text of a naive UTC datetime (or None)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def program_facts(values):
    """The facts members of the index's ``program`` (added within ``prs.program/1``).

    ``values``: mapping with ``date_begin``, ``date_end``, ``opens_at``, ``closes_at``
    (naive UTC datetimes or None), ``timezone``, ``venue`` (``{name, city, country}``
    or None), ``fee``, ``currency``, ``capacity`` (one of ``CAPACITY_STATES``),
    ``reasons`` (``{lang: configurator's reason}``, empty when none), ``languages``,
    ``default_language``, ``names`` (``{lang: name}``) and ``condition_values`` (the
    values conditions read as ``program.<name>``)."""
    return {
        "date_begin": utc(values["date_begin"]),
        "date_end": utc(values["date_end"]),
        "timezone": values["timezone"] or None,
        "registration": {
            "opens_at": utc(values["opens_at"]),
            "closes_at": utc(values["closes_at"]),
        },
        "venue": values["venue"] or None,
        "fee": {"amount": values["fee"] or 0, "currency": values["currency"] or None},
        "capacity": {"state": values["capacity"], "reason": values["reasons"] or None},
        "languages": list(values["languages"]),
        "default_language": values["default_language"],
        "names": dict(values["names"]),
        "condition_values": dict(values["condition_values"]),
    }


def build_program_payload(program, flows, published_at, theme=None, langs=()):
    """Program index payload (``prs.program/1``). ``flows``: list of ``(flow info,
    [(step info, step key), ...])`` in journey order; ``theme``: the program's renderer
    theme (optional ``theme`` member, from ``build_theme``); ``langs``: the languages of
    the step payloads (each step lists ``keys``: ``{lang: key}``)."""
    payload = {
        "schema": PROGRAM_SCHEMA,
        "program": program,
        "flows": [
            dict(
                flow,
                steps=[
                    {
                        "id": step["id"],
                        "code": step["code"],
                        "name": step["name"],
                        "type": step["type"],
                        "sequence": step["sequence"],
                        "condition": step["condition"],
                        "required": step["required"],
                        "key": key,
                        "keys": {lang: lang_key(key, lang) for lang in langs},
                    }
                    for step, key in steps
                ],
            )
            for flow, steps in flows
        ],
        "published_at": published_at,
    }
    if theme is not None:
        payload["theme"] = theme
    return seal(payload)


THEME_TEXT_FIELDS = {"welcome": "prs_theme_welcome_text", "completion": "prs_theme_completion_text"}
THEME_FIELDS = (
    "prs_theme_logo",
    "prs_theme_primary_color",
    "prs_theme_accent_color",
    "prs_theme_layout",
    "prs_theme_show_progress",
    "prs_theme_density",
    *THEME_TEXT_FIELDS.values(),
)


def theme_logo_url(program_id, attachment_checksum):
    """Public URL of a program's logo (route of ``prs_event_flow``); it changes with the
    image, so caches refresh."""
    return f"/prs/theme/{program_id}/logo?unique={(attachment_checksum or '')[:12]}"


def build_theme(program, logo_url, texts):
    """The ``theme`` member of a program index payload. ``program``: mapping (or
    record) of the ``prs_theme_*`` values; ``logo_url``: from ``theme_logo_url`` or
    None; ``texts``: ``{lang: mapping of the theme text fields}`` in every installed
    language."""
    return {
        "logo": logo_url,
        "colors": {
            "primary": (program["prs_theme_primary_color"] or "").lower() or None,
            "accent": (program["prs_theme_accent_color"] or "").lower() or None,
        },
        "layout": program["prs_theme_layout"],
        "show_progress": program["prs_theme_show_progress"],
        "density": program["prs_theme_density"],
        "texts": {
            lang: {key: row[field_name] or None for key, field_name in THEME_TEXT_FIELDS.items()}
            for lang, row in texts.items()
        },
    }


def catalogue_entry(program, prefix):
    """One program of the catalogue, from its index ``program`` member."""
    return {
        "id": program["id"],
        "code": program["code"],
        "name": program["name"],
        "names": program["names"],
        "date_begin": program["date_begin"],
        "date_end": program["date_end"],
        "timezone": program["timezone"],
        "registration": program["registration"],
        "status": program["capacity"]["state"],
        "languages": program["languages"],
        "default_language": program["default_language"],
        "key": program_key(prefix, program["id"]),
    }


def build_catalogue(entries, published_at):
    """Catalogue payload (``prs.catalogue/1``): ``entries`` from ``catalogue_entry``,
    listed by start date then id."""
    payload = {
        "schema": CATALOGUE_SCHEMA,
        "programs": sorted(entries, key=lambda e: (e["date_begin"] or "", e["id"])),
        "published_at": published_at,
    }
    return seal(payload)


def build_master_items(items):
    """Items of a master list (``prs.master/1``), each ``{"value", "label"[, "parent"]}``.
    ``items``: the master's active items in display order, as mappings (or records)
    with ``value``, ``label`` and ``parent_value``."""
    result = []
    for item in items:
        entry = {"value": item["value"], "label": item["label"] or ""}
        if item["parent_value"]:
            entry["parent"] = item["parent_value"]
        result.append(entry)
    return result


def encode_list(items):
    """Payload text of a ``list`` write: a JSON array of the items' canonical JSON."""
    return json.dumps([canonical_json(item) for item in items], ensure_ascii=False)


# fields of event.event behind the program facts (``program_facts``); the capacity
# state also follows registrations (``event.event._prs_on_capacity_changed``)
PROGRAM_FACT_FIELDS = (
    "date_begin",
    "date_end",
    "date_tz",
    "address_id",
    "company_id",
    "event_type_id",
    "prs_registration_opens_at",
    "prs_registration_closes_at",
    "prs_fee",
    "prs_currency_id",
    "seats_limited",
    "seats_max",
    "prs_waitlist_allowed",
    "prs_waitlist_max",
    "prs_registration_closed",
    "prs_closed_reason",
)

# records the program facts read through a program's many2one: model -> (the program's
# field, the record's fields published); writing one of them re-publishes the programs
# using the record (``prs.cache.fact.source``). The company's language (the default
# language) and a currency's code reach Redis with the program's next publish or resync.
PROGRAM_FACT_SOURCES = {
    "event.type": ("event_type_id", frozenset({"prs_type_code"})),
    "res.partner": ("address_id", frozenset({"name", "city", "country_id"})),
}

# Invalidation -------------------------------------------------------------------------

# Fields whose values the builders above publish, per model: creating a record, writing
# one of these fields or deleting a record re-publishes the payloads the record feeds
# (``prs.cache.mixin``). Flow state changes go through the flows' publish hooks.
PAYLOAD_FIELDS = {
    "event.event": {"name", "prs_code", "active", *THEME_FIELDS, *PROGRAM_FACT_FIELDS},
    "event.flow": {"name", "code", "kind", "sequence"},
    # the others are frozen by prs_event_flow while the step's flow is published
    "event.flow.step": {
        "name",
        "code",
        "sequence",
        "step_type",
        "condition",
        "required",
        "form_id",
        "flow_id",
    },
    # a new version published (or an older one restored)
    "form.form": {"current_version_id"},
    "prs.master": {"code", "active", "item_ids"},
    "prs.master.item": {"master_id", "sequence", "value", "label", "parent_value", "active"},
}

# Fields whose change can move a record to other payloads (its ``_prs_cache_scope``),
# per model: only a write of one of these reads the scope before the write as well as
# after it (a form publishing a version feeds the same programs before and after).
SCOPE_FIELDS = {
    # a program leaves the published flows' filter when archived
    "event.event": {"active"},
    "event.flow": {"event_id", "state", "active"},
    "event.flow.step": {"flow_id"},
    "form.form": set(),
    # the old code's list is deleted
    "prs.master": {"code"},
    "prs.master.item": {"master_id"},
}
