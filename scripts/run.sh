#!/usr/bin/env bash
# Create (or reuse) the run database with prs_suite and demo data, then serve Odoo on 8069.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/redis.sh"
prs_start_redis
DB=${PRS_DB:-prs}
if ! psql -h 127.0.0.1 -U odoo -d postgres -lqt | cut -d'|' -f1 | grep -qw "$DB"; then
    echo "[run] creating database $DB with prs_suite and demo data"
    "${ODOO_BIN[@]}" -d "$DB" -i prs_suite --stop-after-init --log-level=warn
else
    # every PRS module, not prs_suite alone (-u upgrades a module and its dependents, not
    # its dependencies); prs_form_builder also installs prs_base into older databases
    echo "[run] updating the Global PRS modules in database $DB"
    "${ODOO_BIN[@]}" -d "$DB" -u prs_base,prs_form_builder --stop-after-init --log-level=warn
fi
bash "$PRS_ROOT/scripts/check_master_password.sh" "$PRS_ROOT/odoo.conf"
echo "[run] serving http://localhost:8069 (database $DB, login admin / admin)"
exec "${ODOO_BIN[@]}" -d "$DB" --db-filter="^${DB}\$"
