"""The configuration reader of every PRS module: pure Python, no ORM.

Each module reads one section of odoo.conf (``[prs_cache_sync]``, ``[prs_registration]``)
and lets environment variables ``PRS_...`` override it, as OCA's ``session_redis`` does.
"""

import os

from odoo.tools import config as odoo_config


def read_section(section, env_vars, misc=None, environ=None):
    """Return ``{key: value}`` for every key of ``env_vars`` (``{key: env var name}``).

    A non-empty environment variable wins over the ``[section]`` of odoo.conf (``misc``,
    default: Odoo's loaded configuration); strings are stripped; a key set nowhere is
    ``None``. Callers apply their own defaults and type conversions.
    """
    if misc is None:
        misc = odoo_config.misc.get(section, {})
    misc = dict(misc or {})
    environ = os.environ if environ is None else environ
    values = {}
    for key, env_var in env_vars.items():
        value = environ.get(env_var)
        if value in (None, ""):
            value = misc.get(key)
        if isinstance(value, str):
            value = value.strip()
        values[key] = value if value not in ("", None) else None
    return values
