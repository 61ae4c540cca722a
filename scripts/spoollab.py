"""Helpers shared by scripts/bench and scripts/crash-trials (stdlib only).

The loopback lab (Tests/EndToEndTests/Support/labserver.py) start-up with a deadline, the test-clip recipe,
the tool lookup and the environment for children, and starting `spool serve` in its own process group.
Imported by both scripts (`sys.path` gets this directory); not a command of its own.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABSERVER = REPO / "Tests/EndToEndTests/Support/labserver.py"
VENV_BIN = REPO / ".venv/bin"


def unblock_signals():
    """A parent (a Swift test runner) may have blocked signals; spool and its tools must see SIGTERM."""
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def child_env():
    """This environment with the project's .venv/bin (yt-dlp) first on PATH."""
    env = dict(os.environ)
    if VENV_BIN.exists():
        env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    return env


def find_tool(name):
    """`name` from .venv/bin, else from PATH; exits with a hint when missing."""
    venv = VENV_BIN / name
    if venv.exists():
        return str(venv)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (run scripts/ensure-deps.sh)")
    return found


def debug_binary():
    """`swift build --product spool` (debug) and the path of the binary."""
    subprocess.run(["swift", "build", "--product", "spool"], cwd=REPO, check=True)
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True, capture_output=True, text=True)
    return str(Path(out.stdout.strip()) / "spool")


def make_clip(target, *, seconds, size, frequency, crf, gop):
    """A test clip: testsrc2 video + a sine tone, H.264/AAC in a faststart MP4 (kept when it exists)."""
    target = Path(target)
    if target.exists():
        return target
    subprocess.run(
        [find_tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-g", str(gop), "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(target)],
        check=True)
    return target


def start_labserver(media, timeout=15):
    """Starts labserver.py on a free port serving `media`; returns (process, port).

    It exits when its stdin closes (`stop_labserver`, or this process ending). A server that prints no
    `READY <port>` within `timeout` s is killed and the script exits: a start-up must not hang a run."""
    proc = subprocess.Popen([sys.executable, str(LABSERVER), "--root", str(media), "--port", "0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("READY"):
        proc.kill()
        proc.wait()
        raise SystemExit(f"labserver did not print READY <port> within {timeout} s: {line!r}")
    return proc, int(line.split()[1])


def stop_labserver(proc):
    proc.stdin.close()
    proc.wait()


def start_serve(binary, args, logfile, env=None):
    """`spool serve ARGS` in its own process group (so `kill_group` also stops the tools it runs), in this
    process's session (so a caller that stops this script's session stops spool too)."""
    return subprocess.Popen([binary, "serve", *args], stdin=subprocess.DEVNULL, stdout=logfile, stderr=logfile,
                            env=env, process_group=0)


def kill_group(proc, sig=signal.SIGKILL):
    """Sends `sig` to `proc`'s process group (spool and its tools, as a machine crash would) and reaps it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait()


def read_json(path):
    """The JSON document at `path`, or None when it is missing or not (yet) complete."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def wait_until(predicate, timeout, interval=0.5):
    """Polls `predicate` until it is true (True) or `timeout` s pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
