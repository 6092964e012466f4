"""The configuration reader of every PRS module.

Each module reads one section of odoo.conf (``[prs_cache_sync]``, ``[prs_registration]``)
and lets environment variables ``PRS_...`` override it, as OCA's ``session_redis`` does
(:func:`read_section`, pure Python); numeric settings kept in system parameters are read
with :func:`param_int`.
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


def param_int(env, key, default, minimum=1):
    """The integer system parameter ``key`` (``ir.config_parameter``), or ``default``
    when it is unset, not an integer or below ``minimum``."""
    # sudo: reads one technical setting for the caller's own use (a limit, a delay), never
    # shown; the API user and coordinators have no access to system parameters.
    value = env["ir.config_parameter"].sudo().get_param(key)
    if not isinstance(value, str):
        # unset: get_param answers False, and int(False) would be 0 (a valid value when
        # ``minimum`` is 0, e.g. a grace period turned off)
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= minimum else default
