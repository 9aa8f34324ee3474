#!/usr/bin/env bash
# `make test-latest`: the drift check. Builds .venv-latest from scratch with the newest versions
# that setup.cfg's ranges admit (no lock), prints which packages differ from the lock, runs
# ruff, mypy and pytest there, and ends with a summary of what failed. Exit status 1 when any
# step failed: upstream moved in a way the locked run does not see (see README, "Dependencies").
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv-latest
BIN=$VENV/bin
LOG=$VENV/pytest.log

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$BIN/python" -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel
"$BIN/python" -m pip install --quiet --disable-pip-version-check --upgrade --editable '.[test]' \
  || { echo "test-latest: the newest versions cannot be installed together" >&2; exit 1; }

echo "== packages whose newest admitted version differs from the lock"
"$BIN/python" requirements/lockcheck.py --report requirements/build.txt requirements/test.txt

failed=()
echo "== ruff (newest)"
"$BIN/ruff" check widget_server tests snippets bench requirements || failed+=("ruff")
echo "== mypy (newest)"
"$BIN/mypy" || failed+=("mypy")
echo "== pytest (newest)"
"$BIN/pytest" -n 2 -q -rfE "$@" 2>&1 | tee "$LOG"
[[ ${PIPESTATUS[0]} -eq 0 ]] || failed+=("pytest")

echo "== test-latest summary"
if ((${#failed[@]} == 0)); then
  echo "test-latest: everything passes with the newest versions; 'make lock-upgrade' is safe"
  exit 0
fi
echo "test-latest: failed with the newest versions: ${failed[*]}"
grep -E '^(FAILED|ERROR) ' "$LOG" | sed 's/^/  /' || true
tail -n 1 "$LOG" | sed 's/^/  pytest: /'
exit 1
