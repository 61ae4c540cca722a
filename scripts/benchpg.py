"""PostgreSQL beside SQLite for scripts/bench (issue 12): a throwaway server and measures 9, 10 and 11.

  9   measure 1 (drop -> receipt, p50/p99) on both engines in one run: a spool on SQLite and a spool on
      PostgreSQL (a fresh database), drops interleaved one by one so both see the same load
  10  measure 2 (the burst) on both engines, runs alternating; one fresh database per run
  11  claims/s and heartbeats/s of one PostgreSQL with spool's own statements (claimNext and heartbeat,
      read from Sources/SpoolPostgres/PostgresStore+Leases.swift at run time, so they cannot drift) run
      by pgbench with 1, 4 and 8 clients against jobs spool itself ingested

The server is scripts/pgtool.py's (shared with crash-trials), its data on the scratch disk, started with
the production durability settings (`durable=True`: fsync, synchronous_commit and full_page_writes on;
unlike the tests' servers, which turn fsync off), stopped and deleted at exit. Python 3 stdlib; needs the
Debian postgresql package (scripts/ensure-deps.sh).
"""

import atexit
import json
import os
import re
import time
from pathlib import Path

import pgtool

REPO = Path(__file__).resolve().parent.parent
LEASES_SWIFT = REPO / "Sources/SpoolPostgres/PostgresStore+Leases.swift"


def server(ctx):
    """The run's server, started on first use."""
    if getattr(ctx, "pg", None) is None:
        ctx.pg = pgtool.Server(parent=ctx.dir / "pg", durable=True)
        atexit.register(ctx.pg.stop)
    return ctx.pg


def scalar(pg, name, sql):
    """The one value `sql` returns on database `name`."""
    return pg.psql(name, sql)[0][0]


def full_files(default):
    """Batch files of 100 jobs for measures 10 and 11 at full size; SPOOL_BENCH_PG_FILES overrides it (a
    100,000-job burst on PostgreSQL takes many minutes on a loaded two-core machine)."""
    return int(os.environ.get("SPOOL_BENCH_PG_FILES") or default)


def job_rows(pg, name):
    """Job rows in database `name`; 0 when it has no job table (spool never migrated it)."""
    try:
        return int(scalar(pg, name, "SELECT count(*) FROM job"))
    except RuntimeError:
        return 0


# ---------------------------------------------------------------- 9: drop -> receipt on both engines

def measure_drop_latency_engines(ctx, b):
    drops, jobs = (5, 100) if ctx.smoke else (200, 100)
    b.log(f"measure 9: {drops} drops x {jobs} jobs on SQLite and on PostgreSQL, interleaved")
    pg = server(ctx)
    name = pg.make_database()
    load_before = b.loadavg()
    roots = {"sqlite": ctx.dir / "m9-sqlite", "postgres": ctx.dir / "m9-postgres"}
    spools = {"sqlite": b.Spool(ctx.spool, roots["sqlite"], b.ingest_config(ctx.stub)),
              "postgres": b.Spool(ctx.spool, roots["postgres"], dict(b.ingest_config(ctx.stub), database=pg.url(name)))}
    try:
        for s in spools.values():
            s.start().wait_ready()
        for root in roots.values():
            b.ingest_file_sizes(root, jobs)  # one warm-up drop each
        lat_s, lat_p, _ = b.run_drops_interleaved(roots["sqlite"], roots["postgres"], drops, jobs)
    finally:
        for s in spools.values():
            s.stop()
    for engine, root in roots.items():
        receipts = [json.loads(p.read_text()) for p in (root / "receipts").glob("d*.json")]
        if len(receipts) != drops or any(r.get("total_jobs") != jobs for r in receipts):
            raise SystemExit(f"measure 9 ({engine}): {len(receipts)} receipts, not all accepting {jobs} jobs")
    rows = job_rows(pg, name)  # proof the PostgreSQL spool stored its jobs there
    if rows != (drops + 1) * jobs:
        raise SystemExit(f"measure 9: {rows} job rows in PostgreSQL, expected {(drops + 1) * jobs}")
    pg.drop_database(name)
    for root in roots.values():
        b.rmtree(root)
    s_ms, p_ms = [x * 1000 for x in lat_s], [x * 1000 for x in lat_p]
    r = {"drops": drops, "jobs": jobs, "load_before": load_before, "load_after": b.loadavg(),
         "sqlite_ms": s_ms, "postgres_ms": p_ms,
         "ratio_p50": b.pct(p_ms, 50) / b.pct(s_ms, 50), "ratio_p99": b.pct(p_ms, 99) / b.pct(s_ms, 99)}
    for engine, values in (("sqlite", s_ms), ("postgres", p_ms)):
        print(f"MEASURE 9 engine={engine} p50_ms={b.pct(values, 50):.2f} p99_ms={b.pct(values, 99):.2f}", flush=True)
    print(f"MEASURE 9 ratio_p50={r['ratio_p50']:.2f} ratio_p99={r['ratio_p99']:.2f} "
          f"load={r['load_before']}->{r['load_after']}", flush=True)
    ctx.results[9] = r


# ---------------------------------------------------------------- 10: the burst on both engines

def burst_once(ctx, b, root, config, files, jobs):
    """Renames `files` batch files of `jobs` jobs into a fresh spool at once; seconds until every receipt
    is on disk (every job status file checked after). Leaves the spool stopped."""
    spool = b.Spool(ctx.spool, root, config).start()
    try:
        spool.wait_ready()
        stage = root / "stage"
        stage.mkdir()
        for i in range(files):
            (stage / f"burst{i:04d}.json").write_bytes(b.batch_body(i, jobs))
        time.sleep(1.0)
        watch = b.Inotify(root / "receipts")
        seen = set()
        t0 = time.perf_counter()
        for i in range(files):
            os.rename(stage / f"burst{i:04d}.json", root / "inbox" / f"burst{i:04d}.json")
        deadline = t0 + (60 if ctx.smoke else 1800)
        while len(seen) < files:
            names = watch.read(1.0)
            if "OVERFLOW" in names:
                raise SystemExit("inotify overflow while counting receipts")
            seen.update(n for n in names if n.startswith("burst") and n.endswith(".json"))
            if time.perf_counter() > deadline:
                raise SystemExit(f"burst: only {len(seen)} of {files} receipts in {root}")
        elapsed = time.perf_counter() - t0
        watch.close()
    finally:
        spool.stop()
    count = sum(1 for e in os.scandir(root / "jobs") if not e.name.startswith("."))
    accepted = sum(1 for p in (root / "receipts").glob("burst*.json") if "batch_id" in json.loads(p.read_text()))
    if count < files * jobs or accepted != files:
        raise SystemExit(f"burst: {count} job status files, {accepted} accepting receipts in {root}")
    return elapsed


def measure_burst_engines(ctx, b):
    files, jobs = (10, 100) if ctx.smoke else (full_files(1000), 100)
    reps = ctx.reps or (1 if ctx.smoke else 3)
    b.log(f"measure 10: burst of {files} files x {jobs} jobs on SQLite and on PostgreSQL, {reps} runs each")
    pg = server(ctx)
    r = {"files": files, "jobs": jobs, "sqlite_s": [], "postgres_s": [], "load_before": b.loadavg()}
    for rep in range(reps):
        for engine in (("sqlite", "postgres") if rep % 2 == 0 else ("postgres", "sqlite")):
            root = ctx.dir / f"m10-{engine}-{rep}"
            config = b.ingest_config(ctx.stub)
            name = None
            if engine == "postgres":
                name = pg.make_database()
                config["database"] = pg.url(name)
            elapsed = burst_once(ctx, b, root, config, files, jobs)
            if name is not None:
                rows = job_rows(pg, name)
                if rows != files * jobs:
                    raise SystemExit(f"measure 10: {rows} job rows in PostgreSQL, expected {files * jobs}")
                pg.drop_database(name)
            r[f"{engine}_s"].append(elapsed)
            b.log(f"  run {rep + 1} {engine}: {elapsed:.2f} s ({files * jobs / elapsed:.0f} jobs/s)")
            b.rmtree(root)
            b.settle_after_delete(ctx)
    r["load_after"] = b.loadavg()
    total = files * jobs
    for engine in ("sqlite", "postgres"):
        t = b.med(r[f"{engine}_s"])
        print(f"MEASURE 10 engine={engine} jobs={total} burst_s={t:.2f} jobs_per_s={total / t:.0f} "
              f"spread_s={b.spread(r[f'{engine}_s']).replace(' ', '')}", flush=True)
    ratios = [p / s for p, s in zip(r["postgres_s"], r["sqlite_s"])]
    print(f"MEASURE 10 ratio={b.med(ratios):.2f} load={r['load_before']}->{r['load_after']}", flush=True)
    ctx.results[10] = r


# ---------------------------------------------------------------- 11: claims/s and heartbeats/s

def swift_statements(function):
    """The SQL literals (triple-quoted) of `func <function>(` in PostgresStore+Leases.swift."""
    text = LEASES_SWIFT.read_text()
    start = text.find(f"func {function}(")
    if start < 0:
        raise SystemExit(f"measure 11: no func {function} in {LEASES_SWIFT}; update scripts/benchpg.py")
    end = text.find("\n    package func ", start + 1)
    return [textwrap_dedent(s) for s in re.findall(r'"""\n(.*?)"""', text[start:end if end > 0 else None], re.S)]


def textwrap_dedent(s):
    import textwrap
    return textwrap.dedent(s).strip()


def pgbench_sql(statement, values):
    """The Swift statement with its interpolations replaced by pgbench SQL; an unknown one is an error, so a
    changed statement fails here instead of being measured wrong."""
    def sub(m):
        key = m.group(1)
        if key not in values:
            raise SystemExit(f"measure 11: unknown interpolation \\({key}) in {LEASES_SWIFT}; update scripts/benchpg.py")
        return values[key]
    return re.sub(r"\\\(([^)]*)\)", sub, statement)


# pgbench clients are 0-based (:client_id); each is one node.
NODE = "('bench-' || :client_id)"


def claim_script(path):
    (stmt,) = swift_statements("claimNext")
    if "FOR UPDATE OF job SKIP LOCKED" not in stmt:
        raise SystemExit(f"measure 11: claimNext in {LEASES_SWIFT} no longer looks like a claim")
    # RETURNING: spool selects the job's columns as text; job.* costs the same reads.
    # live NULL: any kind of job, as a node with both kinds of slot free claims.
    sql = pgbench_sql(stmt, {"node": NODE, "leaseSeconds": ":lease", "unescaped: columns": "job.*", "live": "NULL",
                             "now": "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"})
    path.write_text(f"\\set lease 3600\nBEGIN;\n{sql};\nCOMMIT;\n")  # spool's `transaction { }`


def heartbeat_script(path):
    stmts = swift_statements("heartbeat")
    if len(stmts) != 2 or not stmts[0].startswith("INSERT INTO node"):
        raise SystemExit(f"measure 11: heartbeat in {LEASES_SWIFT} changed shape; update scripts/benchpg.py")
    values = {"node": NODE, "version": "''", "slots": ":slots", "leaseSeconds": ":lease"}
    body = ";\n".join(pgbench_sql(s, values) for s in stmts)
    path.write_text(f"\\set lease 3600\n\\set slots 8\nBEGIN;\n{body};\nCOMMIT;\n")


RESET = ("UPDATE job SET status = 'Pending', step = 'Queued', attempt = 0, started_at = NULL, queue_wait_ms = NULL, "
         "next_retry_at = NULL, progress = NULL, node = NULL, lease_id = NULL, leased_until = NULL; "
         "UPDATE batch SET last_claim_at = NULL; DELETE FROM node WHERE name LIKE 'bench-%'")


def tps(output):
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    if not m:
        raise SystemExit(f"measure 11: no tps in pgbench output:\n{output}")
    return float(m.group(1))


def measure_claims(ctx, b):
    files, jobs = (5, 100) if ctx.smoke else (full_files(100), 100)
    slots, seconds = 8, (2 if ctx.smoke else 15)
    total = files * jobs
    b.log(f"measure 11: claims/s and heartbeats/s with pgbench, {total} jobs, 1/4/8 clients")
    pg = server(ctx)
    name = pg.make_database()
    config = dict(b.ingest_config(ctx.stub), database=pg.url(name))
    burst_once(ctx, b, ctx.dir / "m11-spool", config, files, jobs)  # spool migrates and ingests the jobs
    b.rmtree(ctx.dir / "m11-spool")
    claim, beat = ctx.dir / "claim.sql", ctx.dir / "heartbeat.sql"
    claim_script(claim)
    heartbeat_script(beat)
    r = {"jobs": total, "slots": slots, "load_before": b.loadavg(), "claims": {}, "beats": {}}
    for clients in (1, 4, 8):
        pg.psql(name, RESET)
        pg.psql(name, "VACUUM ANALYZE")
        t0 = time.perf_counter()
        pg.pgbench(name, claim, "-c", str(clients), "-j", str(min(clients, 2)), "-t", str(total // clients))
        wall = time.perf_counter() - t0
        claimed = int(scalar(pg, name, "SELECT count(*) FROM job WHERE status = 'Processing' AND lease_id IS NOT NULL "
                                    "AND node LIKE 'bench-%'"))
        if claimed != total // clients * clients:
            raise SystemExit(f"measure 11: {claimed} jobs claimed by {clients} clients, expected "
                             f"{total // clients * clients}")
        r["claims"][clients] = claimed / wall  # wall time includes connecting: a slight underestimate
        # heartbeats: each node holds `slots` leases (10 minutes left), as a node running `slots` jobs does;
        # every beat renews them to an hour, which the check after the run sees
        pg.psql(name, RESET)
        pg.psql(name, "; ".join(
            f"UPDATE job SET status = 'Processing', node = 'bench-{c}', lease_id = gen_random_uuid(), "
            f"leased_until = now() + interval '10 minutes' WHERE id IN (SELECT id FROM job WHERE status = 'Pending' "
            f"AND node IS NULL LIMIT {slots})" for c in range(clients)))
        pg.psql(name, "VACUUM ANALYZE")
        out = pg.pgbench(name, beat, "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds))
        nodes = int(scalar(pg, name, "SELECT count(*) FROM node WHERE name LIKE 'bench-%' AND state = 'up'"))
        renewed = int(scalar(pg, name, "SELECT count(*) FROM job WHERE node LIKE 'bench-%' "
                                    "AND leased_until > now() + interval '50 minutes'"))
        if nodes != clients or renewed != clients * slots:
            raise SystemExit(f"measure 11: after heartbeats {nodes} nodes up, {renewed} leases renewed "
                             f"(expected {clients}, {clients * slots})")
        r["beats"][clients] = tps(out)
        b.log(f"  {clients} clients: {r['claims'][clients]:.0f} claims/s, {r['beats'][clients]:.0f} heartbeats/s")
    pg.drop_database(name)
    r["load_after"] = b.loadavg()
    fields = " ".join(f"c{c}_claims_per_s={r['claims'][c]:.0f}" for c in (1, 4, 8))
    fields += " " + " ".join(f"c{c}_heartbeats_per_s={r['beats'][c]:.0f}" for c in (1, 4, 8))
    print(f"MEASURE 11 jobs={total} slots={slots} {fields} load={r['load_before']}->{r['load_after']}", flush=True)
    ctx.results[11] = r
