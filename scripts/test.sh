#!/usr/bin/env bash
# Runs every test (unit + end to end), installing what is missing first.
# Prints "N passed, N failed" at the end; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-deps.sh
export PATH="$PWD/.venv/bin:$PATH"

start=$(date +%s)
swift build --build-tests

mkdir -p .build
LOG=.build/test-output.log
# --no-parallel: the end-to-end suites each run a service and real tools; on 2 cores, running them
# at once makes their deadlines flaky.
rc=0
SPOOL_BIN="$(swift build --show-bin-path)/spool" \
    swift test --skip-build --disable-xctest --no-parallel 2>&1 | tee "$LOG" || rc=$?
end=$(date +%s)

# Swift Testing's closing line:
#   ✔ Test run with N tests in M suites passed after X seconds.
#   ✘ Test run with N tests in M suites failed after X seconds with K issues.
total=$(grep -aE 'Test run with [0-9]+ tests?' "$LOG" | tail -1 | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' || true)
# Individual failures: "✘ Test name() failed after ..." (not the suite or the run line).
failed=$(grep -aE '✘ Test [^ ].* (failed|recorded)' "$LOG" | grep -avE '✘ Test run with' | grep -acE ' failed after' || true)
failed=${failed:-0}
if [[ -z "$total" ]]; then
    echo "test.sh: could not find Swift Testing's summary line (swift test exited $rc)" >&2
    echo "0 passed, ${failed} failed"
    exit $(( rc != 0 ? rc : 1 ))
fi
passed=$(( total - failed ))
(( passed < 0 )) && passed=0
echo "test.sh: swift build + swift test took $(( end - start )) s (log: $LOG)"
echo "${passed} passed, ${failed} failed"
if (( rc != 0 || failed > 0 )); then
    exit $(( rc != 0 ? rc : 1 ))
fi
