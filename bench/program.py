"""Evaluate the Pulumi program under mocks for generated stacks and print, per size: resources
declared, resources per tenant, seconds (spec validation + registration) and peak memory.

    .venv/bin/python bench/program.py            # 100 and 1000 tenants, 3 routers each
    .venv/bin/python bench/program.py 250 500    # other sizes
    .venv/bin/python bench/program.py --trace    # also tracemalloc's heap peak (slower run)

`generate_config` is also the stack generator of tests/test_components_mock.py.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAMESPACE = uuid.UUID("6f1c2a4e-8b0d-4c3e-9f5a-0d1e2f3a4b5c")
ADMIN_PASSWORD = "bench-Admin-pass-8c1d2e"


def generate_config(
    tenants: int, *, routers: int = 3, users: int = 2, shared_every: int = 0, runtime: str = "external"
) -> dict[str, Any]:
    """Raw stack config (`hotspot:platform`, `hotspot:tenants`) for `tenants` tenants with
    `routers` routers each, every one valid; every `shared_every`-th tenant is shared (legacy)."""
    if not 0 < tenants <= 60000 or not 0 <= routers <= 250:
        raise ValueError("tenants must be 1..60000 and routers 0..250")
    platform = {
        "runtime": runtime,
        "database": {"host": "127.0.0.1", "port": 5432, "dbname": "hotspot", "admin_user": "postgres"},
        "hybrid_mode": bool(shared_every),
        "limits": {"max_routers": max(routers, 1), "max_users": 10000, "max_packages": 50},
        "radius": {"login_role": "freeradius", "login_password": "bench-radius-Login-3e9f1a"},
        # /8 pool: tenant i owns 10.(1 + i // 256).(i % 256).0/24; the hub is 10.0.0.1.
        "wireguard": {"pool": "10.0.0.0/8", "hub_address": "10.0.0.1", "hub_endpoint": "vpn.bench.example.net"},
    }
    out = []
    for i in range(tenants):
        slug = f"t{i:05d}"
        net = f"10.{1 + i // 256}.{i % 256}"
        out.append(
            {
                "slug": slug,
                "name": f"Bench tenant {i}",
                "id": str(uuid.uuid5(NAMESPACE, slug)),
                "isolation": "shared" if shared_every and i % shared_every == shared_every - 1 else "schema",
                "tunnel_prefix": f"{net}.0/24",
                "routers": [
                    {
                        "name": f"{slug}-r{j}",
                        "tunnel_ip": f"{net}.{2 + j}",
                        "nas_identifier": f"{slug}-r{j}",
                        "management": "script",
                        "radius_secret": f"bench-{slug}-r{j}-Secret-x9q",
                    }
                    for j in range(routers)
                ],
                "packages": [
                    {"name": "hour-1", "rate_up": "2M", "rate_down": "5M", "session_timeout": "1h",
                     "validity": "1h", "price": "20.00"}
                ],
                "users": [
                    {"username": f"{slug}-u{k}", "password": f"pw-{slug}-{k}-ab", "package": "hour-1"}
                    for k in range(users)
                ],
            }
        )
    return {"hotspot:platform": platform, "hotspot:tenants": out, "hotspot:dbAdminPassword": ADMIN_PASSWORD}


def evaluate(tenants: int, routers: int = 3, *, trace_memory: bool = False) -> dict[str, float]:
    """One evaluation in this process. Peak memory is the process's maximum RSS; with
    trace_memory, tracemalloc's Python-heap peak as well (it slows the run 3-5x, so the seconds
    are then not comparable)."""
    from components import program
    from tests.pulumi_harness import run_program

    config = generate_config(tenants, routers=routers)
    if trace_memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU seconds: comparable when other jobs share the machine
    monitor = run_program(program.run, config=config, secret_keys=("hotspot:dbAdminPassword",), stack="bench")
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    if trace_memory:
        tracemalloc.stop()
    regs = monitor.registrations
    platform = [r for r in regs if r.name == "platform" or r.name.startswith("platform-")]
    tenant_children = [r for r in regs if r.type != "hotspot:index:Tenant" and r not in platform]
    return {
        "tenants": tenants,
        "resources": len(regs),
        "per_tenant": len(tenant_children) / tenants,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load": os.getloadavg()[0],
        "peak_mb": peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    """Each size in a fresh interpreter, so one size's memory and warm caches do not colour the
    next. `--one N` is that child."""
    if argv[:1] == ["--one"]:
        print(json.dumps(evaluate(int(argv[1]), trace_memory="--trace" in argv)))
        return 0
    trace = "--trace" in argv
    sizes = [int(a) for a in argv if a != "--trace"] or [100, 1000]
    print(
        f"{'tenants':>8} {'resources':>10} {'per tenant':>11} {'seconds':>8} {'cpu s':>7} "
        f"{'maxrss MB':>10} {'heap MB':>8} {'load':>5}"
    )
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--trace"] if trace else [])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        r = json.loads(done.stdout.strip().splitlines()[-1])
        heap = f"{r['peak_mb']:>8.1f}" if trace else f"{'-':>8}"
        print(
            f"{r['tenants']:>8} {r['resources']:>10} {r['per_tenant']:>11.1f} {r['seconds']:>8.2f} "
            f"{r['cpu_seconds']:>7.2f} {r['maxrss_mb']:>10.1f} {heap} {r['load']:>5.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
