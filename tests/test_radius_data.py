"""tenant_sql.radius_data against a real PostgreSQL provisioned with the dev stack."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql

from components.errors import MappingConflict
from components.spec import PackageSpec, StackSpec, build_spec, load_stack
from tenant_sql import radius_data
from tests.conftest import DEV_STACK
from tests.radius_fixtures import provision

RAW = yaml.safe_load(DEV_STACK.read_text())["config"]


def spec_with(change) -> StackSpec:
    raw = copy.deepcopy(RAW)
    change(raw["hotspot:tenants"])
    return build_spec("dev", raw["hotspot:platform"], raw["hotspot:tenants"], Path(DEV_STACK).parent)


@pytest.fixture
def stack(pg_db: str):
    spec = load_stack(DEV_STACK)
    provision(pg_db, spec, spec.platform.radius.login_password.get_secret_value())
    with psycopg.connect(pg_db, autocommit=True) as conn:
        yield spec, conn


def rows(conn: psycopg.Connection, schema: str, table: str, cols: str, where: str = "true") -> list[tuple[Any, ...]]:
    q = sql.SQL("SELECT " + cols + " FROM {} WHERE " + where + " ORDER BY 1, 2").format(  # noqa: S608 - test literals
        sql.Identifier(schema, table)
    )
    return conn.execute(q).fetchall()


class _RefuseWrites:
    """A connection that fails on any write: a no-op converge cannot pass by accident."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def execute(self, query, params=None):
        text = query.as_string(self._conn) if hasattr(query, "as_string") else str(query)
        head = text.lstrip().split(None, 1)[0].upper()
        if head in ("INSERT", "UPDATE", "DELETE"):
            raise AssertionError(f"write on a converged tenant: {text[:120]}")
        return self._conn.execute(query, params)

    def transaction(self):
        return self._conn.transaction()


# ----------------------------------------------------------------------------- the package rule


def test_package_rule_rate_direction_timeouts_cap_and_devices():
    p = PackageSpec(name="day-1", rate_up="5M", rate_down="10M", session_timeout=86400, idle_timeout=600,
                    interim_interval=120, data_cap_mb=5120, validity=86400, price="1.00", devices=3)
    check, reply = radius_data.package_group_rows(p)
    assert check == [("Simultaneous-Use", ":=", "3")]
    as_dict = {a: v for a, _, v in reply}
    assert as_dict["Mikrotik-Rate-Limit"] == "5M/10M"  # router rx (subscriber upload) / router tx
    assert as_dict["Session-Timeout"] == "86400" and as_dict["Idle-Timeout"] == "600"
    assert as_dict["Acct-Interim-Interval"] == "120"
    total = 5120 * 1024 * 1024
    assert int(as_dict["Mikrotik-Total-Limit-Gigawords"]) << 32 | int(as_dict["Mikrotik-Total-Limit"]) == total
    small = p.model_copy(update={"data_cap_mb": 100, "session_timeout": None, "idle_timeout": None})
    _, reply = radius_data.package_group_rows(small)
    attrs = [a for a, _, _ in reply]
    assert "Mikrotik-Total-Limit-Gigawords" not in attrs and "Session-Timeout" not in attrs


# ----------------------------------------------------------------------------- converge


def test_provisioned_rows_land_in_each_tenants_own_schema(stack):
    spec, conn = stack
    assert rows(conn, "tenant_alpha", "radcheck", "username, attribute, op, value", "true") == [
        ("+254712345678", "Cleartext-Password", ":=", "phone-pass-2"),
        ("alice", "Cleartext-Password", ":=", "alice-pass-1"),
        ("alpha-admin", "Cleartext-Password", ":=", "Alpha-admin-pass-3"),
    ]
    assert rows(conn, "tenant_alpha", "radusergroup", "username, groupname") == [
        ("+254712345678", "pkg_day-1"), ("alice", "pkg_hour-1"),
    ]
    assert ("pkg_hour-1", "Mikrotik-Rate-Limit", "2M/5M") in rows(
        conn, "tenant_alpha", "radgroupreply", "groupname, attribute, value")
    assert rows(conn, "tenant_bravo", "radcheck", "username, value") == [
        ("bob", "bob-pass-1"), ("brian.o@bravo", "brian-pass-2")]
    assert rows(conn, "public", "radcheck", "username, value") == [("carol", "carol-pass-1")]
    # Shared tenants share the public group tables: their groups carry the slug.
    assert rows(conn, "public", "radusergroup", "username, groupname") == [("carol", "pkg_hour-1@charlie-legacy")]
    pk = rows(conn, "tenant_alpha", "packages", "name, upload_speed, download_speed, price::text, devices, data_limit")
    assert pk == [("day-1", "5 Mbps", "10 Mbps", "100.00", 2, "2048 MB"), ("hour-1", "2 Mbps", "5 Mbps", "20.00", 1, None)]
    charlie = spec.tenant("charlie-legacy")
    assert rows(conn, "public", "packages", "name, tenant_id::text") == [("hour-1", str(charlie.spec.id))]
    mapping = {r[0]: r[1:] for r in conn.execute(
        "SELECT username, schema_name, tenant_id::text, user_role, is_active FROM public.radius_user_schema_mapping")}
    assert mapping["alice"] == ("tenant_alpha", str(spec.tenant("alpha").spec.id), "hotspot_user", True)
    assert mapping["alpha-admin"][2] == "admin"
    assert mapping["carol"] == ("public", str(charlie.spec.id), "hotspot_user", True)
    assert len(mapping) == 6


def test_second_converge_changes_nothing_and_writes_nothing(stack):
    spec, conn = stack
    for tenant in spec.tenants:
        assert radius_data.converge_tenant(_RefuseWrites(conn), spec, tenant) is False
        assert radius_data.read_tenant(conn, spec, tenant)["drift"] == []


def test_changes_in_the_spec_are_converged_and_reported_as_drift_first(stack):
    _, conn = stack

    def change(tenants):
        alpha = tenants[0]
        alpha["packages"][0]["rate_down"] = "8M"
        alpha["users"][0]["password"] = "alice-new-pass"
        alpha["users"][0]["active"] = False
        alpha["users"][1]["package"] = "hour-1"

    spec2 = spec_with(change)
    alpha = spec2.tenant("alpha")
    drift = radius_data.read_tenant(conn, spec2, alpha)["drift"]
    assert any("pkg_hour-1 Mikrotik-Rate-Limit := 2M/8M" in d for d in drift)
    assert not any("alice-new-pass" in d for d in drift)  # no password in drift lines
    assert radius_data.converge_tenant(conn, spec2, alpha) is True
    assert radius_data.converge_tenant(_RefuseWrites(conn), spec2, alpha) is False
    assert rows(conn, "tenant_alpha", "radgroupreply", "groupname, value", "attribute = 'Mikrotik-Rate-Limit'") == [
        ("pkg_day-1", "5M/10M"), ("pkg_hour-1", "2M/8M")]
    assert conn.execute("SELECT is_active FROM public.radius_user_schema_mapping WHERE username = 'alice'").fetchone() == (False,)
    assert rows(conn, "tenant_alpha", "radcheck", "username, value", "username = 'alice'") == [("alice", "alice-new-pass")]
    assert rows(conn, "tenant_alpha", "radusergroup", "username, groupname", "username = '+254712345678'") == [
        ("+254712345678", "pkg_hour-1")]
    assert rows(conn, "tenant_alpha", "packages", "name, download_speed", "name = 'hour-1'") == [("hour-1", "8 Mbps")]


def test_undeclared_users_are_untouched_and_removal_needs_previously_declared(stack):
    spec, conn = stack
    conn.execute("INSERT INTO tenant_alpha.radcheck (username, attribute, op, value) VALUES ('runtime1', 'Cleartext-Password', ':=', 'x')")
    spec2 = spec_with(lambda ts: ts[0]["users"].pop(0))  # alice no longer declared
    alpha = spec2.tenant("alpha")
    assert radius_data.converge_tenant(_RefuseWrites(conn), spec2, alpha) is False  # not named: kept
    assert radius_data.converge_tenant(conn, spec2, alpha, previously_declared={"alice", "+254712345678"}) is True
    users = [r[0] for r in rows(conn, "tenant_alpha", "radcheck", "username, value")]
    assert users == ["+254712345678", "alpha-admin", "runtime1"]
    mapped = {r[0] for r in conn.execute("SELECT username FROM public.radius_user_schema_mapping")}
    assert "alice" not in mapped and "runtime1" in mapped  # the trigger unmapped and mapped
    # Shared tenant: the mapping row is ours to remove.
    spec3 = spec_with(lambda ts: ts[2]["users"].pop(0))
    assert radius_data.converge_tenant(conn, spec3, spec3.tenant("charlie-legacy"), previously_declared={"carol"})
    assert "carol" not in {r[0] for r in conn.execute("SELECT username FROM public.radius_user_schema_mapping")}
    assert rows(conn, "public", "radcheck", "username, value") == []


def test_username_of_another_tenant_is_a_mapping_conflict(stack):
    _, conn = stack
    # The application created "zed" in bravo at runtime; alpha's spec now declares a "zed".
    conn.execute("INSERT INTO tenant_bravo.radcheck (username, attribute, op, value) VALUES ('zed', 'Cleartext-Password', ':=', 'x')")
    spec2 = spec_with(lambda ts: ts[0]["users"].append({"username": "zed", "password": "alpha-zed-1", "package": "hour-1"}))
    with pytest.raises(MappingConflict, match="zed"):
        radius_data.converge_tenant(conn, spec2, spec2.tenant("alpha"))
    assert rows(conn, "tenant_alpha", "radcheck", "username, value", "username = 'zed'") == []
    # Even without the pre-read (a race), the trigger refuses it inside the transaction.
    d = radius_data.desired_state(spec2, spec2.tenant("alpha"))
    blind = radius_data.plan(radius_data.Current(), d)
    with pytest.raises(MappingConflict, match="already mapped to tenant_bravo"):
        radius_data.apply(conn, blind)
    assert rows(conn, "tenant_alpha", "radcheck", "username, value", "username = 'zed'") == []  # rolled back


def test_render_statements_converge_from_any_state(stack):
    spec, conn = stack
    alpha = spec.tenant("alpha")
    conn.execute("UPDATE tenant_alpha.radcheck SET value = 'tampered' WHERE username = 'alice'")
    conn.execute("DELETE FROM tenant_alpha.radgroupreply WHERE groupname = 'pkg_day-1'")
    for _ in range(2):  # twice: the script is idempotent
        with conn.transaction():
            for stmt in radius_data.statements(spec, alpha):
                conn.execute(stmt)
    assert radius_data.read_tenant(conn, spec, alpha)["drift"] == []
    assert len(rows(conn, "tenant_alpha", "packages", "name, id")) == 2
    text = "\n".join(s.as_string(conn) for s in radius_data.statements(spec, alpha))
    assert '"tenant_alpha"."radcheck"' in text and "search_path" not in text
