#!/usr/bin/env bash
# Rewrite files the way the lint gate wants them (ruff format/fix, prettier).
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$PRS_ROOT"
export PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$HOME/.cache/global-prs/pre-commit}
ruff check --fix -q . || true
ruff format -q .
pre-commit run --hook-stage manual prettier-write --all-files >/dev/null || true
