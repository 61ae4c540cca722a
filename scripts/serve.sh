#!/usr/bin/env bash
# Starts spool on a default root ($SPOOL_ROOT or ./spool-root) with config/spool.json,
# installing what is missing first. Extra arguments are passed to `spool serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-deps.sh
export PATH="$PWD/.venv/bin:$PATH"

swift build -c release
exec "$(swift build -c release --show-bin-path)/spool" serve \
    --root "${SPOOL_ROOT:-$PWD/spool-root}" --config config/spool.json "$@"
