"""Integration events of registrations for ERP and VMS (pure Python, no ORM).

Every state change of a program registration and every recorded payment becomes one
``prs.event/1`` payload (``schemas/prs.event.1.json``), queued in the Odoo outbox in the
transaction that made it and appended after the commit to the capped Redis stream
``<prefix>:events`` (``XADD ... MAXLEN ~ N``). README "Redis contract", *Events*.
"""

import uuid

from odoo.addons.prs_base.tools.config import read_section
from odoo.addons.prs_form_builder.tools.form_tree import canonical_json

SCHEMA = "prs.event/1"
STREAM_SUFFIX = "events"
#: field of a stream entry holding the event's JSON text
ENTRY_FIELD = "event"
DEFAULT_MAXLEN = 100000
ENV_VARS = {"events_maxlen": "PRS_EVENTS_MAXLEN"}


def stream_key(prefix):
    """The stream of a target's key prefix: ``<prefix>:events``."""
    return f"{prefix}:{STREAM_SUFFIX}"


def stream_maxlen(misc=None, environ=None):
    """``MAXLEN ~`` of the stream: ``events_maxlen`` of odoo.conf ``[prs_cache_sync]``
    (``PRS_EVENTS_MAXLEN`` overrides), default :data:`DEFAULT_MAXLEN`; a value that is
    not a positive integer gives the default."""
    value = read_section("prs_cache_sync", ENV_VARS, misc=misc, environ=environ)["events_maxlen"]
    try:
        value = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAXLEN
    return value if value > 0 else DEFAULT_MAXLEN


def _ref(record_id, code):
    return {"id": record_id, "code": code or ""} if record_id else None


def build_event(facts):
    """The ``prs.event/1`` payload of one event (``facts``: the dict the
    ``event.event._prs_on_registration_events`` hook receives). A new ``id`` (UUID) is
    drawn here: the event keeps it through every retry of its delivery."""
    payment = facts.get("payment") or None
    if payment:
        payment = {
            "id": payment["id"],
            "reference": payment["reference"],
            "provider": payment["provider"],
            "amount": payment["amount"],
            "currency": payment["currency"],
        }
    return {
        "schema": SCHEMA,
        "id": str(uuid.uuid4()),
        "type": facts["type"],
        "registration_id": facts["registration_id"],
        "seq": facts["seq"],
        "program": {"id": facts["program_id"], "code": facts["program_code"] or ""},
        "flow": _ref(facts.get("flow_id"), facts.get("flow_code")),
        "step": _ref(facts.get("step_id"), facts.get("step_code")),
        "next_step": _ref(facts.get("next_step_id"), facts.get("next_step_code")),
        "old_state": facts.get("old_state") or None,
        "new_state": facts["new_state"],
        "occurred_at": facts["occurred_at"],
        "is_test": bool(facts.get("is_test")),
        "payment": payment,
    }


def event_text(facts):
    """The canonical JSON text stored in the outbox and sent as the entry's ``event``."""
    return canonical_json(build_event(facts))


def xadd_many(client, entries, maxlen):
    """Append ``entries`` (``[(stream key, event text)]``) in order, in one pipeline;
    one result per entry: the stream entry id, or the exception Redis answered."""
    pipe = client.pipeline(transaction=False)
    for key, text in entries:
        pipe.xadd(key, {ENTRY_FIELD: text}, maxlen=maxlen, approximate=True)
    return pipe.execute(raise_on_error=False)
