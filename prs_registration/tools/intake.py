"""Pure checks of an intake payload (no ORM): shape, types, size, fingerprint."""

import hashlib
import json

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_SUBMISSION_ID = 128

REQUIRED_INTS = ("program_id", "flow_id", "step_id", "form_version")
KNOWN_KEYS = {"submission_id", "answers", "registration_id", "test", *REQUIRED_INTS}


def error(code, message, field=False):
    return {"field": field, "code": code, "message": message}


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(payload):
    """sha256 hex of the canonical JSON of the payload."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_payload(payload, max_bytes=MAX_PAYLOAD_BYTES):
    """Return a list of structured errors about the payload's shape ([] when fine)."""
    if not isinstance(payload, dict):
        return [error("malformed", "The payload must be a JSON object.")]
    try:
        size = len(canonical_json(payload).encode())
    except (TypeError, ValueError, RecursionError):
        # RecursionError: nesting deeper than the JSON encoder's recursion limit
        return [error("malformed", "The payload is not JSON-serialisable.")]
    if size > max_bytes:
        return [
            error(
                "payload_too_large",
                f"The payload is {size} bytes; at most {max_bytes} bytes are accepted.",
            )
        ]
    errors = []
    unknown = sorted(set(payload) - KNOWN_KEYS, key=str)
    if unknown:
        errors.append(error("malformed", f"Unknown payload keys: {', '.join(map(str, unknown))}."))
    submission_id = payload.get("submission_id")
    if not isinstance(submission_id, str) or not submission_id.strip():
        errors.append(error("malformed", "submission_id must be a non-empty string."))
    elif len(submission_id) > MAX_SUBMISSION_ID:
        errors.append(
            error("malformed", f"submission_id is longer than {MAX_SUBMISSION_ID} characters.")
        )
    for key in REQUIRED_INTS:
        if not _is_int(payload.get(key)) or payload[key] < 0:
            errors.append(error("malformed", f"{key} must be a positive integer."))
    registration_id = payload.get("registration_id")
    if registration_id not in (None, False) and (
        not _is_int(registration_id) or registration_id <= 0
    ):
        errors.append(error("malformed", "registration_id must be a positive integer or absent."))
    if not isinstance(payload.get("answers"), dict):
        errors.append(error("malformed", "answers must be an object of field code to value."))
    elif any(not isinstance(code, str) for code in payload["answers"]):
        errors.append(error("malformed", "answer keys must be field codes (strings)."))
    if "test" in payload and not isinstance(payload["test"], bool):
        errors.append(error("malformed", "test must be a boolean."))
    return errors
