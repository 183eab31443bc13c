#!/usr/bin/env bash
# Extract messages, update the catalogues, compile them.
#   scripts/i18n.sh            extract + update + compile (then translate the new entries;
#                              tests/integration/core/test_translations.py lists them)
#   scripts/i18n.sh compile    compile only (what run.sh and test.sh do)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
if [ "${1:-}" != "compile" ]; then
  "$PYBABEL" -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output \
    --project "Rada SEKAP" --version 0.1 --msgid-bugs-address rada-sekap@localhost \
    --copyright-holder "Śląskie Centrum Społeczeństwa Informacyjnego" -o translations/messages.pot .
  for lang in en pl; do
    if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" -q update -i translations/messages.pot -d translations -l "$lang" \
        --no-fuzzy-matching --ignore-obsolete
    else
      "$PYBABEL" -q init -i translations/messages.pot -d translations -l "$lang"
    fi
  done
fi
"$PYBABEL" -q compile -d translations --use-fuzzy 2>/dev/null || "$PYBABEL" -q compile -d translations
