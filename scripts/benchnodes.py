"""Measure 12 for scripts/bench (issue 12): two nodes on one root next to one node with the same total slots.

  12  measure 3's loopback jobs (24 throttled downloads, the same URLs) on PostgreSQL: one `spool serve`
      with `downloads` N, and two on the same root (each N/2, their own `work`, `lease_s` 5), runs
      alternating, one fresh database per run. Target: two nodes no slower. The per-job overhead of
      claims and heartbeats is reported in ms: spool's own claim and heartbeat statements timed with
      pgbench at one client (scripts/benchpg.py), times one claim per job and the heartbeats each job
      shares with its node's other running jobs.

Python 3 stdlib; the PostgreSQL server is benchpg's (pgtool.Server, fsync on).
"""

import json
import time

import benchpg


class NodeSpool:
    """One node of a cluster root: bench's `Spool` with its own config and log beside the root."""

    def __init__(self, b, binary, root, config, node):
        self.spool = b.Spool(binary, root, config)
        # Spool names its config and log after the root; two nodes on one root need names of their own.
        self.spool.config = root.parent / f"{root.name}.{node}.config.json"
        self.spool.config.write_text(json.dumps(config))
        self.spool.logpath = root.parent / f"{root.name}.{node}.log"

    def start(self):
        self.spool.start()
        return self

    def wait_ready(self):
        return self.spool.wait_ready()

    def stop(self):
        self.spool.stop()


def run_cluster(ctx, b, pg, label, urls, nodes, slots):
    """Seconds from the drop of `urls` (one batch) until it is Completed, on `nodes` nodes of `slots` each;
    the run's database name and how many distinct nodes ran jobs."""
    name = pg.make_database()
    root = ctx.dir / f"m12-{label}"
    b.rmtree(root)
    spools = []
    for i in range(nodes):
        config = {"allow_private_network": True, "downloads": slots, "retries": 0, "database": pg.url(name),
                  "node_name": f"bench-node-{i + 1}", "work": str(ctx.dir / f"m12-{label}-work-{i + 1}"),
                  "lease_s": 5}
        spools.append(NodeSpool(b, ctx.spool, root, config, f"node{i + 1}"))
    try:
        for s in spools:
            s.start().wait_ready()
        # A warm-up job first (every node's fork server warms on its own first download).
        b.wait_batch(root, b.drop_batch(root, "warm.json", [u + "&warm=1" for u in urls[:nodes * slots]]), 300)
        for warm in (root / "out").glob("*.mkv"):
            warm.unlink()  # the measured batch's outputs take the same names
        t0 = time.perf_counter()
        batch_id = b.drop_batch(root, "jobs.json", urls)
        b.wait_batch(root, batch_id, 900)
        elapsed = time.perf_counter() - t0
    finally:
        for s in spools:
            s.stop()
    outs = [p for p in (root / "out").glob("j*.mkv")]
    ran_on = int(benchpg.scalar(pg, name, f"SELECT count(DISTINCT node) FROM job WHERE batch_id = '{batch_id}'"))
    if len(outs) != len(urls):
        raise SystemExit(f"measure 12 ({label}): {len(outs)} outputs for {len(urls)} jobs")
    b.rmtree(root)
    for i in range(nodes):
        b.rmtree(ctx.dir / f"m12-{label}-work-{i + 1}")
    return elapsed, name, ran_on


def statement_ms(ctx, b, pg, name):
    """Milliseconds per claim and per heartbeat: spool's statements under pgbench, one client."""
    claim, beat = ctx.dir / "m12-claim.sql", ctx.dir / "m12-heartbeat.sql"
    benchpg.claim_script(claim)
    benchpg.heartbeat_script(beat)
    pg.psql(name, benchpg.RESET)
    pending = int(benchpg.scalar(pg, name, "SELECT count(*) FROM job WHERE status = 'Pending'"))
    out = pg.pgbench(name, claim, "-c", "1", "-t", str(max(1, pending - 1)))
    claim_ms = 1000 / benchpg.tps(out)
    out = pg.pgbench(name, beat, "-c", "1", "-T", "3")
    return claim_ms, 1000 / benchpg.tps(out)


def measure_two_nodes(ctx, b):
    count, n = (4, 2) if ctx.smoke else (24, 8)
    seconds, target_dl = (1, 0.0) if ctx.smoke else (6, 2.5)
    reps = ctx.reps or (1 if ctx.smoke else 2)
    b.log(f"measure 12: {count} loopback jobs on one node ({n} slots) and on two ({n // 2} each), PostgreSQL")
    pg = benchpg.server(ctx)
    media = b.make_media(ctx.dir / "m12-media", 4, seconds, "640x360")
    size = min(p.stat().st_size for p in media)
    lab, port = b.start_labserver(ctx.dir / "m12-media")
    rate = int(size / target_dl) if target_dl > 0 else 0
    prefix = f"http://127.0.0.1:{port}/" + (f"slow/{rate}/" if rate else "")
    urls = [f"{prefix}v{i % len(media)}.mp4?job={i}" for i in range(count)]
    r = {"count": count, "n": n, "one_s": [], "two_s": [], "load_before": b.loadavg()}
    try:
        for rep in range(reps):
            # Alternating which goes first, so neither always runs on the warmer machine.
            order = [(1, n), (2, n // 2)] if rep % 2 == 0 else [(2, n // 2), (1, n)]
            for nodes, slots in order:
                elapsed, name, ran_on = run_cluster(ctx, b, pg, f"{nodes}n-{rep}", urls, nodes, slots)
                if nodes == 2 and ran_on != 2:
                    raise SystemExit(f"measure 12: two nodes, but the jobs ran on {ran_on}")
                r["one_s" if nodes == 1 else "two_s"].append(elapsed)
                last = name
            b.log(f"  run {rep + 1}: one node {r['one_s'][-1]:.2f} s, two nodes {r['two_s'][-1]:.2f} s")
        r["claim_ms"], r["heartbeat_ms"] = statement_ms(ctx, b, pg, last)
    finally:
        b.stop_labserver(lab)
    # Per job: one claim, and the node's heartbeats (every lease_s/3 = 1.67 s) shared by its running jobs.
    job_s = b.med(r["two_s"]) * 2 * (n // 2) / count  # wall time a slot spends per job
    r["overhead_ms"] = r["claim_ms"] + r["heartbeat_ms"] * (job_s / (5 / 3)) / (n // 2)
    r["ratio"] = [t / o for t, o in zip(r["two_s"], r["one_s"])]
    r["load_after"] = b.loadavg()
    print(f"MEASURE 12 one_node_s={b.med(r['one_s']):.2f} two_nodes_s={b.med(r['two_s']):.2f} "
          f"ratio={b.med(r['ratio']):.3f} claim_ms={r['claim_ms']:.2f} heartbeat_ms={r['heartbeat_ms']:.2f} "
          f"overhead_ms_per_job={r['overhead_ms']:.2f} load={r['load_before']}->{r['load_after']}", flush=True)
    ctx.results[12] = r
