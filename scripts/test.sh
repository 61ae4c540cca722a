#!/usr/bin/env bash
# Runs every test (unit + end to end), installing what is missing first.
# The counts come from Swift Testing's own event stream (scripts/test_summary.py); the last line is
# "N passed, N failed, N skipped". Exits non-zero on any failure, when no test ran, when a test listed in
# scripts/must-run-tests.txt was skipped, and when the run exceeds its time limit (the tests still running
# are named).
# Environment:
#   SPOOL_TEST_TIME_LIMIT  seconds for `swift test` (default 3600); then everything it started is stopped
#   SPOOL_TEST_FILTER      a `swift test --filter` for a partial run (must-run tests need only not be skipped)
#   SPOOL_E2E_NO_SKIP, SPOOL_E2E_FULL_MATRIX  default 1 here (CI's settings): a test missing a machine
#                          requirement fails instead of skipping; the format test runs the full matrix
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-deps.sh
export PATH="$PWD/.venv/bin:$PATH"
export SPOOL_E2E_NO_SKIP="${SPOOL_E2E_NO_SKIP:-1}"
export SPOOL_E2E_FULL_MATRIX="${SPOOL_E2E_FULL_MATRIX:-1}"
limit="${SPOOL_TEST_TIME_LIMIT:-3600}"

start=$(date +%s)
# The tree stays formatted (.swift-format): `swift format format --in-place --recursive Sources Tests Package.swift`.
if ! swift format lint --strict --recursive Sources Tests Package.swift; then
    echo "test.sh: swift format lint found the problems above; run: swift format format --in-place --recursive Sources Tests Package.swift" >&2
    exit 1
fi
swift build --build-tests

mkdir -p .build
LOG=.build/test-output.log
EVENTS=.build/test-events.jsonl
rm -f "$EVENTS"
filter=()
summary_args=(--must-run scripts/must-run-tests.txt)
if [[ -n "${SPOOL_TEST_FILTER:-}" ]]; then
    filter=(--filter "$SPOOL_TEST_FILTER")
    summary_args+=(--partial)
fi
sidfile=$(mktemp)
trap 'rm -f "$sidfile"' EXIT
# --no-parallel: the end-to-end suites each run a service and real tools; on 2 cores, running them
# at once makes their deadlines flaky.
# setsid: the run gets its own session, so that whatever it leaves behind (a service a killed test
# started in its own process group) can be found and stopped; timeout stops the run's process group.
rc=0
SPOOL_BIN="$(swift build --show-bin-path)/spool" \
    setsid bash -c 'echo $$ >"$0"; exec timeout --kill-after=30 "$@"' "$sidfile" "$limit" \
    swift test --skip-build --disable-xctest --no-parallel \
    --event-stream-output-path "$EVENTS" --event-stream-version 0 "${filter[@]}" 2>&1 | tee "$LOG" || rc=$?
end=$(date +%s)

sid=$(cat "$sidfile" 2>/dev/null || true)
if [[ -n "$sid" ]]; then
    leftovers=$(ps -o pid= -s "$sid" 2>/dev/null | tr -s ' \n' ' ' || true)
    if [[ -n "${leftovers// /}" ]]; then
        echo "test.sh: stopping processes the run left behind: $leftovers" >&2
        # shellcheck disable=SC2086
        kill -KILL $leftovers 2>/dev/null || true
    fi
fi
if ((rc == 124 || rc == 137)); then
    echo "test.sh: swift test exceeded its time limit of ${limit} s (exit $rc)" >&2
    summary_args+=(--timed-out-after "$limit")
fi

echo "test.sh: swift build + swift test took $(( end - start )) s (log: $LOG, events: $EVENTS)"
summary_rc=0
python3 scripts/test_summary.py "$EVENTS" "${summary_args[@]}" || summary_rc=$?
if (( rc != 0 || summary_rc != 0 )); then
    exit $(( rc != 0 ? rc : summary_rc ))
fi
