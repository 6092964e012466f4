"""Connection settings of the Redis cache (pure Python, no ORM).

Precedence: environment variables > ``[prs_cache_sync]`` section of odoo.conf > defaults.
Passwords are never returned in clear by the helpers meant for display or logs.
"""

import os
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from odoo.addons.prs_base.tools.config import read_section

from . import sentinel

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TIMEOUT = 2.0
SCHEMES = ("redis", "rediss")
# What a database is and what a target serves: a database only publishes to targets of
# its own environment (a UAT copy of production never writes production keys).
ENVIRONMENTS = ("production", "uat")
DEFAULT_ENVIRONMENT = "production"
# TLS settings of a rediss:// target: ``{settings key: redis-py keyword}``
TLS_KEYS = {
    "ssl_ca_file": "ssl_ca_certs",
    "ssl_cert_file": "ssl_certfile",
    "ssl_key_file": "ssl_keyfile",
}

ENV_VARS = {
    "redis_url": "PRS_REDIS_URL",
    "key_prefix": "PRS_REDIS_PREFIX",
    "socket_timeout": "PRS_REDIS_SOCKET_TIMEOUT",
    "connect_timeout": "PRS_REDIS_CONNECT_TIMEOUT",
    "environment": "PRS_ENVIRONMENT",
    "redis_environment": "PRS_REDIS_ENVIRONMENT",
    "ssl_ca_file": "PRS_REDIS_SSL_CA_FILE",
    "ssl_cert_file": "PRS_REDIS_SSL_CERT_FILE",
    "ssl_key_file": "PRS_REDIS_SSL_KEY_FILE",
}

# a Redis URL in a text: scheme and the rest of the URL (to the next white space)
_URL_RE = re.compile(r"((?:rediss?|redis\+sentinel)://)(\S+)", re.IGNORECASE)
# ``?password=...`` / ``&password=...`` in a URL's query (redis-py reads it too)
_QUERY_PASSWORD_RE = re.compile(r"([?&]password=)[^&#\s]*", re.IGNORECASE)


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
        # the database's environment (None: not declared here, see the system parameter)
        "environment": (values["environment"] or "").lower() or None,
        # the environment the odoo.conf target serves (None: the database's)
        "redis_environment": (values["redis_environment"] or "").lower() or None,
        **{key: values[key] or None for key in TLS_KEYS},
    }


def check_environment(value):
    """An error message for an environment name that is not known, or ``None``."""
    if value not in ENVIRONMENTS:
        return f"Unknown environment {value!r}: use one of {', '.join(ENVIRONMENTS)}."
    return None


def check_tls_files(settings):
    """An error message for TLS files that are set but unusable, or ``None``: a CA or
    client certificate needs a rediss:// URL, a client certificate its key, and every
    file must be readable by the Odoo server."""
    given = {key: settings.get(key) for key in TLS_KEYS if settings.get(key)}
    if not given:
        return None
    if urlsplit(settings.get("url") or "").scheme.lower() != "rediss":
        return "TLS files need a rediss:// URL."
    if bool(given.get("ssl_cert_file")) != bool(given.get("ssl_key_file")):
        return "A client certificate needs both its certificate file and its key file."
    for path in given.values():
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            return f"The TLS file {path} does not exist or cannot be read."
    return None


def tls_options(settings):
    """redis-py keyword arguments of the TLS settings (rediss:// URLs only)."""
    if urlsplit(settings.get("url") or "").scheme.lower() != "rediss":
        return {}
    options = {TLS_KEYS[key]: settings[key] for key in TLS_KEYS if settings.get(key)}
    if options.get("ssl_ca_certs"):
        # a CA is given: the server's certificate must also name the host connected to
        options["ssl_check_hostname"] = True
    return options


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
    path = parts.path.strip("/")
    if path and not path.isdigit():
        return "The URL path must be a database number, e.g. /0."
    from redis.connection import parse_url

    try:
        parse_url(url)
    except ValueError as error:  # what redis-py itself would refuse when connecting
        return redact(f"The URL is not accepted by redis-py: {error}")
    return None


def _userinfo(rest):
    """``(user, index of the "@" ending the user info)`` of ``rest`` (a URL after
    ``scheme://``) when it holds a password, else ``None``. A password may hold
    unencoded ``/`` and ``@`` (``redis://:ab/cd@h/0``, ``redis://:p@ss@h/0``): the user
    info runs to the LAST ``@`` of the URL, except an ``@`` in a ``password=`` query
    parameter (``redis://h/0?password=a@b``)."""
    end = rest.rfind("@")
    while end >= 0 and _QUERY_PASSWORD_RE.search(rest[:end]):
        end = rest.rfind("@", 0, end)
    user, colon, __ = rest[:end].partition(":") if end >= 0 else ("", "", "")
    if not colon or any(mark in user for mark in "/?#"):
        return None
    return user, end


def _split_userinfo(url):
    """``(url without the password of its user info, password or None)``: everything
    between ``scheme://[user]:`` and the last ``@`` before the host is the password
    (percent-decoded as redis-py does: ``p%40ss`` is ``p@ss``); the user name is kept."""
    scheme, sep, rest = (url or "").partition("://")
    found = _userinfo(rest) if sep else None
    if not found:
        return url, None
    user, end = found
    password = unquote(rest[len(user) + 1 : end])
    return f"{scheme}://{user + '@' if user else ''}{rest[end + 1 :]}", password


def split_password(url):
    """Return ``(url without password, password or None)``; the user name is kept. The
    password of the user info (see :func:`_split_userinfo`) wins over ``?password=``,
    as in redis-py; both are taken out of the URL."""
    url, password = _split_userinfo(url)
    if sentinel.is_sentinel_url(url):
        return url, password
    try:
        parts = urlsplit(url or "")
        if parts.port is None:  # reading the port raises on a non-numeric one
            pass
    except ValueError:
        return url, password  # unusable: check_url names the problem, the client refuses it
    query = parse_qsl(parts.query, keep_blank_values=True)
    query_password = [value for name, value in query if name.lower() == "password"]
    if query_password:
        # ``?password=``: moved out like a password in the user part; parse_qsl
        # already decoded it
        parts = parts._replace(
            query=urlencode([(name, value) for name, value in query if name.lower() != "password"])
        )
        url = urlunsplit(parts)
    if password is None and query_password:
        password = query_password[0]
    return url, password


def redact(text, secrets=()):
    """Mask passwords in ``text``: the password of any Redis URL's user info (to the
    last ``@`` before the host, as :func:`split_password` reads it), any
    ``password=`` query parameter, and every given secret."""
    if not text:
        return text

    def mask(match):
        rest = match.group(2)
        found = _userinfo(rest)
        if found:
            user, end = found
            rest = f"{user}:***{rest[end:]}"
        return match.group(1) + rest

    text = _URL_RE.sub(mask, str(text))
    text = _QUERY_PASSWORD_RE.sub(r"\1***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
