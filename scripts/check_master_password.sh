#!/usr/bin/env bash
# Warn (on stderr, exit 0) when the Odoo configuration given serves with the development
# master password: admin_passwd missing, "admin", or any clear-text value (Odoo stores
# a hash once it is set from the database manager). Used by run.sh; README "Production".
set -euo pipefail
CONF=${1:?usage: check_master_password.sh ODOO_CONF}
python3 - "$CONF" <<'PY'
import configparser
import sys

conf = configparser.RawConfigParser()
conf.read(sys.argv[1])
value = conf.get("options", "admin_passwd", fallback="admin").strip()
list_db = conf.get("options", "list_db", fallback="True").strip().lower() not in ("false", "0")
if value == "admin" or not value.startswith("$pbkdf2"):
    banner = "!" * 78
    print(
        f"{banner}\n"
        f"WARNING: {sys.argv[1]} serves with the DEVELOPMENT master password"
        f"{' (admin)' if value == 'admin' else ' (clear text)'}"
        f"{' and the database manager on (list_db)' if list_db else ''}.\n"
        "Anyone reaching this port can create, copy, back up or drop databases.\n"
        "Local development only; for production see README 'Production' and\n"
        "odoo.production.conf.example.\n"
        f"{banner}",
        file=sys.stderr,
    )
PY
