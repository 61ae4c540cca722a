"""A throwaway PostgreSQL server for the scripts (scripts/crash-trials --database postgres, and
scripts/benchpg.py for scripts/bench).

initdb in a temporary directory, started on a Unix socket in a short temporary directory (sun_path holds
108 bytes) and on 127.0.0.1 at a free port (fsync off for a test server; `durable=True` keeps PostgreSQL's
production settings, for the bench), a `spool` role with a random password (TCP logins are
password-checked), stopped and deleted by `stop()`. initdb and postgres refuse to run as root, so as root
the directory belongs to the `postgres` user and the server runs as that user (runuser), as
Tests/EndToEndTests/Support/Postgres.swift does.

The password is never put on a command line or printed: `url()` is for spool's environment
(SPOOL_DATABASE), `psql()` runs as the superuser over the socket (trust), and `masked_url()` is for logs.

Also here: `PostgresStoreReader` and `PostgresNode`, crash-trials' reading of spool's store and its checks of
the node row across kill -9 restarts.
"""

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def installed_bin():
    """`/usr/lib/postgresql/<newest>/bin` when the server is installed (scripts/ensure-deps.sh), else None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*") if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
    for version in versions:
        if (version / "bin" / "initdb").exists():
            return version / "bin"
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`Server()` starts it; `stop()` stops and deletes it (also safe after a failed start)."""

    def __init__(self, parent=None, durable=False):
        """`parent`: where to make the server's directory (default: the system's temporary directory). A
        caller that kills strays by path (the end-to-end test) passes its own work directory. `durable`: keep
        fsync, synchronous_commit and full_page_writes on (the bench measures what production pays)."""
        self.bin = installed_bin()
        if self.bin is None:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
                             "run scripts/ensure-deps.sh")
        self.password = "pw-" + secrets.token_hex(8)
        if parent is not None:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix="spool-pg-", dir=parent))
        self.socket = Path(tempfile.mkdtemp(prefix="spool-pgsock-"))
        self.port = free_port()
        self.started = False
        if os.getuid() == 0:
            user = pwd.getpwnam("postgres")
            for directory in (self.directory, self.socket):
                os.chown(directory, user.pw_uid, user.pw_gid)
        data = self.directory / "data"
        self._as_server_user("initdb", "-D", str(data), "-U", "postgres", "--auth-local=trust",
                             "--auth-host=scram-sha-256", "-N", "-E", "UTF8", "--no-locale")
        settings = [f"listen_addresses = '127.0.0.1'", f"port = {self.port}",
                    f"unix_socket_directories = '{self.socket}'", "max_connections = 200"]
        if not durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n" + "\n".join(settings) + "\n")
        self._as_server_user("pg_ctl", "-D", str(data), "-l", str(self.directory / "server.log"), "-w", "-t", "60",
                             "start")
        self.started = True
        # The password goes in on stdin, not on a command line (ps would show it).
        self.psql("postgres", f"CREATE ROLE spool LOGIN PASSWORD '{self.password}'", quiet_sql=True)

    def make_database(self):
        """A new, empty database owned by `spool`; its name."""
        name = "trials_" + uuid.uuid4().hex
        self._run([str(self.bin / "createdb"), "-h", str(self.socket), "-p", str(self.port), "-U", "postgres",
                   "-O", "spool", name])
        return name

    def drop_database(self, database):
        self._run([str(self.bin / "dropdb"), "-h", str(self.socket), "-p", str(self.port), "-U", "postgres",
                   "--force", database])

    def url(self, database):
        """For spool's environment only (it holds the password)."""
        return f"postgres://spool:{self.password}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def masked_url(self, database):
        return f"postgres://spool:***@127.0.0.1:{self.port}/{database}"

    def psql(self, database, sql, quiet_sql=False):
        """`sql` on `database` as the superuser over the socket, unaligned, tuples only: a list of rows, each a
        list of fields ('|'-separated). The SQL goes in on stdin."""
        out = self._run([str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket),
                         "-p", str(self.port), "-U", "postgres", "-d", database, "-A", "-t", "-f", "-"],
                        stdin=sql, show=None if quiet_sql else sql)
        return [line.split("|") for line in out.splitlines() if line]

    def pgbench(self, database, script, *args):
        """pgbench as `spool` over TCP (as spool connects); its stdout. The password goes in the child's
        environment only, never on a command line or in a log."""
        env = dict(os.environ, PGPASSWORD=self.password)
        out = subprocess.run([str(self.bin / "pgbench"), "-n", "-M", "extended", "-h", "127.0.0.1", "-p",
                              str(self.port), "-U", "spool", "-f", str(script), *args, database],
                             env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"pgbench failed ({out.returncode}): {out.stderr[-2000:]}")
        return out.stdout

    def stop(self):
        if self.started:
            self.started = False
            try:
                self._as_server_user("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)
        shutil.rmtree(self.socket, ignore_errors=True)

    def _as_server_user(self, program, *args):
        tool = str(self.bin / program)
        argv = ["/usr/sbin/runuser", "-u", "postgres", "--", tool, *args] if os.getuid() == 0 else [tool, *args]
        self._run(argv)

    def _run(self, argv, stdin=None, show=None):
        feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        done = subprocess.run(argv, capture_output=True, text=True, **feed)
        if done.returncode != 0:
            # A statement holding the password (stdin but show=None) is named only by its program.
            what = show if show is not None else Path(argv[0]).name
            secret = stdin is not None and show is None
            detail = "(output withheld: it may hold the password)" if secret else done.stderr.strip()
            raise RuntimeError(f"{what} exited {done.returncode}: {detail}")
        return done.stdout


class PostgresStoreReader:
    """spool's store in `database`, for scripts/crash-trials' checks (the same rows as its SQLite reader)."""

    def __init__(self, server, database):
        self.server, self.database = server, database

    def batches(self):
        """{batch id: source}."""
        return {row[0]: row[1] for row in self.server.psql(self.database, "SELECT id, source FROM batch")}

    def jobs(self):
        """[(id, batch id, status, step, filename, folder)]."""
        return [tuple(row) for row in self.server.psql(
            self.database,
            "SELECT id, batch_id, status, step, coalesce(filename, ''), coalesce(folder, '') FROM job")]


class PostgresNode:
    """The node rules across kill -9 restarts of one node_name (scripts/crash-trials --database postgres).

    A kill -9'd node leaves its row `up` with a fresh heartbeat. A restart on the same host takes that row
    back at once (its holder's PID is gone: PostgresStore.registerNode, migration 6), so no start may be
    refused (exit 78): every start right after a kill, within the lease, is counted, and must register."""

    def __init__(self, server, database, name, lease_s, logfile, log):
        self.server, self.database, self.name, self.lease_s = server, database, name, lease_s
        self.logfile, self.log = logfile, log
        self.fresh_restarts = 0  # starts while the killed run's row was still up and fresh
        self.stopped_after_kill = []  # trials after whose kill -9 the row said `stopped`
        self.refused_starts = []  # (trial, exit status) of trial starts that exited before the kill
        self.kills = 0  # kill -9s of this node

    def row(self):
        """(state, heartbeat age s, started_at epoch) on the database clock, or None before registration."""
        try:
            rows = self.server.psql(self.database, f"""SELECT state, extract(epoch FROM now() - heartbeat_at),
                extract(epoch FROM started_at) FROM node WHERE name = '{self.name}'""")
        except RuntimeError as error:
            if 'relation "node" does not exist' in str(error):
                return None  # spool has not migrated the database yet
            raise
        return (rows[0][0], float(rows[0][1]), rows[0][2]) if rows else None

    def after_kill(self, trial, exited):
        self.kills += 1
        if exited is not None:
            self.refused_starts.append((trial, exited))
            self.log(f"trial {trial}: spool had exited ({exited}) before the kill")
        row = self.row()
        if row and row[0] == "stopped":
            self.stopped_after_kill.append(trial)

    def kill_once_registered(self, service, trial):
        """One more kill -9, after the node has registered; the next start is then always within the lease."""
        self.before_start(service)
        before = self.row()
        service.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and service.running():
            row = self.row()
            if row and row[0] == "up" and (before is None or row[2] != before[2]):
                break
            time.sleep(0.2)
        exited = service.proc.poll()
        service.kill9()
        self.log(f"kill -9 once registered: row {self.row()}")
        self.after_kill(trial, exited)

    def before_start(self, service):
        row = self.row()
        if row and row[0] == "up" and row[1] < self.lease_s - 2:
            self.fresh_restarts += 1

    def results(self, root, logfile, secret, killed=True):
        """The node checks, as (name, ok, detail), logged like crash-trials' own."""
        results = []

        def expect(name, ok, detail=""):
            results.append((name, ok, detail))
            self.log(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")

        expect(f"{self.name}: no kill -9 left the node row stopped", not self.stopped_after_kill,
               f"stopped after trials {self.stopped_after_kill}")
        if killed:  # with several nodes, one never chosen for a kill has no restart to count
            expect(f"{self.name}: starts right after a kill -9 (within the lease) happened", self.fresh_restarts > 0,
                   "no start within the lease")
        expect("no start refused (exit 78): a restart takes its dead run's row back",
               not self.refused_starts, str(self.refused_starts[:5]))
        row = self.row()
        expect(f"{self.name}: the graceful stop left the node row stopped", row is not None and row[0] == "stopped", str(row))
        leaks = [str(logfile)] if secret.encode() in logfile.read_bytes() else []
        for path in Path(root).rglob("*"):
            # out/ holds only the media the jobs made.
            if path.is_file() and path.relative_to(root).parts[0] != "out" and secret.encode() in path.read_bytes():
                leaks.append(str(path))
        expect("the database password is in no log line or file under the root", not leaks, str(leaks[:5]))
        self.log(f"node: {self.fresh_restarts} starts within the lease of a killed run, "
                 f"{len(self.refused_starts)} refused")
        return results
