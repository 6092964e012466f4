"""The intake contract, pure part (no ORM): payload check, fingerprint, mapped columns.

The request shape is ``schemas/prs.submit.request.1.json`` (README "Intake contract"),
checked at run time with ``jsonschema``; every violation becomes a ``malformed`` error
whose message starts with the JSON path of the offending member.
"""

import base64
import functools
import hashlib
import hmac
import json
import math
import os
import secrets

import jsonschema
from cryptography.fernet import Fernet, InvalidToken

from odoo.addons.prs_form_builder.tools import form_tree

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_INT = 2**31 - 1
#: Longest error message (a schema message quotes the offending value).
MAX_MESSAGE = 300
# deepest list/dict nesting accepted in a request (a real one nests 3 levels: payload,
# answers, a file or a list of choices)
MAX_NESTING = 32
#: System parameter holding the database's intake secret (HMAC key of the fingerprints).
SECRET_PARAM = "prs_registration.intake_secret"
#: Key of a refusal's server-side detail: taken off the response, kept in the intake log.
DETAIL_KEY = "_prs_detail"
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas")
REQUEST_SCHEMA = os.path.join(SCHEMA_DIR, "prs.submit.request.1.json")

# maps_to value of a form field -> column of event.registration it fills (the values
# prs_registration adds to form.field's maps_to selection, one column each)
MAPPED_COLUMNS = {
    "name": "name",
    "first_name": "prs_first_name",
    "last_name": "prs_last_name",
    "email": "email",
    "phone": "phone",
    "date_of_birth": "prs_birthdate",
    "country": "prs_country_code",
    "city": "prs_city",
    "language": "prs_language",
    "gender": "prs_gender",
    "company_name": "company_name",
}


class IntakeError(Exception):
    """A refused submission: carries the structured errors returned to the caller."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def error(code, message, field=False):
    return {"field": field, "code": code, "message": message}


def shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def canonical_numbers(value):
    """``value`` with every integral float written as an int (``100.0`` -> ``100``,
    ``-0.0`` -> ``0``), in lists and dict values too: one number, however the client's
    JSON or XML-RPC library wrote it, is one fingerprint. Booleans stay booleans."""
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, dict):
        return {key: canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical_numbers(item) for item in value]
    return value


def non_finite_path(value, path="$"):
    """The JSON path of the first NaN or infinite number in ``value``, else None (JSON
    has neither, but Python's json and XML-RPC parsers make them of ``NaN``,
    ``Infinity``, ``1e400``, ``nan``, ``inf``)."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where
        if isinstance(item, dict):
            stack.extend((child, f"{where}.{key}") for key, child in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return None


def fingerprint(payload, secret):
    """HMAC-SHA256 hex of the canonical JSON of the payload (numbers canonical:
    :func:`canonical_numbers`), keyed with the database's intake secret: the stored
    fingerprint reveals nothing about the (possibly sensitive, low-entropy) answers to
    whoever reads it without the secret."""
    message = form_tree.canonical_json(canonical_numbers(payload)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def same_digest(first, second):
    """Constant-time equality of two hex digests (False when either is missing)."""
    if not isinstance(first, str) or not isinstance(second, str) or not first or not second:
        return False
    return hmac.compare_digest(first.encode(), second.encode())


# ----------------------------------------------------------------------
# Continuation token (README "Intake contract")
# ----------------------------------------------------------------------


def new_secret():
    """A fresh per-database intake secret (hex, 256 bits)."""
    return secrets.token_hex(32)


def new_token():
    """An unguessable continuation token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_digest(token):
    """The sha256 hex stored for a token (the token itself is never stored in clear)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token, digest):
    """Whether ``token`` is the one whose digest is stored; constant time."""
    if not isinstance(token, str) or not token or not digest:
        return False
    return same_digest(token_digest(token), digest)


def _seal_fernet(secret):
    key = hmac.new(secret.encode(), b"prs continuation token seal", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal_token(secret, token):
    """The token encrypted with a key derived from the intake secret: kept with the
    stored response of the first step so that replaying it returns the same token."""
    return _seal_fernet(secret).encrypt(token.encode()).decode()


def unseal_token(secret, sealed):
    """The token of :func:`seal_token`, or None when it cannot be opened."""
    try:
        return _seal_fernet(secret).decrypt(sealed.encode()).decode()
    except (InvalidToken, AttributeError, ValueError):
        return None


def _is_integer(checker, value):
    # JSON integers only: Python's bool is an int, and jsonschema takes 1.0 for an
    # integer; neither is a record id here.
    return isinstance(value, int) and not isinstance(value, bool)


def request_validator():
    """The jsonschema validator of the request schema (built once per process)."""
    return schema_validator(REQUEST_SCHEMA)


@functools.cache
def schema_validator(path):
    """The jsonschema validator of the request schema in file ``path`` (``prs_submit``'s,
    a worker method's), built once per process."""
    with open(path, encoding="utf-8") as file:
        schema = json.load(file)
    base = jsonschema.validators.validator_for(schema)
    base.check_schema(schema)
    validator = jsonschema.validators.extend(
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer)
    )
    return validator(schema)


def _schema_errors(payload, validator=None):
    """One ``malformed`` error per schema violation, its JSON path first."""
    validator = validator or request_validator()
    return [
        error("malformed", shorten(f"{exc.json_path}: {exc.message}", MAX_MESSAGE))
        for exc in sorted(validator.iter_errors(payload), key=lambda e: e.json_path)
    ]


def nesting_depth(value, limit):
    """Depth of lists/dicts in ``value`` (a scalar is 0), counted without recursion and
    stopping as soon as it passes ``limit``."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def check_payload(payload, max_bytes=MAX_PAYLOAD_BYTES, validator=None):
    """Return a list of structured errors about the payload ([] when fine): the size
    bound first (``payload_too_large``), then the request schema (``malformed``;
    ``validator``: a worker method's, default ``prs_submit``'s).

    Nesting deeper than ``MAX_NESTING`` is refused first, before anything walks the
    payload recursively (the JSON encoder, the schema validator); then a NaN or
    infinite number anywhere (``malformed``, its JSON path first)."""
    if nesting_depth(payload, MAX_NESTING) > MAX_NESTING:
        return [error("malformed", f"$: the payload nests deeper than {MAX_NESTING} levels.")]
    where = non_finite_path(payload)
    if where:
        # before the schema: NaN passes ``minimum`` and ``maximum``
        return [error("malformed", shorten(f"{where}: not a finite number.", MAX_MESSAGE))]
    if not isinstance(payload, dict):
        return _schema_errors(payload, validator)
    try:
        size = len(form_tree.canonical_json(payload).encode())
    except (TypeError, ValueError, RecursionError):
        # RecursionError: nesting deeper than the JSON encoder's recursion limit
        return [error("malformed", "$: the payload is not JSON-serialisable.")]
    if size > max_bytes:
        return [
            error(
                "payload_too_large",
                f"The payload is {size} bytes; at most {max_bytes} bytes are accepted.",
            )
        ]
    return _schema_errors(payload, validator)


def mapped_values(tree, values, sensitive, date_columns=(), yes="Yes"):
    """``{column: value}`` of the registration columns filled by the fields of ``tree``
    mapped to one (``maps_to``), from the validated ``values``; never a sensitive one.

    ``date_columns``: the columns that hold a date (given as is, or False); ``yes``: the
    text stored for a true boolean.
    """
    vals = {}
    for code, field in form_tree.fields_by_code(tree).items():
        maps_to = field.get("maps_to")
        column = MAPPED_COLUMNS.get(maps_to) if isinstance(maps_to, str) else None
        if not column or code in sensitive or code not in values:
            continue
        value = values[code]
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = value and yes or False
        if column in date_columns:
            value = value or False
        else:
            value = False if value in (None, "") else str(value)
        vals[column] = value
    if "name" not in vals and (vals.get("prs_first_name") or vals.get("prs_last_name")):
        vals["name"] = " ".join(
            filter(None, [vals.get("prs_first_name"), vals.get("prs_last_name")])
        )
    return vals


def _as_id(value):
    """A database id from an untrusted payload value, else 0."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT:
        return value
    return 0


def log_values(payload, result, failure_code=None):
    """The ``prs.intake.log`` values of one call (without user, address, time): what
    the payload names and how the call ended; ``failure_code``: the error code of a call
    that raised (``access_denied``, ``server_error``), else None."""
    payload = payload if isinstance(payload, dict) else {}
    # a worker method's operation id is logged where prs_submit's submission id is
    submission_id = payload.get("submission_id") or payload.get("operation_id")
    vals = {
        "submission_id": submission_id[:128] if isinstance(submission_id, str) else False,
        "program_id": _as_id(payload.get("program_id")),
        "flow_id": _as_id(payload.get("flow_id")),
        "step_id": _as_id(payload.get("step_id")),
        "registration_id": _as_id(payload.get("registration_id")),
    }
    if failure_code:
        vals.update(result="error", error_codes=failure_code)
    elif isinstance(result, dict) and result.get("ok"):
        vals.update(result="ok", error_codes=False)
        vals["registration_id"] = _as_id(result.get("registration_id")) or vals["registration_id"]
    else:
        errors = result.get("errors") if isinstance(result, dict) else None
        codes = []
        for item in errors if isinstance(errors, list) else []:
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code not in codes:
                codes.append(code)
        vals.update(result="error", error_codes=",".join(codes)[:255] or "unknown")
    return vals
