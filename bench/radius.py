"""Accepts per second of FreeRADIUS with tenant resolution, against one FreeRADIUS and one PostgreSQL.

    .venv/bin/python bench/radius.py [--tenants 1000] [--users 100] [--rounds 5] [--duration 4]

Scenarios, each with its own FreeRADIUS -f, all on one throwaway PostgreSQL:
  a      stock single-schema configuration (no tenant policy; public.radcheck etc.)
  b      mapping mode, one tenant
  b-nas  nas mode, one tenant
  c      mapping mode, N tenant schemas of U users each (requests spread over all tenants)
  c+     the same as c with the cache module in front of the mapping lookup (--cache-ttl); since
         the mapping condition rides in the radcheck query, only shared tenants use that lookup
  d      nas mode, the same N tenants (the router's tenant alone)
The server runs with the settings tenant_sql/server_sizing.py prescribes for N tenants (within
this machine's open-files limit); --pg overrides them.

The load generator is bounded in requests and time: PAP Access-Requests (fresh authenticator and
Message-Authenticator each) are built as they are sent, from many router source addresses
(127.1.x.y), with a fixed number in flight; a reply frees its slot, an unanswered request is given
up after 1 s.

Every scenario's server is started and warmed up first, then measured in --rounds windows of
--duration seconds that alternate between the scenarios, so a slow spell of the machine weighs on
all of them alike; each scenario's ratio to (a) is its accepts over all windows against (a)'s,
with the spread of the per-window ratios.

Warm-up matters with many tenants: PostgreSQL's catalog caches are per backend, so the first
request for a tenant on each pooled connection pays for loading that tenant's tables and indexes
(pool.max x tenants cold misses). A production server runs for days, so the steady state is what
counts; each warm-up lasts until every tenant has had --warmup-per-pool x pool.max replies and the
last three --warmup-window rates lie within 5% of each other, bounded by --warmup-max seconds.
Pools never close idle connections here, so that a scenario waiting for its next window stays warm.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import os
import random
import resource
import select
import shutil
import socket
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import yaml
from psycopg import sql
from pyrad import packet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.spec import StackSpec, build_spec  # noqa: E402
from freeradius.render import DbParams, RenderOptions, render_config  # noqa: E402
from tenant_sql.devcluster import start_cluster  # noqa: E402
from tenant_sql.provision import provision_stack  # noqa: E402
from tenant_sql.server_sizing import sized_settings as _sized  # noqa: E402
from tests.radius_fixtures import RadiusServer, free_udp_ports  # noqa: E402

DEV_STACK = ROOT / "stacks" / "Pulumi.dev.yaml"
PASSWORD = "bench-pass-1"
NS = uuid.UUID("6f1c1a52-0000-4000-8000-000000000000")


def sized_settings(tenants: int) -> dict[str, str]:
    """The settings tenant_sql/server_sizing.py prescribes, within this machine's open-files limit
    (the throwaway server raises its soft limit to the hard one)."""
    return _sized(tenants, fd_limit=resource.getrlimit(resource.RLIMIT_NOFILE)[1])


def router_address(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


def bench_spec(n_tenants: int) -> StackSpec:
    """N schema tenants, one router and one package each; users are bulk-loaded afterwards."""
    platform = copy.deepcopy(yaml.safe_load(DEV_STACK.read_text())["config"]["hotspot:platform"])
    platform["wireguard"] = {"pool": "10.0.0.0/8", "hub_address": "10.0.0.1", "hub_endpoint": "vpn.bench.invalid"}
    platform["limits"] = {"max_routers": 10, "max_users": 100000, "max_packages": 10, "max_size_mb": 10240}
    platform["hybrid_mode"] = True  # grants on the public tables for the stock baseline
    tenants = []
    for i in range(n_tenants):
        slug = f"t{i:04d}"
        net = f"10.{1 + i // 256}.{i % 256}"
        tenants.append({
            "slug": slug, "name": f"Bench {slug}", "id": str(uuid.uuid5(NS, slug)), "tunnel_prefix": f"{net}.0/24",
            "routers": [{"name": f"{slug}-r1", "tunnel_ip": f"{net}.2", "nas_identifier": f"{slug}-r1",
                         "management": "script", "radius_secret": f"bench-Secret-{i:05d}-xYz"}],
            "packages": [{"name": "hour-1", "rate_up": "2M", "rate_down": "5M", "session_timeout": "1h",
                          "idle_timeout": "10m", "validity": "1h", "price": "1.00", "devices": 5}],
        })
    return build_spec("bench", platform, tenants, ROOT / "stacks")


def bulk_users(conninfo: str, spec: StackSpec, users: int, *, history: int, stock: bool = False) -> None:
    """U users per tenant in one statement each (the radcheck trigger maps them); with stock=True
    also U users in the public tables for the single-schema baseline.

    `history` post-auth rows per schema, as a tenant in service has: a run inserts a few hundred
    rows per tenant, which in young radpostauth tables crosses autovacuum's analyze threshold
    (50 rows + 10%) in every tenant at once; measured with 0 and 2,000, that burst of ANALYZEs
    (600 in one scenario's windows, each a catalog invalidation every backend must take) dropped
    windows to 0.4 of (a). A tenant in service reaches 10% more rows on its own schedule."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for s in [t.schema_name for t in spec.tenants] + (["public"] if stock else []):
            conn.execute(sql.SQL(
                "INSERT INTO {} (username, reply, authdate) SELECT 'h' || g, 'Access-Accept', "
                "now() - g * interval '1 minute' FROM generate_series(1, {}) g"
            ).format(sql.Identifier(s, "radpostauth"), sql.Literal(history)))
        for t in spec.tenants:
            s = t.schema_name
            conn.execute(sql.SQL(
                "INSERT INTO {} (username, attribute, op, value) "
                "SELECT 'u' || g || '.' || {}, 'Cleartext-Password', ':=', {} FROM generate_series(1, {}) g"
            ).format(sql.Identifier(s, "radcheck"), sql.Literal(t.slug), sql.Literal(PASSWORD), sql.Literal(users)))
            conn.execute(sql.SQL(
                "INSERT INTO {} (username, groupname, priority) "
                "SELECT 'u' || g || '.' || {}, 'pkg_hour-1', 1 FROM generate_series(1, {}) g"
            ).format(sql.Identifier(s, "radusergroup"), sql.Literal(t.slug), sql.Literal(users)))
        if stock:
            t = spec.tenants[0]
            for table in ("radgroupcheck", "radgroupreply"):
                conn.execute(sql.SQL(
                    "INSERT INTO {} (groupname, attribute, op, value) SELECT groupname, attribute, op, value FROM {}"
                ).format(sql.Identifier("public", table), sql.Identifier(t.schema_name, table)))
            conn.execute("INSERT INTO public.radcheck (username, attribute, op, value) SELECT 's' || g, "
                         "'Cleartext-Password', ':=', %s FROM generate_series(1, %s) g", (PASSWORD, users))
            conn.execute("INSERT INTO public.radusergroup (username, groupname, priority) "
                         "SELECT 's' || g, 'pkg_hour-1', 1 FROM generate_series(1, %s) g", (users,))
        conn.execute("ANALYZE")


def access_request(secret: bytes, ident: int, user: str, password: bytes, nas_ip: bytes) -> bytes:
    """A PAP Access-Request with a fresh authenticator and a Message-Authenticator (RFC 2865/3579),
    built directly: cheap enough to make each request as it is sent, so a long warm-up never
    replays a packet (FreeRADIUS would answer a replay from its duplicate cache)."""
    auth = os.urandom(16)
    padded = password + b"\0" * (-len(password) % 16)
    enc, prev = b"", auth
    for i in range(0, len(padded), 16):
        block = bytes(a ^ b for a, b in zip(padded[i:i + 16], hashlib.md5(secret + prev).digest(), strict=True))
        enc, prev = enc + block, block
    name = user.encode()
    attrs = (bytes((1, 2 + len(name))) + name + bytes((2, 2 + len(enc))) + enc + b"\x04\x06" + nas_ip
             + b"\x50\x12" + b"\0" * 16)
    pkt = bytearray(struct.pack("!BBH", packet.AccessRequest, ident, 20 + len(attrs)) + auth + attrs)
    pkt[-16:] = hmac.new(secret, bytes(pkt), hashlib.md5).digest()
    return bytes(pkt)


@dataclass
class Slot:
    """One router: its socket, secret and users; requests are made as they are sent."""
    sock: socket.socket
    secret: bytes
    nas_ip: bytes
    users: list[str]
    tenant: int
    sent: int = 0

    def next_packet(self, rng: random.Random) -> tuple[int, bytes]:
        ident = self.sent % 256
        self.sent += 1
        return ident, access_request(self.secret, ident, rng.choice(self.users), PASSWORD.encode(), self.nas_ip)


def build_load(spec: StackSpec, secrets: dict[str, str], users: int, n_sockets: int, *, stock: bool) -> list[Slot]:
    """One socket per router source address (tenants spread over the sockets)."""
    tenants = list(spec.tenants)
    slots = []
    for k in range(n_sockets):
        ti = k % len(tenants)
        t = tenants[ti]
        names = [f"s{u}" if stock else f"u{u}.{t.slug}" for u in range(1, users + 1)]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((router_address(ti), 0))
        s.setblocking(False)
        slots.append(Slot(s, secrets[t.spec.routers[0].name].encode(), socket.inet_aton(router_address(ti)),
                          names, ti))
    return slots


@dataclass
class LoadResult:
    rate: float
    accepts: int
    others: int
    warmup: float  # seconds of warm-up used
    steady: bool  # False: the warm-up hit its time bound before the rate settled
    windows: list[float]  # accepts/s of each warm-up window


def run_load(slots: list[Slot], port: int, inflight: int, seconds: float, *, min_warmup: float,
             max_warmup: float, window: float, per_tenant: int, tolerance: float = 0.05,
             on_measure: Callable[[], object] = lambda: None, measure: bool = True) -> LoadResult:
    """Warm up, then measure accepts/s over `seconds`, with `inflight` requests outstanding; each
    freed slot goes to the next router in turn, so traffic covers every tenant.

    The warm-up lasts at least `min_warmup` and at most `max_warmup` seconds; it ends early once
    every tenant has had `per_tenant` replies (a few times pool.max, so each pooled backend has
    loaded each tenant's relations) and the last three `window`-second windows lie within
    `tolerance` of each other. Bounded by time and by a request count derived from it.
    max_warmup=0 measures at once (a server already warm); measure=False stops after the warm-up.
    The sockets stay open: the caller measures the same server again in a later window."""
    dest = ("127.0.0.1", port)
    for slot in slots:  # late replies from the previous window must not count in this one
        while True:
            try:
                slot.sock.recv(4096)
            except BlockingIOError:
                break
    rng = random.Random(42)
    n_tenants = max(s.tenant for s in slots) + 1
    replies = [0] * n_tenants
    ep = select.epoll()
    by_fd = {s.sock.fileno(): s for s in slots}
    for fd in by_fd:
        ep.register(fd, select.EPOLLIN)
    sent_at: dict[tuple[int, int], float] = {}
    budget = int(100_000 * (max_warmup + seconds + 10))  # request bound far above any reachable rate
    cursor = 0

    def send() -> None:
        nonlocal cursor, budget
        if budget <= 0:
            return
        budget -= 1
        slot = slots[cursor % len(slots)]
        cursor += 1
        ident, data = slot.next_packet(rng)
        sent_at[(slot.sock.fileno(), ident)] = time.monotonic()
        slot.sock.sendto(data, dest)

    measuring = max_warmup <= 0
    if measuring:  # before the clock starts: its database round trips are not load
        on_measure()
    for _ in range(inflight):
        send()
    start = time.monotonic()
    t0 = start
    end = start + max(max_warmup, 0) + seconds
    win_start, win_accepts = start, 0
    windows: list[float] = []
    accepts = others = 0
    last_sweep = start
    while sent_at:
        now = time.monotonic()
        if now >= end:
            break
        if not measuring:
            if now - win_start >= window:
                windows.append(win_accepts / (now - win_start))
                win_start, win_accepts = now, 0
                covered = min(replies) >= per_tenant
                last = windows[-3:]  # three windows: a slow climb between two of them must not pass
                settled = len(last) == 3 and max(last) - min(last) < tolerance * max(max(last), 1e-9)
                if (now - start >= min_warmup and covered and settled) or now - start >= max_warmup:
                    if not measure:
                        end = now
                        break
                    on_measure()
                    measuring, t0 = True, time.monotonic()
                    end = t0 + seconds
        for fd, _ in ep.poll(0.05):
            slot = by_fd[fd]
            while True:
                try:
                    data = slot.sock.recv(4096)
                except BlockingIOError:
                    break
                if sent_at.pop((fd, data[1]), None) is None:
                    continue
                replies[slot.tenant] += 1
                ok = data[0] == packet.AccessAccept
                if measuring:
                    accepts += ok
                    others += not ok
                else:
                    win_accepts += ok
                send()
        if now - last_sweep > 0.25:  # unanswered for 1 s: give up on it, free the slot
            last_sweep = now
            for key, ts in list(sent_at.items()):
                if now - ts > 1.0:
                    del sent_at[key]
                    send()
    elapsed = min(time.monotonic(), end) - t0
    ep.close()
    warm = (t0 if measuring else time.monotonic()) - start
    steady = max_warmup <= 0 or warm < max_warmup
    return LoadResult(accepts / elapsed if measuring and elapsed > 0 else 0.0, accepts, others, warm, steady,
                      windows)


def tcp_client_ports(pid: int) -> set[int]:
    """Local ports of the TCP connections process `pid` holds (its pooled PostgreSQL connections)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if cols[9] in inodes:
            ports.add(int(cols[1].split(":")[1], 16))
    return ports


def db_counters(admin: str, dbname: str, radius_pid: int) -> tuple[int, int, int, int]:
    """(blocks hit, blocks read, private KB of this FreeRADIUS's backends, autovacuum and
    autoanalyze runs so far): where the PostgreSQL side of a scenario goes. Hits, reads and runs
    are per database (scenarios on one database are measured one at a time); backends are found
    by the client ports of the server's connections."""
    ports = tcp_client_ports(radius_pid)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        hit, read = conn.execute("SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = %s",
                                 (dbname,)).fetchone() or (0, 0)
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)",
                                           (list(ports),))]
    with psycopg.connect(psycopg.conninfo.make_conninfo(admin, dbname=dbname), autocommit=True) as conn:
        runs = conn.execute("SELECT COALESCE(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables"
                            ).fetchone()[0]
    kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    kb += int(line.split()[1])
        except OSError:
            pass
    return int(hit), int(read), kb, int(runs)


class Running:
    """One scenario's FreeRADIUS, started once, warmed once, then measured in short windows that
    alternate with the other scenarios' (so a slow spell of the machine hits every scenario)."""

    def __init__(self, key: str, name: str, spec: StackSpec, db: DbParams, work: Path, users: int,
                 args: argparse.Namespace, *, resolution: str, cache_ttl: int, admin: str) -> None:
        self.key, self.name, self.args, self.db, self.admin = key, name, args, db, admin
        self.auth_port, acct_port = free_udp_ports(2)
        out = work / key.replace("+", "cache")
        addresses = {t.spec.routers[0].name: router_address(i) for i, t in enumerate(spec.tenants)}
        opts = RenderOptions(
            listen_address="127.0.0.1", auth_port=self.auth_port, acct_port=acct_port,
            router_addresses=addresses, resolution=resolution, mapping_cache_ttl=cache_ttl, reject_delay=0,
            logdir=str(out / "log"), run_dir=str(out / "run"), run_user=None, run_group=None,
            max_servers=args.threads,
        )
        self.log = out / "log" / "radius.log"
        raddb = render_config(spec, out, overrides=opts, db=db)
        self.server = RadiusServer(raddb=raddb, logdir=out / "log", auth_port=self.auth_port, acct_port=acct_port)
        secrets = {r.name: r.radius_secret.get_secret_value() for t in spec.tenants for r in t.spec.routers}
        n_sockets = max(args.sockets, len(spec.tenants))  # every tenant's router takes part
        self.slots = build_load(spec, secrets, users, n_sockets, stock=(resolution == "stock"))
        self.per_tenant = args.warmup_per_pool * spec.platform.radius.pool.max
        self.windows: list[tuple[float, int, int]] = []  # (seconds, accepts, other replies)
        self.hit = self.read = 0
        self.private_kb = 0
        self.maintenance = 0  # autovacuum/autoanalyze runs in this scenario's database while measured

    def warm(self) -> None:
        a = self.args
        self.server.start()
        res = run_load(self.slots, self.auth_port, a.inflight, 0, min_warmup=a.warmup, max_warmup=a.warmup_max,
                       window=a.warmup_window, per_tenant=self.per_tenant, measure=False)
        state = "steady" if res.steady else f"NOT steady (hit the {a.warmup_max:.0f} s bound)"
        wins = " ".join(f"{w:.0f}" for w in res.windows[-4:])
        print(f"  warm {self.name:<44} {res.warmup:4.0f} s, {state}, last windows/s [{wins}]", flush=True)

    def measure(self, seconds: float) -> float:
        a = self.args
        run_load(self.slots, self.auth_port, a.inflight, a.lead_in, min_warmup=0, max_warmup=0, window=1,
                 per_tenant=0)  # lead-in: the server ramps up again after idling; not counted
        marks: list[tuple[int, int, int]] = []
        res = run_load(self.slots, self.auth_port, a.inflight, seconds, min_warmup=0, max_warmup=0, window=1,
                       per_tenant=0, on_measure=lambda: marks.append(db_counters(self.admin, self.db.dbname,
                                                                                 self.server.proc.pid)))
        marks.append(db_counters(self.admin, self.db.dbname, self.server.proc.pid))
        self.hit += marks[1][0] - marks[0][0]
        self.read += marks[1][1] - marks[0][1]
        self.private_kb = marks[1][2]
        self.maintenance += marks[1][3] - marks[0][3]
        self.windows.append((seconds, res.accepts, res.others))
        return res.rate

    @property
    def rate(self) -> float:
        return sum(w[1] for w in self.windows) / max(sum(w[0] for w in self.windows), 1e-9)

    def stop(self) -> None:
        self.server.stop()
        for slot in self.slots:
            slot.sock.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--history", type=int, default=5000, help="post-auth rows per schema before the run")
    ap.add_argument("--duration", type=float, default=4.0, help="seconds per measured window")
    ap.add_argument("--rounds", type=int, default=5, help="measured windows per scenario, interleaved")
    ap.add_argument("--lead-in", type=float, default=1.0, help="unmeasured seconds before each window")
    ap.add_argument("--warmup", type=float, default=10.0, help="minimum warm-up seconds")
    ap.add_argument("--warmup-max", type=float, default=240.0, help="bound on warm-up seconds")
    ap.add_argument("--warmup-window", type=float, default=10.0, help="warm-up ends when three such windows agree")
    ap.add_argument("--warmup-per-pool", type=int, default=5,
                    help="warm-up replies per tenant, as a multiple of pool.max, before it may end")
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--sockets", type=int, default=64, help="router source addresses at least")
    ap.add_argument("--threads", type=int, default=32, help="FreeRADIUS worker threads")
    ap.add_argument("--pool-max", type=int, default=None, help="platform.radius.pool.max for every scenario")
    ap.add_argument("--cache-ttl", type=int, default=30)
    ap.add_argument("--scenarios", default="a,b,b-nas,c,d")
    ap.add_argument("--pg", action="append", default=[], metavar="NAME=VALUE",
                    help="PostgreSQL setting over the sized ones (repeatable), e.g. shared_buffers=128MB")
    args = ap.parse_args()
    wanted = args.scenarios.split(",")
    pg_settings = sized_settings(args.tenants) | dict(kv.split("=", 1) for kv in args.pg)

    cluster = start_cluster(settings=pg_settings)
    work = Path(tempfile.mkdtemp(prefix="hotspot-bench-"))
    print(f"PostgreSQL {cluster.version()} on 127.0.0.1:{cluster.port}; FreeRADIUS -f, {args.threads} threads; "
          f"{os.cpu_count()} CPUs; {args.inflight} requests in flight; settings {pg_settings}")
    running: list[Running] = []
    try:
        one = bench_spec(1)
        pw = one.platform.radius.login_password.get_secret_value()
        db1 = cluster.create_database("bench_one")
        provision_stack(db1, one, radius_password=pw)
        bulk_users(db1, one, args.users, history=args.history, stock=True)

        def params(dbname: str) -> DbParams:
            return DbParams(cluster.host, cluster.port, dbname, one.platform.radius.login_role, pw, "disable", 3)

        runs: list[tuple[str, str, StackSpec, str, str, int]] = []  # key, label, spec, db, resolution, ttl
        label = f"{args.tenants} tenants x {args.users} users"
        for key, text, res in (("a", "(a) stock single schema", "stock"), ("b", "(b) mapping, 1 tenant", "mapping"),
                               ("b-nas", "(b-nas) nas, 1 tenant", "nas")):
            if key in wanted:
                runs.append((key, text, one, "bench_one", res, 0))
        if {"c", "c+", "d"} & set(wanted):
            many = bench_spec(args.tenants)
            t = time.monotonic()
            cluster.create_database("bench_many")
            provision_stack(cluster.conninfo("bench_many"), many, radius_password=pw)
            t1 = time.monotonic()
            bulk_users(cluster.conninfo("bench_many"), many, args.users, history=args.history)
            print(f"  provisioned {args.tenants} tenants in {t1 - t:.0f} s (provision_stack), "
                  f"{args.tenants * args.users} users in {time.monotonic() - t1:.0f} s", flush=True)
            for key, text, res, ttl in (("c", f"(c) mapping, {label}", "mapping", 0),
                                        ("c+", f"(c+) mapping + cache {args.cache_ttl}s, {label}", "mapping",
                                         args.cache_ttl),
                                        ("d", f"(d) nas, {label}", "nas", 0)):
                if key in wanted:
                    runs.append((key, text, many, "bench_many", res, ttl))
        for key, text, spec, dbname, res, ttl in runs:
            r = Running(key, text, bench_pool(spec, args.pool_max), params(dbname), work, args.users, args,
                        resolution=res, cache_ttl=ttl, admin=cluster.conninfo())
            running.append(r)
            r.warm()
        for i in range(args.rounds):
            rates = [f"{r.key} {r.measure(args.duration):.0f}" for r in running]
            print(f"  window {i + 1}/{args.rounds} (accepts/s): {', '.join(rates)}", flush=True)
        base = next((r for r in running if r.key == "a"), None)
        print(f"measured {args.rounds} x {args.duration:.0f} s per scenario, interleaved:")
        for r in running:
            ratio = ""
            if base is not None and base.rate:
                per = sorted((w[1] / w[0]) / (bw[1] / bw[0]) for w, bw in zip(r.windows, base.windows, strict=True))
                ratio = f"  {r.rate / base.rate:.2f} of (a) (windows {per[0]:.2f}-{per[-1]:.2f})"
            others = sum(w[2] for w in r.windows)
            hits = 100 * r.hit / max(r.hit + r.read, 1)
            print(f"  {r.name:<52} {r.rate:8.0f} accepts/s{ratio}; {hits:.2f}% buffer hits, "
                  f"backends {r.private_kb / 1024:.0f} MB, {r.maintenance} autovacuum/analyze runs" + (f"; {others} non-accepts, see {r.log}" if others else ""))
    finally:
        for r in running:
            r.stop()
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)  # rendered trees hold secrets


def bench_pool(spec: StackSpec, pool_max: int | None) -> StackSpec:
    """Pools that never close an idle connection: a scenario waits idle while the others are
    measured, and must not come back cold."""
    pool = spec.platform.radius.pool.model_copy(
        update={"idle_timeout": 0, **({"max": pool_max} if pool_max is not None else {})}
    )
    radius = spec.platform.radius.model_copy(update={"pool": pool})
    return spec.model_copy(update={"platform": spec.platform.model_copy(update={"radius": radius})})


if __name__ == "__main__":
    main()
