#!/usr/bin/env bash
# Build a fresh test database with prs_suite, run every module's tests and tests/ with
# pytest-odoo (HTTP server on, so HttpCase and browser tours run in Chromium), drop it.
# Extra arguments go to pytest (e.g. scripts/test.sh prs_form_builder -k version).
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$PRS_ROOT"
DB=${PRS_TEST_DB:-prs_test_$$}
# The run's own key prefix, whatever odoo.conf or the shell say (their key_prefix may be
# the one of the developer's `make run` database): the install and the tests publish
# under prs:<test database> only, and the clean-up below deletes that prefix only.
export PRS_REDIS_PREFIX="prs:$DB"
LOG=$(mktemp -t prs-install-XXXX.log)
cleanup() {
    dropdb -h 127.0.0.1 -U odoo --if-exists "$DB" >/dev/null 2>&1
    rm -f "$LOG"
    clean_redis
}
# The install publishes the demo program to the shared Redis (default target, prefix
# PRS_REDIS_PREFIX = prs:<test database>): delete those keys (SCAN + UNLINK) at the end.
clean_redis() {
    python - <<'PY' || echo "[test] could not clean the Redis keys of $DB"
import configparser, os, re
import redis
conf = configparser.ConfigParser(interpolation=None)
conf.read(os.path.join(os.environ["PRS_ROOT"], "odoo.conf"))
section = conf["prs_cache_sync"] if conf.has_section("prs_cache_sync") else {}
url = os.environ.get("PRS_REDIS_URL") or section.get("redis_url") or "redis://127.0.0.1:6379/0"
prefix = os.environ["PRS_REDIS_PREFIX"]  # prs:<test database>, never another database's
client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
pattern = re.sub(r"([\\*?\[\]])", r"\\\1", prefix) + ":*"
batch, count = [], 0
for key in client.scan_iter(match=pattern, count=1000):
    batch.append(key)
    if len(batch) >= 500:
        count += client.unlink(*batch)
        batch = []
if batch:
    count += client.unlink(*batch)
print(f"[test] deleted {count} Redis key(s) under {prefix}:")
PY
}
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
