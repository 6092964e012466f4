#!/usr/bin/env bash
# Build a fresh test database with prs_suite, run every module's tests and tests/ with
# pytest-odoo (HTTP server on, so HttpCase and browser tours run in Chromium), drop it.
# Extra arguments go to pytest (e.g. scripts/test.sh prs_form_builder -k version).
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$PRS_ROOT"
DB=${PRS_TEST_DB:-prs_test_$$}
LOG=$(mktemp -t prs-install-XXXX.log)
cleanup() { dropdb -h 127.0.0.1 -U odoo --if-exists "$DB" >/dev/null 2>&1; rm -f "$LOG"; }
trap cleanup EXIT
dropdb -h 127.0.0.1 -U odoo --if-exists "$DB"

echo "[test] installing prs_suite into $DB"
if ! "${ODOO_BIN[@]}" -d "$DB" -i prs_suite --stop-after-init --log-level=warn \
        --without-demo="${PRS_TEST_WITHOUT_DEMO:-}" >"$LOG" 2>&1; then
    cat "$LOG"; echo "[test] installation failed"; exit 1
fi
if grep -E " (WARNING|ERROR|CRITICAL) " "$LOG"; then
    echo "[test] installation logged warnings or errors (above)"; exit 1
fi

paths=("$@")
((${#paths[@]})) || paths=(addons/prs_base prs_form_builder prs_event_flow prs_registration prs_cache_sync addons/prs_suite tests)
python -m pytest -p no:cacheprovider --odoo-database="$DB" --odoo-config="$PRS_ROOT/odoo.conf" \
    --odoo-http --odoo-log-level=warn "${paths[@]}"
rc=$?
exit $rc
