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

# The end-to-end download tests once more with the yt-dlp fork server off (docs/ytdlp-fork-server.md):
# yt-dlp exec'd per download, as before it. The harness passes SPOOL_E2E_YTDLP_FORK_SERVER=false on to
# the services as SPOOL_YTDLP_FORK_SERVER (it strips SPOOL_* from their environment otherwise).
# SPOOL_TEST_FORK_OFF_PASS=0 leaves it out; a partial run (SPOOL_TEST_FILTER) never runs it.
fork_off_filter='EndToEndTests\.(EndToEndTests|ControlEndToEndTests|ErrorsEndToEndTests|OptionsEndToEndTests|LiveEndToEndTests|DownloadSSRFEndToEndTests)/'
if [[ -z "${SPOOL_TEST_FILTER:-}" && "${SPOOL_TEST_FORK_OFF_PASS:-1}" == 1 ]]; then
    EVENTS_OFF=.build/test-events-fork-off.jsonl
    rm -f "$EVENTS_OFF"
    echo "test.sh: the end-to-end download tests again, with the yt-dlp fork server off"
    SPOOL_E2E_YTDLP_FORK_SERVER=false SPOOL_BIN="$(swift build --show-bin-path)/spool" \
        setsid bash -c 'echo $$ >"$0"; exec timeout --kill-after=30 "$@"' "$sidfile" "$limit" \
        swift test --skip-build --disable-xctest --no-parallel --filter "$fork_off_filter" \
        --event-stream-output-path "$EVENTS_OFF" --event-stream-version 0 2>&1 | tee -a "$LOG" || rc=$?
    sid=$(cat "$sidfile" 2>/dev/null || true)
    if [[ -n "$sid" ]]; then
        leftovers=$(ps -o pid= -s "$sid" 2>/dev/null | tr -s ' \n' ' ' || true)
        # shellcheck disable=SC2086
        [[ -n "${leftovers// /}" ]] && kill -KILL $leftovers 2>/dev/null || true
    fi
    echo "test.sh: fork server off:"
    python3 scripts/test_summary.py "$EVENTS_OFF" --partial || summary_rc=$?
fi
if (( rc != 0 || summary_rc != 0 )); then
    exit $(( rc != 0 ? rc : summary_rc ))
fi
