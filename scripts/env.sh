# Sourced by the scripts: where Odoo, the venv and this checkout are.
PRS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRS_VENV=${PRS_VENV:-$HOME/.cache/global-prs/venv}
if [ -z "${ODOO_SRC:-}" ]; then
    ODOO_SRC=$(cat "$HOME/.cache/global-prs/odoo_src" 2>/dev/null || echo /opt/odoo/17.0)
fi
export PRS_ROOT PRS_VENV ODOO_SRC
export PATH="$PRS_VENV/bin:$PATH"
if [ ! -x "$PRS_VENV/bin/python" ] || [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    echo "Global PRS is not set up (venv $PRS_VENV, ODOO_SRC $ODOO_SRC): run 'make setup' first." >&2
    exit 2
fi
ODOO_BIN=("$PRS_VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$PRS_ROOT/odoo.conf")
