#!/usr/bin/env bash
# Run every benchmark in turn (arguments, e.g. --quick, go to each script).
# Each script builds or reuses its database and starts its own redis-server (and Odoo
# HTTP server when it needs one) on free ports; see bench/README.md.
set -uo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$PRS_ROOT/bench"
rc=0
for script in bench_read.py bench_publish.py bench_intake.py bench_resync.py bench_review.py bench_capacity.py bench_designer.py bench_load.py; do
    [ -f "$script" ] || continue
    python "$script" "$@" || rc=1
done
exit $rc
