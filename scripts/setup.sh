#!/usr/bin/env bash
# Global PRS set-up: system packages, Odoo 17 source, virtualenv, services.
# Safe to run again: every step checks before it acts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_DEFAULT=${PRS_ODOO_DEFAULT:-/opt/odoo/17.0}
ODOO_SRC=${ODOO_SRC:-}
PRS_VENV=${PRS_VENV:-$HOME/.cache/global-prs/venv}
PYTHON=${PYTHON:-python3.11}
ODOO_GIT=https://github.com/odoo/odoo.git

# pip warns about find-links folders this machine's pip.conf names but lacks; hide only those.
pipq() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# 1. Odoo 17 source (first, so a missing tree fails within seconds): ODOO_SRC, else the default location, else a shallow clone.
is_odoo() { [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] && grep -q "version_info = (17, 0" "$1/odoo/release.py"; }
if [ -n "$ODOO_SRC" ]; then
    is_odoo "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 17.0 source tree (no odoo-bin / odoo/release.py for 17.0)."
elif is_odoo "$ODOO_DEFAULT"; then
    ODOO_SRC=$ODOO_DEFAULT
else
    say "no Odoo source at $ODOO_DEFAULT; cloning upstream 17.0 (shallow)"
    mkdir -p "$(dirname "$ODOO_DEFAULT")"
    if command -v git >/dev/null && GIT_TERMINAL_PROMPT=0 timeout "${PRS_CLONE_TIMEOUT:-600}" \
        git -c http.lowSpeedLimit=1000 -c http.lowSpeedTime=20 clone --quiet --depth 1 \
        --branch 17.0 "$ODOO_GIT" "$ODOO_DEFAULT.tmp" 2>/dev/null; then
        mv "$ODOO_DEFAULT.tmp" "$ODOO_DEFAULT"
        ODOO_SRC=$ODOO_DEFAULT
    else
        rm -rf "$ODOO_DEFAULT.tmp"
        die "no Odoo 17 source found. Set ODOO_SRC to an Odoo 17.0 source tree (or put one at $ODOO_DEFAULT); cloning $ODOO_GIT failed."
    fi
fi
say "Odoo source: $ODOO_SRC"
mkdir -p "$HOME/.cache/global-prs"
echo "$ODOO_SRC" > "$HOME/.cache/global-prs/odoo_src"

# 2. Debian packages, only those missing (wkhtmltopdf: Odoo renders its PDF reports with it).
need=()
for pkg in libpq-dev libldap2-dev libsasl2-dev chromium postgresql redis-server wkhtmltopdf; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
# node and npm run the renderer conformance tests (npm jexl): Debian's, unless some are on PATH.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
    say "installing Debian packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 3. Virtualenv with Odoo's requirements and ours; skipped when nothing changed.
[ -x "$PRS_VENV/bin/python" ] || { say "creating virtualenv $PRS_VENV"; "$PYTHON" -m venv "$PRS_VENV"; }
stamp="$PRS_VENV/.prs-requirements"
want=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python requirements (Odoo's and the project's)"
    pipq "$PRS_VENV/bin/pip" install -q --upgrade pip wheel "setuptools<70"
    pipq "$PRS_VENV/bin/pip" install -q -r "$ODOO_SRC/requirements.txt"
    pipq "$PRS_VENV/bin/pip" install -q -r "$ROOT/requirements.txt"
    pipq "$PRS_VENV/bin/pip" install -q --no-deps -e "$ODOO_SRC"
    echo "$want" > "$stamp"
fi

# 4. Services: PostgreSQL and Redis, started when not answering.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
fi
source "$ROOT/scripts/redis.sh"
prs_start_redis || die "Redis could not be started"
for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL does not answer on 127.0.0.1:5432"
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || die "Redis does not answer on 127.0.0.1:6379"
# Odoo refuses to run as the postgres superuser: a dedicated role that may create databases.
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1; then
    say "creating PostgreSQL role odoo"
    psql -h 127.0.0.1 -U postgres -qc "CREATE ROLE odoo LOGIN CREATEDB"
fi

# 5. Node packages for the renderer conformance check (npm jexl, the renderer's evaluator).
if [ -f "$ROOT/tests/node/package.json" ] && [ ! -d "$ROOT/tests/node/node_modules/jexl" ]; then
    say "installing npm packages for tests/node"
    (cd "$ROOT/tests/node" && npm install --silent --no-audit --no-fund)
fi
say "done: venv $PRS_VENV, Odoo $ODOO_SRC"
