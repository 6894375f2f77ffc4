"""Real FreeRADIUS for tests: provision the dev stack into a throwaway database through the
project's own code, render the configuration onto 127.0.0.1 high ports, run `freeradius -f`
(threaded, unlike -X), and play routers with pyrad clients bound to 127.0.0.x source addresses.

Servers are module-scoped (start-up is about 0.1 s, provisioning the stack is what costs).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from pyrad import packet
from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary

from components.spec import StackSpec, load_stack
from freeradius.render import DbParams, ExtraClient, RenderOptions, render_config
from tenant_sql.devcluster import Cluster
from tenant_sql.provision import provision_stack
from tests.conftest import DEV_STACK, drop_test_roles

# Routers of the dev stack, played from these source addresses.
ROUTER_ADDRESSES = {
    "alpha-r1": "127.0.0.11",
    "alpha-r2": "127.0.0.12",
    "bravo-r1": "127.0.0.21",
    "bravo-r2": "127.0.0.22",
    "charlie-r1": "127.0.0.31",
}
ORPHAN = ExtraClient("orphan-r1", "127.0.0.41", "orphan-router-Secret-77ab")
_db_counter = itertools.count(1)


def pyrad_dictionary(vendor_id: int) -> Dictionary:
    """The attributes the tests send and read (pyrad cannot parse FreeRADIUS's own dictionaries)."""
    text = f"""
ATTRIBUTE User-Name 1 string
ATTRIBUTE User-Password 2 string encrypt=1
ATTRIBUTE CHAP-Password 3 octets
ATTRIBUTE NAS-IP-Address 4 ipaddr
ATTRIBUTE NAS-Port 5 integer
ATTRIBUTE Service-Type 6 integer
ATTRIBUTE Framed-IP-Address 8 ipaddr
ATTRIBUTE Reply-Message 18 string
ATTRIBUTE Class 25 octets
ATTRIBUTE Session-Timeout 27 integer
ATTRIBUTE Idle-Timeout 28 integer
ATTRIBUTE Called-Station-Id 30 string
ATTRIBUTE Calling-Station-Id 31 string
ATTRIBUTE NAS-Identifier 32 string
ATTRIBUTE Acct-Status-Type 40 integer
ATTRIBUTE Acct-Delay-Time 41 integer
ATTRIBUTE Acct-Input-Octets 42 integer
ATTRIBUTE Acct-Output-Octets 43 integer
ATTRIBUTE Acct-Session-Id 44 string
ATTRIBUTE Acct-Session-Time 46 integer
ATTRIBUTE Acct-Terminate-Cause 49 integer
ATTRIBUTE CHAP-Challenge 60 octets
ATTRIBUTE NAS-Port-Type 61 integer
ATTRIBUTE Acct-Interim-Interval 85 integer
ATTRIBUTE Message-Authenticator 80 octets
VALUE Acct-Status-Type Start 1
VALUE Acct-Status-Type Stop 2
VALUE Acct-Status-Type Interim-Update 3
VALUE Acct-Status-Type Accounting-On 7
VALUE Acct-Status-Type Accounting-Off 8
VENDOR Mikrotik 14988
BEGIN-VENDOR Mikrotik
ATTRIBUTE Mikrotik-Rate-Limit 8 string
ATTRIBUTE Mikrotik-Total-Limit 17 integer
ATTRIBUTE Mikrotik-Total-Limit-Gigawords 18 integer
END-VENDOR Mikrotik
VENDOR Hotspot-Tenancy {vendor_id}
BEGIN-VENDOR Hotspot-Tenancy
ATTRIBUTE Hotspot-Tenant-Id 1 string
ATTRIBUTE Hotspot-Tenant-Schema 2 string
END-VENDOR Hotspot-Tenancy
"""
    return Dictionary(io.StringIO(text))


def free_udp_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


# ----------------------------------------------------------------------------- provisioning


def provision(conninfo: str, spec: StackSpec, radius_password: str) -> None:
    """The dev stack through the project's own provisioning: roles, schemas, migrations, grants,
    tenants rows, then tenant_sql.radius_data.converge_tenant for every tenant."""
    provision_stack(conninfo, spec, radius_password=radius_password)


# ----------------------------------------------------------------------------- server


@dataclass
class RadiusServer:
    raddb: Path
    logdir: Path
    auth_port: int
    acct_port: int
    address: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        path = self.logdir / "radius.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, timeout: float = 15.0) -> None:
        already = len(self.log)
        self.proc = subprocess.Popen(
            ["freeradius", "-f", *(["-xx"] if os.environ.get("HOTSPOT_RADIUS_DEBUG") else []), "-d", str(self.raddb)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"freeradius exited with {self.proc.returncode}: {err}\n{self.log[already:]}")
            if "Ready to process requests" in self.log[already:]:
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"freeradius did not become ready in {timeout}s:\n{self.log[already:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None


@dataclass
class RadiusEnv:
    """One provisioned database, one running FreeRADIUS, and the routers that talk to it."""

    spec: StackSpec
    cluster: Cluster
    conninfo: str  # admin, the test database
    server: RadiusServer
    dictionary: Dictionary
    secrets: Mapping[str, str] = field(repr=False)  # router name -> secret
    addresses: Mapping[str, str] = field(default_factory=lambda: dict(ROUTER_ADDRESSES))

    # ------------------------------------------------------------------ clients

    def client(self, router: str, *, timeout: float = 2.0, retries: int = 1) -> Client:
        c = Client(
            server=self.server.address, authport=self.server.auth_port, acctport=self.server.acct_port,
            secret=self.secrets[router].encode(), dict=self.dictionary, timeout=timeout, retries=retries,
            enforce_ma=True,
        )
        c.bind((self.addresses[router], 0))
        return c

    def auth(self, router: str, username: str, password: str, *, chap: bool = False,
             timeout: float = 2.0, **attrs: Any) -> packet.Packet | None:
        """Access-Request from the router; the reply, or None when the server does not answer."""
        c = self.client(router, timeout=timeout)
        req = c.CreateAuthPacket(code=packet.AccessRequest, User_Name=username)
        req["NAS-IP-Address"] = self.addresses[router]
        req["NAS-Identifier"] = router
        for k, v in attrs.items():
            req[k.replace("_", "-")] = v
        if chap:
            challenge = os.urandom(16)
            chap_id = b"\x07"
            req["CHAP-Challenge"] = challenge
            req["CHAP-Password"] = chap_id + hashlib.md5(chap_id + password.encode() + challenge).digest()
        else:
            req["User-Password"] = req.PwCrypt(password)
        return _send(c, req)

    def acct(self, router: str, status: str, username: str | None = None, session_id: str = "s1",
             *, timeout: float = 2.0, **attrs: Any) -> packet.Packet | None:
        c = self.client(router, timeout=timeout)
        req = c.CreateAcctPacket(code=packet.AccountingRequest)
        req["Acct-Status-Type"] = status
        req["NAS-IP-Address"] = self.addresses[router]
        req["NAS-Identifier"] = router
        if username is not None:
            req["User-Name"] = username
            req["Acct-Session-Id"] = session_id
        for k, v in attrs.items():
            req[k.replace("_", "-")] = v
        return _send(c, req)

    # ------------------------------------------------------------------ database

    def rows(self, query: sql.Composable | str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def table(self, schema: str, table: str, where: str = "true", params: Any = None) -> list[dict[str, Any]]:
        q = sql.SQL("SELECT * FROM {} WHERE ").format(sql.Identifier(schema, table)) + sql.SQL(where)  # noqa: S608
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.cursor(row_factory=psycopg.rows.dict_row)
            return cur.execute(q, params).fetchall()


def send_raw(address: tuple[str, int], src: str, data: bytes, timeout: float = 1.5) -> bytes | None:
    """Send hand-built bytes from `src`; the raw reply or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(data, address)
        try:
            return s.recv(4096)
        except TimeoutError:
            return None


def access_request_without_message_authenticator(secret: bytes, username: str, password: str) -> bytes:
    """An RFC 2865 Access-Request built byte by byte, with no Message-Authenticator (pyrad adds
    one to everything it sends)."""
    authenticator = os.urandom(16)
    padded = password.encode().ljust(16 * ((len(password) + 15) // 16 or 1), b"\0")
    crypted, last = b"", authenticator
    for i in range(0, len(padded), 16):
        block = bytes(a ^ b for a, b in zip(padded[i:i + 16], hashlib.md5(secret + last).digest(), strict=True))
        crypted += block
        last = block
    attrs = bytes([1, 2 + len(username)]) + username.encode() + bytes([2, 2 + len(crypted)]) + crypted
    header = struct.pack("!BBH", packet.AccessRequest, 42, 20 + len(attrs))
    return header + authenticator + attrs


@dataclass
class RadiusStack:
    """A provisioned throwaway database for one test module; servers are started on it."""

    spec: StackSpec
    cluster: Cluster
    conninfo: str
    dbname: str
    radius_password: str = field(repr=False)
    tmp: Path = Path("/tmp")
    servers: list[RadiusServer] = field(default_factory=list)

    def db_params(self) -> DbParams:
        return DbParams(host=self.cluster.host, port=self.cluster.port, dbname=self.dbname,
                        user=self.spec.platform.radius.login_role, password=self.radius_password,
                        sslmode="disable", connect_timeout=2)

    def start_server(self, name: str, **options: Any) -> RadiusEnv:
        auth_port, acct_port = free_udp_ports(2)
        out = self.tmp / name
        opts = RenderOptions(
            listen_address="127.0.0.1", auth_port=auth_port, acct_port=acct_port,
            router_addresses=ROUTER_ADDRESSES, extra_clients=(ORPHAN,), reject_delay=0,
            logdir=str(out / "log"), run_dir=str(out / "run"), run_user=None, run_group=None,
            **options,
        )
        raddb = render_config(self.spec, out, overrides=opts, db=self.db_params())
        server = RadiusServer(raddb=raddb, logdir=out / "log", auth_port=auth_port, acct_port=acct_port)
        server.start()
        self.servers.append(server)
        secrets = {r.name: r.radius_secret.get_secret_value() for t in self.spec.tenants for r in t.spec.routers}
        secrets[ORPHAN.name] = ORPHAN.secret
        addresses = dict(ROUTER_ADDRESSES) | {ORPHAN.name: ORPHAN.ipaddr}
        return RadiusEnv(
            spec=self.spec, cluster=self.cluster, conninfo=self.conninfo, server=server,
            dictionary=pyrad_dictionary(self.spec.platform.radius.vendor_id), secrets=secrets,
            addresses=addresses,
        )


@pytest.fixture(scope="module")
def radius_stack(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadiusStack]:
    spec = load_stack(DEV_STACK)
    name = f"radius{next(_db_counter)}_{os.getpid()}"
    conninfo = pg_cluster.create_database(name)
    password = spec.platform.radius.login_password.get_secret_value()
    stack = RadiusStack(spec=spec, cluster=pg_cluster, conninfo=conninfo, dbname=name,
                        radius_password=password, tmp=tmp_path_factory.mktemp("radius"))
    try:
        provision(conninfo, spec, password)
        yield stack
    finally:
        for s in stack.servers:
            s.stop()
        with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        drop_test_roles(pg_cluster)


def _send(client: Client, req: packet.Packet) -> packet.Packet | None:
    """One request, one fresh socket: the reply, or None when the server gave no answer."""
    try:
        return client.SendPacket(req)
    except Timeout:
        return None
    finally:
        client._CloseSocket()
