"""Encryption at rest of sensitive answers (pure Python, no ORM).

A sensitive answer is stored inside the answers JSON as ``{"$enc": "<Fernet token>"}``:
the token carries the JSON encoding of the value. Keys come from ``odoo.conf``
(``[prs_registration] encryption_key``) or the ``PRS_ENCRYPTION_KEY`` environment
variable, which wins. Several comma-separated keys rotate: the first encrypts, all
decrypt (``MultiFernet``).
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo.addons.prs_base.tools.config import read_section

ENC_KEY = "$enc"
MASK = "••••••"


class KeyMissingError(Exception):
    """No usable encryption key is configured."""


def _key_text(config_misc):
    section = (config_misc or {}).get("prs_registration", {}) or {}
    values = read_section(
        "prs_registration", {"encryption_key": "PRS_ENCRYPTION_KEY"}, misc=section
    )
    return values["encryption_key"] or ""


def get_fernet(config_misc):
    """Return a MultiFernet built from the configured keys; raise KeyMissingError."""
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
    payload = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
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
    return {
        field["code"]
        for page in (tree or {}).get("pages", [])
        for section in page.get("sections", [])
        for field in section.get("fields", [])
        if field.get("sensitive")
    }


def encrypt_answers(fernet, answers, codes):
    return {
        code: encrypt_value(fernet, value) if code in codes else value
        for code, value in answers.items()
    }


def decrypt_answers(fernet, answers):
    return {code: decrypt_value(fernet, value) for code, value in answers.items()}


def mask_answers(answers):
    return {code: MASK if is_encrypted(value) else value for code, value in answers.items()}
