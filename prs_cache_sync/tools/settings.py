"""Connection settings of the Redis cache (pure Python, no ORM).

Precedence: environment variables > ``[prs_cache_sync]`` section of odoo.conf > defaults.
Passwords are never returned in clear by the helpers meant for display or logs.
"""

import re
from urllib.parse import urlsplit, urlunsplit

from odoo.addons.prs_base.tools.config import read_section

from . import sentinel

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TIMEOUT = 2.0
SCHEMES = ("redis", "rediss")

ENV_VARS = {
    "redis_url": "PRS_REDIS_URL",
    "key_prefix": "PRS_REDIS_PREFIX",
    "socket_timeout": "PRS_REDIS_SOCKET_TIMEOUT",
    "connect_timeout": "PRS_REDIS_CONNECT_TIMEOUT",
}

_URL_PASSWORD_RE = re.compile(
    r"((?:rediss?|redis\+sentinel)://)([^:@/\s]*):([^@/\s]*)@", re.IGNORECASE
)


def _float(value, default):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def read_config(misc=None, environ=None):
    """Return the effective settings ``{redis_url, key_prefix, socket_timeout,
    connect_timeout}`` from the odoo.conf section ``misc`` (a dict; default: the loaded
    ``[prs_cache_sync]`` section) and ``environ``.

    ``key_prefix`` is ``""`` when not configured: the caller applies the
    ``prs:<database>`` default because only it knows the database name.
    """
    values = read_section("prs_cache_sync", ENV_VARS, misc=misc, environ=environ)
    return {
        "redis_url": values["redis_url"] or DEFAULT_URL,
        "key_prefix": values["key_prefix"] or "",
        "socket_timeout": _float(values["socket_timeout"], DEFAULT_TIMEOUT),
        "connect_timeout": _float(values["connect_timeout"], DEFAULT_TIMEOUT),
    }


def default_prefix(dbname):
    return f"prs:{dbname}"


def check_url(url):
    """Return an error message for an unusable URL, or ``None``."""
    if sentinel.is_sentinel_url(url):
        return sentinel.check_url(url)
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return "The URL cannot be parsed."
    if parts.scheme.lower() not in SCHEMES:
        return "The URL must start with redis:// or rediss://."
    if not parts.hostname:
        return "The URL must name a host."
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        return "The URL port must be a number."
    return None


def split_password(url):
    """Return ``(url without password, password or None)``; the user name is kept."""
    if sentinel.is_sentinel_url(url):
        return sentinel.split_password(url)
    parts = urlsplit(url or "")
    if parts.password is None:
        return url, None
    netloc = parts.hostname or ""
    if ":" in netloc:  # IPv6 literal
        netloc = f"[{netloc}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), (
        parts.password
    )


def redact(text, secrets=()):
    """Mask passwords in ``text``: any ``scheme://user:password@`` part and every
    given secret."""
    if not text:
        return text
    text = _URL_PASSWORD_RE.sub(r"\1\2:***@", str(text))
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
