"""Redis keys and payloads of the renderer contract (pure Python, no ORM).

The models gather plain dicts from the database and call these builders; the JSON
Schemas in ``prs_cache_sync/schemas/`` describe what they return.

Every payload carries ``checksum``: the sha256 of the canonical JSON of the payload
without ``checksum`` and ``published_at``, so the same database state always gives the
same checksum (Verify relies on it) whenever it is published.
"""

import hashlib
import json

STEP_SCHEMA = "prs.step/1"
PROGRAM_SCHEMA = "prs.program/1"
MASTER_SCHEMA = "prs.master/1"
VERSIONS_KEY = "meta:versions"
VOLATILE = ("checksum", "published_at")


def canonical_json(value):
    """Compact JSON with sorted keys: the text written to Redis and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(value):
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def payload_checksum(payload):
    """Checksum of a step or program payload, ignoring its volatile members."""
    if isinstance(payload, dict):
        payload = {key: value for key, value in payload.items() if key not in VOLATILE}
    return checksum(payload)


def list_checksum(items):
    """Checksum of a master list (a list of item dicts, in order)."""
    return checksum(list(items))


# Keys ---------------------------------------------------------------------------------


def step_key(prefix, program_id, flow_id, step_id):
    return f"{prefix}:{program_id}:{flow_id}:{step_id}"


def program_key(prefix, program_id):
    return f"{prefix}:{program_id}"


def master_key(prefix, code):
    return f"{prefix}:master:{code}"


def versions_key(prefix):
    """Hash holding the version last written to each key (compare-and-set)."""
    return f"{prefix}:{VERSIONS_KEY}"


def parse_key(prefix, key):
    """Return ``(kind, ids)`` of a key under ``prefix``: ``("step", (program, flow,
    step))``, ``("program", (program,))``, ``("master", (code,))``, ``("meta", ())`` or
    ``(None, ())`` for a key this contract does not define."""
    if not key.startswith(prefix + ":"):
        return None, ()
    rest = key[len(prefix) + 1 :]
    if rest == VERSIONS_KEY:
        return "meta", ()
    if rest.startswith("master:") and len(rest) > len("master:"):
        return "master", (rest[len("master:") :],)
    parts = rest.split(":")
    if all(part.isdigit() for part in parts):
        if len(parts) == 1:
            return "program", (int(parts[0]),)
        if len(parts) == 3:
            return "step", tuple(int(part) for part in parts)
    return None, ()


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


def build_step_payload(program, flow, step, form_tree, published_at):
    """Step payload (``prs.step/1``). ``program``/``flow``/``step`` come from the
    ``*_info`` helpers, ``form_tree`` is the published form tree or ``None``."""
    payload = {
        "schema": STEP_SCHEMA,
        "program": program,
        "flow": flow,
        "step": step,
        "form": form_tree,
        "published_at": published_at,
    }
    payload["checksum"] = payload_checksum(payload)
    return payload


def build_program_payload(program, flows, published_at, theme=None):
    """Program index payload (``prs.program/1``). ``flows``: list of ``(flow info,
    [(step info, step key), ...])`` in journey order; ``theme``: the program's renderer
    theme (optional ``theme`` member, see ``event.event._prs_theme_payloads``)."""
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
    payload["checksum"] = payload_checksum(payload)
    return payload


def build_master_items(items):
    """Items of a master list (``prs.master/1``), each ``{"value", "label", ...}`` in
    display order. ``items``: iterable of dicts with at least value and label."""
    result = []
    for item in items:
        entry = {"value": item["value"], "label": item.get("label") or ""}
        entry.update(
            (key, value)
            for key, value in item.items()
            if key not in entry and value not in (None, False)
        )
        result.append(entry)
    return result


def encode_list(items):
    """Payload text of a ``list`` write: a JSON array of the items' canonical JSON."""
    return json.dumps([canonical_json(item) for item in items], ensure_ascii=False)
