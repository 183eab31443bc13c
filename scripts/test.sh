#!/usr/bin/env bash
# Set up and run the whole test suite: lint, SQLite, then PostgreSQL when reachable.
#   TEST_DATABASE_URL   PostgreSQL to test against
#                       (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
#   REQUIRE_POSTGRES=1  fail, not skip, when PostgreSQL is unreachable (CI sets it)
#   REQUIRE_BROWSER=1   fail, not skip, when Chromium is missing (CI sets it)
#   REQUIRE_REDIS=1     fail, not skip, when Redis (TEST_REDIS_URL, default
#                       redis://127.0.0.1:6379/15) is unreachable (CI sets it)
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
scripts/i18n.sh compile
.venv/bin/ruff check .
# The layers of docs/architecture.md: an upward import fails here.
.venv/bin/lint-imports

echo "== tests on SQLite"
env -u TEST_DATABASE_URL .venv/bin/pytest "$@"

PG_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
if .venv/bin/python - "$PG_URL" <<'PY'
import sys
import psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL"
  # The browser and fault tests bring their own databases; they ran above.
  TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest --ignore=tests/browser --ignore=tests/faults "$@"
elif [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "REQUIRE_POSTGRES=1 and PostgreSQL is not reachable at $PG_URL" >&2
  exit 1
else
  echo "== PostgreSQL not reachable: its run is skipped (CI requires it)"
fi
