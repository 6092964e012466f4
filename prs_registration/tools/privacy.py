"""Encryption at rest of sensitive answers (pure Python, no ORM).

A sensitive answer is stored inside the answers JSON as ``{"$enc": "<Fernet token>"}``:
the token carries the JSON encoding of the value. Keys come from ``odoo.conf``
(``[prs_registration] encryption_key``) or the ``PRS_ENCRYPTION_KEY`` environment
variable, which wins. Several comma-separated keys rotate: the first encrypts, all
decrypt (``MultiFernet``).
"""

import contextlib
import contextvars
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo.addons.prs_base.tools.config import read_section
from odoo.addons.prs_form_builder.tools import form_tree

ENC_KEY = "$enc"
MASK = "••••••"


class KeyMissingError(Exception):
    """No usable encryption key is configured."""


class KeyRefusedError(KeyMissingError):
    """The key is refused here: a mail template (or another template) is being rendered."""


# True while a template is rendered (mail.render.mixin): a template's expressions run
# with the sender's rights, often as superuser, and its output leaves the system, so no
# sensitive answer is decrypted there, whatever method a template calls. A context
# variable, unlike an Odoo context key, cannot be reset by the template itself.
_RENDERING = contextvars.ContextVar("prs_rendering", default=False)


@contextlib.contextmanager
def rendering():
    """Refuse the encryption key (:func:`get_fernet`) inside this block."""
    token = _RENDERING.set(True)
    try:
        yield
    finally:
        _RENDERING.reset(token)


def _key_text(config_misc):
    section = (config_misc or {}).get("prs_registration", {}) or {}
    values = read_section(
        "prs_registration", {"encryption_key": "PRS_ENCRYPTION_KEY"}, misc=section
    )
    return values["encryption_key"] or ""


def get_fernet(config_misc):
    """Return a MultiFernet built from the configured keys; raise KeyMissingError
    (KeyRefusedError while a template is rendered, see :func:`rendering`)."""
    if _RENDERING.get():
        raise KeyRefusedError(
            "Sensitive answers are never decrypted while a template is rendered: a mail "
            "shows no sensitive answer."
        )
    keys = [key.strip() for key in _key_text(config_misc).split(",") if key.strip()]
    if not keys:
        raise KeyMissingError(
            "No encryption key for sensitive answers: set [prs_registration] "
            "encryption_key in odoo.conf or the PRS_ENCRYPTION_KEY environment variable "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise KeyMissingError(
            "The sensitive answer encryption key is not a valid Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


def is_encrypted(value):
    return isinstance(value, dict) and set(value) == {ENC_KEY}


def encrypt_value(fernet, value):
    if value is None or is_encrypted(value):
        return value
    payload = form_tree.canonical_json(value).encode()
    return {ENC_KEY: fernet.encrypt(payload).decode()}


def decrypt_value(fernet, value):
    if not is_encrypted(value):
        return value
    try:
        return json.loads(fernet.decrypt(value[ENC_KEY].encode()))
    except InvalidToken as exc:
        raise KeyMissingError(
            "A sensitive answer cannot be decrypted with the configured key(s)."
        ) from exc


def sensitive_codes(tree):
    """Codes of the fields of a form tree marked ``"sensitive": true``."""
    return {field["code"] for field in form_tree.fields_with(tree, "sensitive")}


def encrypt_answers(fernet, answers, codes):
    return {
        code: encrypt_value(fernet, value) if code in codes else value
        for code, value in answers.items()
    }


def decrypt_answers(fernet, answers):
    return {code: decrypt_value(fernet, value) for code, value in answers.items()}


def _values(answers):
    """``(field code, value)`` of stored answers ``{step code: {field code: value}}``."""
    for step_answers in (answers or {}).values():
        yield from (step_answers or {}).items()


def has_encrypted(answers):
    """Whether stored answers (``{step code: {field code: value}}``) hold an encrypted
    value."""
    return any(is_encrypted(value) for __, value in _values(answers))


def encrypted_codes(answers):
    """The sorted field codes of the encrypted values of stored answers."""
    return sorted({code for code, value in _values(answers) if is_encrypted(value)})


def plain_answers(answers, get_fernet):
    """Stored answers per step with the sensitive values decrypted; ``get_fernet()`` is
    called only when there is something to decrypt."""
    answers = answers or {}
    if not has_encrypted(answers):
        return {code: dict(step_answers or {}) for code, step_answers in answers.items()}
    fernet = get_fernet()
    return {
        code: decrypt_answers(fernet, step_answers or {}) for code, step_answers in answers.items()
    }


def find_encrypted_file(answers, attachment_id):
    """The reference ``{attachment_id, name, mimetype, size, encrypted}`` of the
    encrypted file ``attachment_id`` among plain answers, or None."""
    for __, value in _values(answers):
        for ref in value if isinstance(value, list) else [value]:
            if (
                isinstance(ref, dict)
                and ref.get("encrypted")
                and ref.get("attachment_id") == attachment_id
            ):
                return ref
    return None
