#!/usr/bin/env bash
# Set up and run the app on SQLite with demo data: http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e .
scripts/i18n.sh compile
export FLASK_APP=election
.venv/bin/flask db upgrade
.venv/bin/flask demo ${DEMO_THROUGH:+--through "$DEMO_THROUGH"}
echo
echo "Open http://127.0.0.1:5000 and log in with one of the accounts above."
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
