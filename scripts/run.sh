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
# The demo accounts have no authenticator app: two-factor login is not required here
# (production keeps the default, REQUIRE_2FA_FOR_STAFF=1).
export REQUIRE_2FA_FOR_STAFF="${REQUIRE_2FA_FOR_STAFF:-0}"
.venv/bin/flask db upgrade
.venv/bin/flask demo --through "${DEMO_THROUGH:-voting}"
echo
echo "Open http://127.0.0.1:${PORT:-5000} and log in with one of the accounts above."
if [ "$REQUIRE_2FA_FOR_STAFF" = 0 ]; then
  echo "Two-factor login is not required in this demo (REQUIRE_2FA_FOR_STAFF=0)."
fi
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
