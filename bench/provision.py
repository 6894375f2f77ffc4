"""Provisioning benchmark: N generated tenants through the migrator vs the same DDL through psql.

    python bench/provision.py [--tenants 200] [--large]      (--large = 1000 tenants)

Starts its own throwaway PostgreSQL 15 (tenant_sql.devcluster) and prints, in one run:
- per-tenant time of the migrator (provision_stack: role, schema, registry row, every tenant
  file, ledger rows, grants; one transaction per tenant);
- per-tenant time of the same DDL applied raw: `psql -X -q -v ON_ERROR_STOP=1 -1 -f` of the
  rendered per-tenant file into a second database of the same cluster (the floor), also net of
  psql's own start-up and connection cost, measured separately;
- their ratio, tenant #N vs tenant #1 (mean of the last 10 vs the first 10), and the no-op
  "anything pending?" time over all N (plan_all: one query) and a full no-op provision_stack.
Targets: ratio <= 1.25, #N within 1.2x of #1, no-op over 1000 under 2 s.

Tenants are generated through components.spec.build_spec, so every name goes through the same
validation as a real stack. The migrator runs first and pays for creating the owner roles; the
floor database finds them (roles are cluster-wide), which flatters the floor slightly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.spec import StackSpec, build_spec  # noqa: E402
from tenant_sql.devcluster import Cluster, start_cluster  # noqa: E402
from tenant_sql.migrator import load_files, migrate, plan_all  # noqa: E402
from tenant_sql.provision import provision_stack, render_sql, tenant_preamble, tenant_target  # noqa: E402

RADIUS_PASSWORD = "bench-Radius-Login-9c2e71"
NS = uuid.UUID("6f1d3b52-8c1e-4d0a-9a57-0b8e5f7c2d10")
TARGET_RATIO, TARGET_DRIFT, TARGET_NOOP_1000 = 1.25, 1.2, 2.0


def generated_spec(n: int) -> StackSpec:
    pool = IPv4Network("10.100.0.0/16")
    subnets = pool.subnets(new_prefix=28)
    next(subnets)  # the first /28 holds the hub address
    tenants = []
    for i in range(n):
        slug = f"bench{i:04d}"
        tenants.append({
            "slug": slug,
            "name": f"Bench tenant {i}",
            "id": str(uuid.uuid5(NS, slug)),
            "isolation": "schema",
            "tunnel_prefix": str(next(subnets)),
        })
    platform = {
        "tenant_schema_prefix": "tenant_",
        "hybrid_mode": False,
        "radius": {"login_role": "freeradius", "login_password": RADIUS_PASSWORD},
        "wireguard": {"pool": str(pool), "hub_address": "10.100.0.1"},
    }
    return build_spec("bench", platform, tenants, ROOT / "stacks")


def psql_binary() -> str:
    for cand in ("/usr/lib/postgresql/15/bin/psql", shutil.which("psql")):
        if cand and os.path.exists(cand):
            return cand
    raise SystemExit("psql not found (apt-get install postgresql-client-15)")


class Psql:
    def __init__(self, cluster: Cluster, dbname: str) -> None:
        self.cmd = [psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        self.conninfo = cluster.conninfo(dbname).replace(f" password={cluster.admin_password}", "")
        self.env = {**os.environ, "PGPASSWORD": cluster.admin_password}

    def run(self, *args: str) -> float:
        t0 = time.perf_counter()
        proc = subprocess.run([*self.cmd, *args, self.conninfo], capture_output=True, text=True, env=self.env,
                              timeout=300)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"psql {' '.join(args)} failed: {proc.stderr}")
        return dt


class Progress:
    """rich progress bar on a terminal, plain lines (every 10%) otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.t0 = label, total, 0, time.perf_counter()
        self.bar: Any = None
        if sys.stdout.isatty():
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)

    def step(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            rate = self.done / (time.perf_counter() - self.t0)
            print(f"  {self.label}: {self.done}/{self.total} ({self.done * 100 // self.total}%), {rate:.1f}/s",
                  flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def head_tail(values: Sequence[float], k: int = 10) -> tuple[float, float]:
    k = min(k, max(1, len(values) // 2))
    return statistics.mean(values[:k]), statistics.mean(values[-k:])


def decile_medians(values: Sequence[float]) -> tuple[float, float]:
    k = max(1, len(values) // 10)
    return statistics.median(values[:k]), statistics.median(values[-k:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tenants", type=int, default=200)
    ap.add_argument("--large", action="store_true", help="1000 tenants")
    ap.add_argument("--noop-repeats", type=int, default=5)
    args = ap.parse_args(argv)
    n = 1000 if args.large else args.tenants
    if not 1 <= n <= 5000:
        raise SystemExit("--tenants must be between 1 and 5000")

    t0 = time.perf_counter()
    spec = generated_spec(n)
    print(f"spec: {n} tenants validated through build_spec in {time.perf_counter() - t0:.2f} s", flush=True)
    cluster = start_cluster()
    # Not hotspot-*: other tools sweep those.
    workdir = Path(tempfile.mkdtemp(prefix="provbench-"))
    try:
        print(f"throwaway PostgreSQL {cluster.version()} on 127.0.0.1:{cluster.port}", flush=True)
        # Interleaved, tenant by tenant: migrator into one database, psql -1 -f of the rendered
        # file into another. Both see the same catalog growth and the same noisy neighbours, and
        # they take turns at going first (the first one creates the cluster-wide owner role).
        db_mig = cluster.create_database("bench_migrator")
        db_raw = cluster.create_database("bench_raw")
        platform_only = spec.model_copy(update={"tenants": ()})
        provision_stack(db_mig, platform_only, radius_password=RADIUS_PASSWORD, radius_data=False)
        rendered = render_sql(spec, radius_password=RADIUS_PASSWORD)
        for name, text in rendered.items():
            (workdir / name).write_text(text)
        psql = Psql(cluster, "bench_raw")
        psql.run("-1", "-f", str(workdir / "platform.sql"))
        overhead = statistics.median(psql.run("-c", "SELECT 1") for _ in range(20))
        files = load_files()
        role, hybrid = spec.platform.radius.login_role, spec.platform.hybrid_mode
        mig: list[float] = []
        mig_calls: list[float] = []
        raw: list[float] = []
        bar = Progress("tenants (migrator + psql)", n)
        t_start = time.perf_counter()
        with psycopg.connect(db_mig, autocommit=True) as conn:
            for i, t in enumerate(spec.tenants):
                target = tenant_target(spec, t)
                preamble = {target.schema: tenant_preamble(spec, t)}
                for step in ("migrator", "psql") if i % 2 == 0 else ("psql", "migrator"):
                    t0 = time.perf_counter()
                    if step == "psql":
                        raw.append(psql.run("-1", "-f", str(workdir / f"{t.slug}.sql")))
                        continue
                    rep = migrate(conn, [target], radius_role=role, hybrid=hybrid, files=files, preambles=preamble)
                    mig_calls.append(time.perf_counter() - t0)
                    assert rep.ok and target.schema in rep.applied, rep.summary()
                    mig.append(rep.seconds[target.schema])
                bar.step()
        bar.close()
        wall = time.perf_counter() - t_start
        with psycopg.connect(db_raw) as c:  # the floor built the same thing
            row = c.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'").fetchone()
            assert row == (n,), row
        mig_wall_per = statistics.mean(mig_calls)

        # ---------------------------------------------------------------- no-op
        targets = [tenant_target(spec, t) for t in spec.tenants]
        noop_plan = []
        with psycopg.connect(db_mig, autocommit=True) as conn:
            for _ in range(args.noop_repeats):
                t0 = time.perf_counter()
                plans = plan_all(conn, targets)
                noop_plan.append(time.perf_counter() - t0)
                assert all(p.up_to_date for p in plans.values())
        t0 = time.perf_counter()
        again = provision_stack(db_mig, spec, radius_password=RADIUS_PASSWORD, radius_data=False)
        noop_full = time.perf_counter() - t0
        assert not again.changed, again.summary()

        # ---------------------------------------------------------------- figures
        mig_mean, raw_mean = statistics.mean(mig), statistics.mean(raw)
        raw_net = max(raw_mean - overhead, 1e-9)
        m1, mn = head_tail(mig)
        r1, rn = head_tail(raw)
        ratio, ratio_net = mig_mean / raw_mean, mig_mean / raw_net
        noop = statistics.median(noop_plan)
        print()
        print(f"PostgreSQL {cluster.version().split()[0]}, {n} tenants, {os.cpu_count()} CPUs, "
              f"{len(files['tenant'])} tenant files per schema")
        print(f"  migrator, per tenant (its transaction)      {mig_mean * 1000:8.1f} ms  "
              f"(median {statistics.median(mig) * 1000:.1f}; migrate() call incl. ledger check and plan "
              f"{mig_wall_per * 1000:.1f})")
        print(f"  psql -1 -f, per tenant (floor)              {raw_mean * 1000:8.1f} ms  "
              f"(median {statistics.median(raw) * 1000:.1f})")
        print(f"  psql start-up + connect (SELECT 1)          {overhead * 1000:8.1f} ms")
        print(f"  floor net of psql start-up                  {raw_net * 1000:8.1f} ms")
        print(f"  ratio migrator / floor                      {ratio:8.2f}   (target <= {TARGET_RATIO})  "
              f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
        print(f"  ratio migrator / floor net of start-up      {ratio_net:8.2f}   "
              f"{'PASS' if ratio_net <= TARGET_RATIO else 'FAIL'}")
        print(f"  migrator #N vs #1 (last 10 / first 10)      {mn * 1000:6.1f} / {m1 * 1000:.1f} ms = {mn / m1:.2f}x  "
              f"(target <= {TARGET_DRIFT})  {'PASS' if mn / m1 <= TARGET_DRIFT else 'FAIL'}")
        print(f"  floor    #N vs #1 (last 10 / first 10)      {rn * 1000:6.1f} / {r1 * 1000:.1f} ms = {rn / r1:.2f}x")
        (mq1, mqn), (rq1, rqn) = decile_medians(mig), decile_medians(raw)
        print(f"  medians of the last / first 10% of tenants  migrator {mqn / mq1:.2f}x "
              f"({mqn * 1000:.1f} / {mq1 * 1000:.1f} ms), floor {rqn / rq1:.2f}x (robust to a noisy neighbour)")
        print(f"  no-op 'anything pending?' over {n:<5} (plan_all, one query, median of {len(noop_plan)})"
              f" {noop * 1000:8.1f} ms  {'PASS' if n < 1000 or noop < TARGET_NOOP_1000 else 'FAIL'}")
        print(f"  no-op provision_stack over {n:<5} (roles, ledger, plan, registry)     {noop_full * 1000:8.1f} ms")
        print(f"  total: {wall:.1f} s (migrator {sum(mig_calls):.1f} s, psql {sum(raw):.1f} s)")
        return 0
    finally:
        cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
