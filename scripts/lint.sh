#!/usr/bin/env bash
# Lint gate: pre-commit with local hooks (ruff, pylint-odoo, oca-checks-odoo-module, prettier).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PRS_ROOT"
export PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$HOME/.cache/global-prs/pre-commit}
pre-commit run --all-files --show-diff-on-failure
