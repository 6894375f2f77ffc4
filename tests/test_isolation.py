"""The dev stack provisioned through the program's own resources and providers (tests/pulumi_engine.py),
then an isolation matrix with real permission-denied errors:
- each tenant owner role uses its own schema and nobody else's;
- the FreeRADIUS login role reads only the RADIUS read tables and writes only radacct and
  radpostauth, in every tenant schema (and the legacy shared tables in public);
- nobody reaches another tenant's payments."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import errors, sql

from components import access_policy, program
from tenant_sql.devcluster import Cluster
from tests.conftest import drop_test_roles
from tests.pulumi_engine import MiniEngine, stack_config
from tests.pulumi_harness import run_program

ROOT = Path(__file__).resolve().parent.parent
DEV = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
SCHEMAS = {"alpha": "tenant_alpha", "bravo": "tenant_bravo"}
OWNERS = {slug: f"{schema}_owner" for slug, schema in SCHEMAS.items()}
RADIUS_ROLE = DEV["hotspot:platform"]["radius"]["login_role"]
RADIUS_PASSWORD = DEV["hotspot:platform"]["radius"]["login_password"]
_counter = itertools.count(1)


@pytest.fixture(scope="module")
def stack(pg_cluster: Cluster) -> Iterator[dict[str, Any]]:
    name = f"iso{next(_counter)}"
    conninfo = pg_cluster.create_database(name)
    try:
        cfg = stack_config(DEV, conninfo)
        monitor = run_program(program.run, config=cfg, secret_keys=("hotspot:dbAdminPassword",))
        engine = MiniEngine(conninfo, cfg)
        steps = engine.up(monitor.registrations)
        assert {s.op for s in steps} == {"create"}
        yield {"admin": conninfo, "radius": pg_cluster.conninfo(name, RADIUS_ROLE, RADIUS_PASSWORD)}
    finally:
        with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        drop_test_roles(pg_cluster)


def attempt(conninfo: str, stmt: sql.Composable, role: str | None = None) -> str:
    """'ok', 'denied' (insufficient_privilege), or the unexpected error. Always rolled back."""
    with psycopg.connect(conninfo) as conn:
        try:
            with conn.transaction(force_rollback=True):
                if role is not None:
                    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
                conn.execute(stmt)
            return "ok"
        except errors.InsufficientPrivilege:
            return "denied"
        except psycopg.Error as e:
            return f"error: {type(e).__name__}: {e}"


def select(schema: str, table: str) -> sql.Composed:
    return sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(schema, table))


def insert_default(schema: str, table: str) -> sql.Composed:
    return sql.SQL("INSERT INTO {} DEFAULT VALUES").format(sql.Identifier(schema, table))


def tenant_tables(conninfo: str, schema: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
                [schema],
            )
        ]


def test_every_tenant_schema_has_the_full_table_set(stack: dict[str, Any]):
    from tenant_sql.tables import TENANT_TABLES

    for schema in SCHEMAS.values():
        assert set(TENANT_TABLES) <= set(tenant_tables(stack["admin"], schema)), schema


def test_owner_roles_use_their_own_schema_only(stack: dict[str, Any]):
    outcomes = {}
    for owner in OWNERS.values():
        for schema in SCHEMAS.values():
            outcomes[(owner, schema, "select payments")] = attempt(stack["admin"], select(schema, "payments"), owner)
            outcomes[(owner, schema, "insert radcheck")] = attempt(
                stack["admin"],
                sql.SQL("INSERT INTO {} (username, attribute, op, value) VALUES ('iso-x', 'Cleartext-Password', ':=', 'p')").format(
                    sql.Identifier(schema, "radcheck")
                ),
                owner,
            )
            outcomes[(owner, schema, "create table")] = attempt(
                stack["admin"], sql.SQL("CREATE TABLE {} (x int)").format(sql.Identifier(schema, "iso_probe")), owner
            )
    want = {(owner, schema, what): ("ok" if owner == f"{schema}_owner" else "denied") for owner, schema, what in outcomes}
    assert outcomes == want


def test_owner_roles_cannot_read_the_system_registry_or_mapping(stack: dict[str, Any]):
    for owner in OWNERS.values():
        for table in ("tenants", "radius_user_schema_mapping", "users", "radcheck"):
            assert attempt(stack["admin"], select("public", table), owner) == "denied", (owner, table)


def test_radius_role_reads_only_the_radius_tables_in_every_tenant(stack: dict[str, Any]):
    c = stack["radius"]
    for schema in [*SCHEMAS.values(), "public"]:  # public: the legacy shared tenant (hybrid mode)
        tables = tenant_tables(stack["admin"], schema)
        readable = set(access_policy.RADIUS_READ_TABLES) | {
            t for t, privs in access_policy.RADIUS_WRITE_TABLES.items() if "SELECT" in privs
        }
        if schema == "public":
            readable |= set(access_policy.SYSTEM_TABLES_READ_BY_RADIUS)
        got = {t: attempt(c, select(schema, t)) for t in tables}
        assert got == {t: ("ok" if t in readable else "denied") for t in tables}, schema


def test_radius_role_writes_only_radacct_and_radpostauth(stack: dict[str, Any]):
    c = stack["radius"]
    for schema in [*SCHEMAS.values(), "public"]:
        acct = sql.SQL(
            "INSERT INTO {} (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime) "
            "VALUES ('iso', 'iso-{}', 'alice', '10.100.1.2', now())"
        ).format(sql.Identifier(schema, "radacct"), sql.SQL(schema))
        assert attempt(c, acct) == "ok", schema
        post = sql.SQL("INSERT INTO {} (username, reply, authdate) VALUES ('alice', 'Access-Accept', now())").format(
            sql.Identifier(schema, "radpostauth")
        )
        assert attempt(c, post) == "ok", schema
        assert attempt(c, sql.SQL("UPDATE {} SET acctinterval = 60").format(sql.Identifier(schema, "radacct"))) == "ok"
        denied = {
            "insert radcheck": sql.SQL(
                "INSERT INTO {} (username, attribute, op, value) VALUES ('evil', 'Cleartext-Password', ':=', 'x')"
            ).format(sql.Identifier(schema, "radcheck")),
            "update radcheck": sql.SQL("UPDATE {} SET value = 'x'").format(sql.Identifier(schema, "radcheck")),
            "delete radacct": sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, "radacct")),
            "delete radpostauth": sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, "radpostauth")),
            "insert radusergroup": sql.SQL("INSERT INTO {} (username, groupname) VALUES ('evil', 'x')").format(
                sql.Identifier(schema, "radusergroup")
            ),
            "select payments": select(schema, "payments"),
            "insert payments": insert_default(schema, "payments"),
            "truncate radacct": sql.SQL("TRUNCATE {}").format(sql.Identifier(schema, "radacct")),
            "create table": sql.SQL("CREATE TABLE {} (x int)").format(sql.Identifier(schema, "iso_probe")),
        }
        got = {k: attempt(c, s) for k, s in denied.items()}
        assert got == {k: "denied" for k in denied}, schema
    assert attempt(c, sql.SQL("UPDATE public.radius_user_schema_mapping SET is_active = false")) == "denied"
    assert attempt(c, select("public", "tenants")) == "denied"
    assert attempt(c, select("public", "users")) == "denied"


def open_sessions(schema: str) -> sql.Composed:
    return sql.SQL("SELECT {}('iso-su')").format(sql.Identifier(schema, "radius_open_sessions"))


def test_open_sessions_count_their_own_schema_and_only_freeradius_may_call_them(stack: dict[str, Any]):
    """Simultaneous-Use counts through <schema>.radius_open_sessions(): that schema's open sessions,
    whatever the caller's search_path; executable by the FreeRADIUS role (and the schema's owner)."""
    admin, c = stack["admin"], stack["radius"]
    schemas = [*SCHEMAS.values(), "public"]
    row = "INSERT INTO {} (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctstoptime) " \
          "VALUES ('iso', {}, 'iso-su', '10.100.1.2', now(), {})"
    with psycopg.connect(admin, autocommit=True) as conn:
        for n, schema in enumerate(schemas, start=1):  # n open sessions in the n-th schema, one closed
            for k in range(n + 1):
                conn.execute(sql.SQL(row).format(
                    sql.Identifier(schema, "radacct"), sql.Literal(f"iso-su-{schema}-{k}"),
                    sql.SQL("now()" if k == n else "NULL"),
                ))
    try:
        with psycopg.connect(c) as conn:
            conn.execute("SET search_path TO tenant_bravo, public")  # must not change what is counted
            got = {s: conn.execute(open_sessions(s)).fetchone()[0] for s in schemas}
        assert got == {"tenant_alpha": 1, "tenant_bravo": 2, "public": 3}
        calls = {(o, s): attempt(admin, open_sessions(s), o) for o in OWNERS.values() for s in schemas}
        assert calls == {(o, s): ("ok" if o == f"{s}_owner" else "denied") for o, s in calls}
        # mapping mode's check: the FreeRADIUS role only (tenant owners hold nothing in public).
        mapped = sql.SQL("SELECT public.radius_user_mapped_to('alice', 'tenant_alpha')")
        assert attempt(c, mapped) == "ok"
        assert {attempt(admin, mapped, o) for o in OWNERS.values()} == {"denied"}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(sql.SQL("DELETE FROM {} WHERE username = 'iso-su'").format(sql.Identifier(schema, "radacct")))


def test_nobody_reaches_another_tenants_payments(stack: dict[str, Any]):
    admin = stack["admin"]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE ROLE iso_stranger LOGIN PASSWORD 'iso-Stranger-pass-1'")
    for schema in SCHEMAS.values():
        readers = {
            role: attempt(admin, select(schema, "payments"), role)
            for role in [*OWNERS.values(), RADIUS_ROLE, "iso_stranger"]
        }
        own = f"{schema}_owner"
        assert readers == {r: ("ok" if r == own else "denied") for r in readers}, schema
        # PUBLIC holds nothing in a tenant schema, not even USAGE.
        with psycopg.connect(admin) as conn:
            usage = conn.execute(
                "SELECT has_schema_privilege('iso_stranger', %s, 'USAGE'), "
                "has_schema_privilege(%s, %s, 'USAGE')",
                [schema, OWNERS["bravo" if schema == "tenant_alpha" else "alpha"], schema],
            ).fetchone()
        assert usage == (False, False), schema
