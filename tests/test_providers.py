"""Every dynamic provider against a throwaway PostgreSQL, driven the way the engine drives it:
create, no-op diff, update, read after manual drift (then repaired by the next update), delete
(which never drops data). The resources and their inputs are the program's own (dev stack)."""

from __future__ import annotations

import base64
import copy
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dill
import psycopg
import pytest
import yaml
from psycopg import sql
from pulumi import dynamic as dyn

from components import program
from components.errors import HotspotError
from components.providers.base import HotspotProvider
from components.providers.migrations import MigrationsProvider
from components.render import render_stack
from components.spec import build_spec
from tenant_sql.devcluster import Cluster
from tenant_sql.files import load_migrations
from tests.pulumi_engine import CheckFailed, MiniEngine, flat_config, load_provider, stack_config, wire
from tests.pulumi_harness import RecordingMonitor, run_program
from tests.sql_fixtures import catalog_snapshot

ROOT = Path(__file__).resolve().parent.parent
_render_dbs = itertools.count(1)
DEV = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]


def declare(cfg: dict[str, Any]) -> RecordingMonitor:
    return run_program(program.run, config=cfg, secret_keys=("hotspot:dbAdminPassword",))


def up(cfg: dict[str, Any], engine: MiniEngine | None = None) -> tuple[MiniEngine, dict[str, str]]:
    monitor = declare(cfg)
    conninfo = _conninfo(cfg)
    engine = engine or MiniEngine(conninfo, cfg)
    engine.config = cfg
    steps = engine.up(monitor.registrations)
    return engine, {s.name: s.op for s in steps}


def _conninfo(cfg: dict[str, Any]) -> str:
    d = cfg["hotspot:platform"]["database"]
    return psycopg.conninfo.make_conninfo(
        host=d["host"], port=d["port"], dbname=d["dbname"], user=d["admin_user"], password=cfg["hotspot:dbAdminPassword"]
    )


@pytest.fixture
def cfg(pg_db: str) -> dict[str, Any]:
    return stack_config(DEV, pg_db)


@pytest.fixture
def deployed(cfg: dict[str, Any]) -> MiniEngine:
    engine, ops = up(cfg)
    assert set(ops.values()) == {"create"}
    return engine


def q(conninfo: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(query, params or None).fetchall()  # type: ignore[arg-type]


def run_sql(conninfo: str, stmt: sql.Composable | str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(stmt)  # type: ignore[arg-type]


def secrets_of(cfg: dict[str, Any]) -> set[str]:
    out = {cfg["hotspot:dbAdminPassword"], cfg["hotspot:platform"]["radius"]["login_password"]}
    for t in cfg["hotspot:tenants"]:
        out |= {u["password"] for u in t.get("users", [])} | {r["radius_secret"] for r in t.get("routers", [])}
    return out


def drift_then_repair(engine: MiniEngine, cfg: dict[str, Any], name: str) -> list[str]:
    """refresh -> drift reported for `name` -> next up updates exactly the drifted resources ->
    refresh clean. Returns the drift lines."""
    drift = engine.refresh()
    assert drift[name], f"{name}: the drift was not reported"
    _, ops = up(cfg, engine)
    for resource, lines in drift.items():
        assert ops[resource] == ("update" if lines else "same"), (resource, lines, ops[resource])
    after = engine.refresh()
    assert not any(after.values()), after
    return drift[name]


# ------------------------------------------------------------------ the whole dev stack


def test_create_then_second_up_changes_nothing(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    assert q(c, "SELECT slug, schema_name, schema_created FROM public.tenants ORDER BY slug") == [
        ("alpha", "tenant_alpha", True), ("bravo", "tenant_bravo", True), ("charlie-legacy", None, False),
    ]
    assert q(c, "SELECT username, schema_name FROM public.radius_user_schema_mapping ORDER BY 1") == [
        ("+254712345678", "tenant_alpha"), ("alice", "tenant_alpha"), ("alpha-admin", "tenant_alpha"),
        ("bob", "tenant_bravo"), ("brian.o@bravo", "tenant_bravo"), ("carol", "public"),
    ]
    assert q(c, "SELECT value FROM tenant_alpha.radcheck WHERE username = 'alice'") == [("alice-pass-1",)]
    _, ops = up(cfg, deployed)
    assert set(ops.values()) == {"same"}, ops
    assert not any(deployed.refresh().values())


def test_outputs_are_complete_and_hold_no_password(deployed: MiniEngine, cfg: dict[str, Any]):
    secrets = secrets_of(cfg)
    for name, (_, outs) in deployed.state.items():
        text = repr(outs)
        assert not any(s in text for s in secrets), f"{name} outputs carry a secret"
    _, mig = deployed.state["alpha-migrations"]
    assert mig["schema"] == "tenant_alpha" and mig["drift"] == [] and mig["applied"]
    _, rad = deployed.state["alpha-radius"]
    assert rad["declared_users"] == sorted(["alice", "+254712345678", "alpha-admin"])
    assert rad["credentials_digest"] and rad["drift"] == []
    _, reg = deployed.state["charlie-legacy-registry"]
    assert reg["row"]["slug"] == "charlie-legacy"


def test_configured_provider_pickles_without_credentials(deployed: MiniEngine, cfg: dict[str, Any]):
    for name, provider in deployed.providers.items():
        assert provider._settings is not None  # configure() ran
        blob = dill.dumps(provider)
        assert not any(s.encode() in blob for s in secrets_of(cfg)), name
        assert dill.loads(blob)._settings is None


def test_check_and_diff_do_no_io(deployed: MiniEngine):
    """An auditor's preview: an unconfigured provider (no credentials, no database) still
    checks and diffs."""
    for name, (id_, outs) in deployed.state.items():
        provider = deployed.providers.get(name)
        if provider is None:
            continue
        blank = type(provider)(provider.stack, provider.base_dir)
        news = {k: outs[k] for k in provider.INPUTS if k in outs}
        assert not blank.check(outs, news).failures
        assert blank.diff(id_, outs, news).changes is False
        if name != "platform-tenant-inventory":  # the inventory never touches a database
            with pytest.raises(HotspotError, match="not configured"):
                blank.read(id_, outs)


# ------------------------------------------------------------------ migrations


def test_tenant_migrations_dropped_table_revoked_and_extra_grant_are_drift_and_repaired(
    deployed: MiniEngine, cfg: dict[str, Any]
):
    c = deployed.conninfo
    run_sql(c, "DROP TABLE tenant_alpha.radpostauth")
    run_sql(c, "REVOKE SELECT ON tenant_alpha.radcheck FROM freeradius")
    run_sql(c, "GRANT SELECT ON tenant_alpha.payments TO freeradius")
    run_sql(c, "GRANT USAGE ON SCHEMA tenant_alpha TO tenant_bravo_owner")
    run_sql(c, "GRANT SELECT, UPDATE ON tenant_alpha.payments TO tenant_bravo_owner")
    lines = drift_then_repair(deployed, cfg, "alpha-migrations")
    text = "\n".join(lines)
    assert "table tenant_alpha.radpostauth is missing" in text
    assert "privilege missing: SELECT on radcheck to freeradius" in text
    assert "privilege not in the policy: SELECT on payments to freeradius" in text
    assert q(c, "SELECT to_regclass('tenant_alpha.radpostauth') IS NOT NULL") == [(True,)]
    assert q(c, "SELECT has_table_privilege('freeradius', 'tenant_alpha.radcheck', 'SELECT')") == [(True,)]
    assert q(c, "SELECT has_table_privilege('freeradius', 'tenant_alpha.payments', 'SELECT')") == [(False,)]
    assert "privilege not in the policy: UPDATE on payments to tenant_bravo_owner" in text
    assert q(c, "SELECT has_table_privilege('tenant_bravo_owner', 'tenant_alpha.payments', 'SELECT'),"
                " has_schema_privilege('tenant_bravo_owner', 'tenant_alpha', 'USAGE')") == [(False, False)]
    # bravo was not touched by the repair.
    assert not deployed.state["bravo-migrations"][1]["drift"]


def test_system_migrations_revoked_mapping_grant_is_repaired(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    run_sql(c, "REVOKE SELECT ON public.radius_user_schema_mapping FROM freeradius")
    lines = drift_then_repair(deployed, cfg, "platform-system-migrations")
    assert any("radius_user_schema_mapping" in line for line in lines)
    assert q(c, "SELECT has_table_privilege('freeradius', 'public.radius_user_schema_mapping', 'SELECT')") == [(True,)]


def test_system_migrations_report_what_the_server_lacks_for_the_tenants(deployed: MiniEngine):
    # The throwaway server runs PostgreSQL's defaults: too few files and buffers for 256 tenants.
    _, outs = deployed.state["platform-system-migrations"]
    assert outs["sized_for"] == 256
    assert outs["server_shortfalls"] == [
        "max_files_per_process is 1000; up to 256 tenant schemas need 11240 (and an open-files limit of 12240), "
        "or every RADIUS query reopens files",
        "shared_buffers is 128MB; up to 256 tenant schemas need 256MB, or RADIUS queries read from the OS cache",
    ]
    _, tenant = deployed.state["alpha-migrations"]
    assert tenant["server_shortfalls"] == []


def test_migration_input_diffs_without_a_database():
    p = MigrationsProvider()
    olds = wire({"schema": "tenant_a", "kind": "tenant", "owner_role": "tenant_a_owner", "prefix": "tenant_",
                 "radius_role": "freeradius", "hybrid": False, "migrations": ["0001_x.sql:ab"], "drift": []})
    same = {k: v for k, v in olds.items() if k != "drift"}
    assert p.diff("tenant_a", olds, same).changes is False
    newer = {**same, "migrations": ["0001_x.sql:ab", "0002_y.sql:cd"]}
    d = p.diff("tenant_a", olds, newer)
    assert d.changes is True and not d.replaces
    moved = {**same, "schema": "tenant_b"}
    d = p.diff("tenant_a", olds, moved)
    assert d.replaces == ["schema"] and d.delete_before_replace
    assert p.diff("tenant_a", {**olds, "drift": ["table x missing"]}, same).changes is True
    assert p.check({}, {"kind": "tenant"}).failures[0].property == "schema"


def test_delete_drops_nothing(deployed: MiniEngine):
    c = deployed.conninfo
    before = q(c, "SELECT count(*) FROM public.radius_user_schema_mapping")
    for name, (id_, outs) in deployed.state.items():
        provider = deployed.providers.get(name)
        if provider is not None:
            provider.delete(id_, outs)
            provider.delete(id_, outs)  # idempotent
    assert q(c, "SELECT count(*) FROM public.radius_user_schema_mapping") == before
    assert q(c, "SELECT count(*) FROM public.tenants") == [(3,)]
    assert q(c, "SELECT count(*) FROM tenant_alpha.radcheck WHERE username = 'alice'") == [(1,)]
    assert q(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tenant_bravo'")[0][0] > 20


# ------------------------------------------------------------------ registry row


def test_registry_row_edit_is_drift_and_a_rename_is_an_update(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    run_sql(c, "UPDATE public.tenants SET email = 'someone@else.example', is_active = false WHERE slug = 'alpha'")
    lines = drift_then_repair(deployed, cfg, "alpha-registry")
    assert any("email" in line for line in lines) and any("is_active" in line for line in lines)
    assert q(c, "SELECT email, is_active FROM public.tenants WHERE slug = 'alpha'") == [("ops@alpha.example", True)]

    renamed = copy.deepcopy(cfg)
    renamed["hotspot:tenants"][0]["name"] = "Alpha Coffee WiFi"
    _, ops = up(renamed, deployed)
    assert ops["alpha-registry"] == "update" and ops["bravo-registry"] == "same"
    assert q(c, "SELECT name FROM public.tenants WHERE slug = 'alpha'") == [("Alpha Coffee WiFi",)]


def test_registry_row_deleted_by_hand_is_recreated(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    # The shared tenant's row: deleting it cascades to its mappings, which is drift there too.
    run_sql(c, "DELETE FROM public.tenants WHERE slug = 'charlie-legacy'")
    lines = drift_then_repair(deployed, cfg, "charlie-legacy-registry")
    assert "has no row" in lines[0]
    assert q(c, "SELECT username FROM public.radius_user_schema_mapping WHERE schema_name = 'public'") == [("carol",)]


# ------------------------------------------------------------------ RADIUS data


def test_deleted_mapping_row_is_drift_and_repaired(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    run_sql(c, "DELETE FROM public.radius_user_schema_mapping WHERE username = 'alice'")
    lines = drift_then_repair(deployed, cfg, "alpha-radius")
    assert any("alice" in line for line in lines)
    assert q(c, "SELECT schema_name, is_active FROM public.radius_user_schema_mapping WHERE username = 'alice'") == [
        ("tenant_alpha", True)
    ]


def test_removed_user_is_removed_and_password_change_is_an_update(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    changed = copy.deepcopy(cfg)
    bravo = changed["hotspot:tenants"][1]
    bravo["users"] = [u for u in bravo["users"] if u["username"] != "brian.o@bravo"]
    changed["hotspot:tenants"][0]["users"][0]["password"] = "alice-pass-NEW"
    _, ops = up(changed, deployed)
    assert ops["bravo-radius"] == "update" and ops["alpha-radius"] == "update"
    assert ops["bravo-migrations"] == "same" and ops["bravo-registry"] == "same"
    assert q(c, "SELECT count(*) FROM tenant_bravo.radcheck WHERE username = 'brian.o@bravo'") == [(0,)]
    assert q(c, "SELECT count(*) FROM public.radius_user_schema_mapping WHERE username = 'brian.o@bravo'") == [(0,)]
    assert deployed.state["bravo-radius"][1]["declared_users"] == ["bob"]
    assert q(c, "SELECT value FROM tenant_alpha.radcheck WHERE username = 'alice'") == [("alice-pass-NEW",)]
    assert "alice-pass-NEW" not in repr(deployed.state)
    _, ops = up(changed, deployed)
    assert set(ops.values()) == {"same"}


def test_provider_loaded_from_the_pickled_input_reads_secrets_from_configure(deployed: MiniEngine, cfg: dict[str, Any]):
    """The provider is unpickled and configured exactly like the engine does; without the admin
    password in the config, it says which key is missing."""
    provider = deployed.providers["alpha-radius"]
    blob = base64.b64encode(dill.dumps(provider)).decode()
    no_password = {k: v for k, v in cfg.items() if k != "hotspot:dbAdminPassword"}
    bare = load_provider(blob, no_password)
    with pytest.raises(HotspotError, match="hotspot:dbAdminPassword"):
        bare.read(*deployed.state["alpha-radius"])
    good = load_provider(blob, cfg)
    assert good.read(*deployed.state["alpha-radius"]).outs["drift"] == []


def test_unconfigured_base_provider_names_the_config_keys():
    with pytest.raises(HotspotError, match="hotspot:platform"):
        HotspotProvider().settings  # noqa: B018
    assert isinstance(HotspotProvider().check({}, {}), dyn.CheckResult)


# ------------------------------------------------------------------ hotspotctl render: the same SQL


def _psql(conninfo: str, path: Path) -> None:
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    done = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), conninfo],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr


DATA_QUERIES = {
    "tenants": "SELECT id::text, name, slug, email, is_active, schema_name, schema_created,"
               " schema_created_at IS NOT NULL FROM public.tenants ORDER BY slug",
    "mapping": "SELECT username, schema_name, tenant_id::text, user_role, is_active"
               " FROM public.radius_user_schema_mapping ORDER BY username",
    "alpha_radcheck": "SELECT username, attribute, op, value FROM tenant_alpha.radcheck ORDER BY 1, 2",
    "alpha_groups": "SELECT groupname, attribute, op, value FROM tenant_alpha.radgroupreply ORDER BY 1, 2",
    "bravo_usergroup": "SELECT username, groupname FROM tenant_bravo.radusergroup ORDER BY 1",
    "public_radcheck": "SELECT username, attribute, value FROM public.radcheck ORDER BY 1, 2",
}


def _acl(value: Any) -> Any:
    """ACL items in grant order (tenants converge in any order): compare them as a set."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and "=" in value:
        return "{" + ",".join(sorted(value[1:-1].split(","))) + "}"
    return value


def _rows(rows: list[Any]) -> list[str]:
    return sorted(repr(tuple(_acl(v) for v in row)) if isinstance(row, tuple) else repr(row) for row in rows)


def test_rendered_sql_applied_with_psql_equals_the_provider_path(
    deployed: MiniEngine, cfg: dict[str, Any], pg_cluster: Cluster, tmp_path: Path
):
    """`hotspotctl render` writes what the providers execute: applying DIR/sql with psql to an
    empty database gives the same catalog (tables, owners, ACLs, functions, triggers, ledger)
    and the same rows as the Pulumi path."""
    spec = build_spec("dev", cfg["hotspot:platform"], cfg["hotspot:tenants"], ROOT / "stacks")
    written = render_stack(spec, tmp_path / "out")
    assert [p.name for p in written] == ["platform.sql", "alpha.sql", "bravo.sql", "charlie-legacy.sql"]
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o600"}
    other = f"render_{next(_render_dbs)}"
    conninfo = pg_cluster.create_database(other)
    try:
        for path in written:
            _psql(conninfo, path)
        schemas = ["public", "tenant_alpha", "tenant_bravo"]
        with psycopg.connect(deployed.conninfo) as a, psycopg.connect(conninfo) as b:
            snap_a, snap_b = catalog_snapshot(a, schemas), catalog_snapshot(b, schemas)
            assert snap_a.keys() == snap_b.keys()
            for key in snap_a:  # rows compared as multisets: ORDER BY ties differ between databases
                assert _rows(snap_a[key]) == _rows(snap_b[key]), key
            for name, query in DATA_QUERIES.items():
                assert a.execute(query).fetchall() == b.execute(query).fetchall(), name
    finally:
        with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(other)))


def test_render_names_every_secret_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cfg = copy.deepcopy(DEV)
    cfg["hotspot:platform"]["radius"]["login_password"] = {"secure": "v1:abc"}
    cfg["hotspot:tenants"][1]["users"][0]["password"] = {"secure": "v1:def"}
    spec = build_spec("dev", cfg["hotspot:platform"], cfg["hotspot:tenants"], ROOT / "stacks")
    monkeypatch.delenv("HOTSPOT_RADIUS_PASSWORD", raising=False)
    with pytest.raises(HotspotError) as e:
        render_stack(spec, tmp_path)
    text = str(e.value)
    assert "platform.radius.login_password" in text and "HOTSPOT_RADIUS_PASSWORD" in text
    assert "tenants[1].users[0].password" in text
    assert not (tmp_path / "sql").exists()
    # The environment supplies the RADIUS password; the user password is still missing.
    monkeypatch.setenv("HOTSPOT_RADIUS_PASSWORD", "env-radius-Password-91x")
    with pytest.raises(HotspotError) as e:
        render_stack(spec, tmp_path)
    assert "login_password" not in str(e.value) and "tenants[1].users[0].password" in str(e.value)


def test_render_replaces_a_previous_render_whole(tmp_path: Path):
    spec = build_spec("dev", DEV["hotspot:platform"], DEV["hotspot:tenants"], ROOT / "stacks")
    render_stack(spec, tmp_path)
    (tmp_path / "sql" / "gone-tenant.sql").write_text("-- stale")
    fewer = build_spec("dev", DEV["hotspot:platform"], DEV["hotspot:tenants"][:1], ROOT / "stacks")
    written = render_stack(fewer, tmp_path)
    assert sorted(p.name for p in (tmp_path / "sql").iterdir()) == ["alpha.sql", "platform.sql"]
    assert written == [tmp_path / "sql" / "platform.sql", tmp_path / "sql" / "alpha.sql"]
    assert oct((tmp_path / "sql").stat().st_mode & 0o777) == "0o700"
    text = (tmp_path / "sql" / "alpha.sql").read_text()
    assert "tenant_alpha" in text and "tenant_bravo" not in text


# ------------------------------------------------------------------ FreeRADIUS delivery (runtime external)


def test_freeradius_config_is_delivered_checked_and_drift_repaired(pg_db: str, tmp_path: Path):
    live = tmp_path / "raddb"
    shutil.copytree("/etc/freeradius/3.0", live, symlinks=True)  # a scratch copy of the packaged tree
    cfg = stack_config(DEV, pg_db)
    cfg["hotspot:platform"]["radius"]["config_dir"] = str(live)
    regs = [r for r in declare(cfg).registrations if r.name == "platform-freeradius-config"]
    assert len(regs) == 1 and regs[0].inputs["live_dir"] == str(live)
    engine = MiniEngine(_conninfo(cfg), cfg, deliver_freeradius=True)
    assert [s.op for s in engine.up(regs)] == ["create"]
    assert live.is_symlink()  # deliver() swapped in a checked release
    clients = (live / "clients.conf").read_text()
    assert "alpha-r1" in clients and "charlie-r1" in clients
    outs = engine.state["platform-freeradius-config"][1]
    assert outs["changed"] is True and not any(s in repr(outs) for s in secrets_of(cfg))

    assert [s.op for s in engine.up(regs)] == ["same"]
    (live.resolve() / "clients.conf").write_text(clients + "\nclient rogue { ipaddr = 192.0.2.1 secret = x }\n")
    drift = engine.refresh()["platform-freeradius-config"]
    assert any("clients.conf" in line for line in drift)
    assert [s.op for s in engine.up(regs)] == ["update"]
    assert "rogue" not in (live / "clients.conf").read_text()
    assert not engine.refresh()["platform-freeradius-config"]

    more = copy.deepcopy(cfg)
    more["hotspot:tenants"][1]["routers"].append(
        {"name": "bravo-r3", "tunnel_ip": "10.100.2.4", "nas_identifier": "bravo-r3", "management": "script",
         "radius_secret": "dev-bravo-r3-Secret-77ab1c"}
    )
    regs = [r for r in declare(more).registrations if r.name == "platform-freeradius-config"]
    engine.config = more
    assert [s.op for s in engine.up(regs)] == ["update"]
    assert "bravo-r3" in (live / "clients.conf").read_text()
    id_, outs = engine.state["platform-freeradius-config"]
    engine.providers["platform-freeradius-config"].delete(id_, outs)
    assert (live / "clients.conf").is_file()  # delete leaves RADIUS running


# ------------------------------------------------------------------ removing a tenant


def test_removing_a_tenant_fails_the_update_and_drops_nothing(deployed: MiniEngine, cfg: dict[str, Any]):
    c = deployed.conninfo
    fewer = copy.deepcopy(cfg)
    fewer["hotspot:tenants"] = [t for t in fewer["hotspot:tenants"] if t["slug"] != "bravo"]
    with pytest.raises(CheckFailed) as e:
        up(fewer, deployed)
    text = str(e.value)
    assert "'bravo'" in text and "tenant_bravo" in text
    assert "decommissioning is not yet supported" in text and "nothing was dropped" in text
    assert q(c, "SELECT count(*) FROM tenant_bravo.radcheck") == [(2,)]
    assert q(c, "SELECT slug FROM public.tenants WHERE slug = 'bravo'") == [("bravo",)]
    # A refresh meanwhile reports the undeclared tenant instead of failing.
    bravo = deployed.providers["bravo-radius"]
    bravo.configure(dyn.ConfigureRequest(dyn.Config(flat_config(fewer), "hotspot-tenancy")))
    drift = bravo.read(*deployed.state["bravo-radius"]).outs["drift"]
    assert drift == ["tenant 'bravo' is no longer declared in the stack file; its data is kept"]
    bravo.configure(dyn.ConfigureRequest(dyn.Config(flat_config(cfg), "hotspot-tenancy")))
    # Put back, the stack converges with nothing to do.
    _, ops = up(cfg, deployed)
    assert set(ops.values()) == {"same"}


def test_moving_a_tenant_to_another_schema_is_refused():
    from components.providers.inventory import InventoryProvider

    p = InventoryProvider()
    olds = {"tenants": {"alpha": "tenant_alpha", "legacy": "public"}}
    assert not p.check(olds, {"tenants": {**olds["tenants"], "new": "tenant_new"}}).failures
    failures = p.check(olds, {"tenants": {"alpha": "hs_alpha", "legacy": "public"}}).failures
    assert len(failures) == 1 and "from schema tenant_alpha to hs_alpha" in failures[0].reason
    assert not p.check({}, olds).failures  # first deployment


# ------------------------------------------------------------------ the engine's own provider host


def test_the_pulumi_python_provider_host_unpickles_configures_and_repairs(deployed: MiniEngine, cfg: dict[str, Any]):
    """The dynamic providers behind the engine's gRPC protocol, in a fresh interpreter (as
    `pulumi-resource-pulumi-python` runs them): the pickled provider is found by reference,
    Configure hands it the stack config, Read reports drift, Diff proposes the update, Update
    repairs."""
    import grpc
    from google.protobuf import struct_pb2
    from pulumi.runtime import rpc
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
    from pulumi.runtime.sync_await import _sync_await

    def struct(props: dict[str, Any]) -> struct_pb2.Struct:
        return _sync_await(rpc.serialize_properties(props, {}))

    host = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PULUMI_PROJECT": "hotspot-tenancy"}, text=True,
    )
    try:
        port = int(host.stdout.readline().strip())  # type: ignore[union-attr]
        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        stub.Configure(provider_pb2.ConfigureRequest(args=struct(flat_config(cfg))), timeout=30)
        c = deployed.conninfo
        run_sql(c, "UPDATE public.tenants SET email = 'drifted@else.example' WHERE slug = 'alpha'")
        id_, outs = deployed.state["alpha-registry"]
        provider_blob = base64.b64encode(dill.dumps(deployed.providers["alpha-registry"])).decode()
        props = {**outs, "__provider": provider_blob}
        urn = "urn:pulumi:dev::hotspot-tenancy::hotspot:index:Tenant$pulumi-python:dynamic/hotspot:TenantRegistryRow::alpha-registry"
        read = stub.Read(provider_pb2.ReadRequest(id=id_, urn=urn, properties=struct(props)), timeout=60)
        refreshed = dict(rpc.deserialize_properties(read.properties))
        assert any("email" in line for line in refreshed["drift"])
        news = {k: outs[k] for k in ("tenant_id", "slug", "row")} | {"__provider": provider_blob}
        diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=urn, olds=struct(refreshed), news=struct(news)), timeout=30)
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and not diff.replaces
        same = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=urn, olds=struct(props), news=struct(news)), timeout=30)
        assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
        stub.Update(provider_pb2.UpdateRequest(id=id_, urn=urn, olds=struct(refreshed), news=struct(news)), timeout=60)
        assert q(c, "SELECT email FROM public.tenants WHERE slug = 'alpha'") == [("ops@alpha.example",)]
    finally:
        host.kill()
        host.wait(timeout=10)


def test_settings_accept_structured_config_as_text_or_objects(cfg: dict[str, Any]):
    from components.providers.base import settings_from_config

    as_text = settings_from_config(flat_config(cfg))
    as_objects = settings_from_config(cfg)
    assert as_text.raw_platform == as_objects.raw_platform == cfg["hotspot:platform"]
    assert as_text.conninfo() == as_objects.conninfo()
    assert "application_name=hotspot-pulumi" in as_text.conninfo()
    docker = settings_from_config({**cfg, "hotspot:platform": {**cfg["hotspot:platform"], "runtime": "docker"}})
    assert "host=127.0.0.1" in docker.conninfo() and "port=15432" in docker.conninfo()


def test_tenant_migrations_in_parallel_do_not_collide_on_shared_grants(cfg: dict[str, Any]):
    """The engine runs tenants' migrations concurrently (the provider host serves 4 requests at
    once). They used to GRANT REFERENCES on public.users to each owner role, and two concurrent
    GRANTs on one table end in 'tuple concurrently updated'; now no tenant transaction touches a
    shared object, so they need no lock between them."""
    from concurrent.futures import ThreadPoolExecutor

    regs = declare(cfg).registrations
    engine = MiniEngine(_conninfo(cfg), cfg)
    first = [r for r in regs if not r.name.endswith(("-migrations", "-registry", "-radius"))
             or r.name == "platform-system-migrations"]
    engine.up(first)
    tenants = [r for r in regs if r.name in ("alpha-migrations", "bravo-migrations")]
    work = []
    for r in tenants:
        provider, news = engine._news(r)
        work.append((provider, news))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pn: pn[0].create(pn[1]), work))
    assert sorted(res.id for res in results) == ["tenant_alpha", "tenant_bravo"]
    c = engine.conninfo
    assert q(c, "SELECT has_table_privilege('tenant_alpha_owner', 'public.users', 'REFERENCES'),"
                " has_table_privilege('tenant_bravo_owner', 'public.users', 'REFERENCES')") == [(False, False)]
    assert q(c, "SELECT count(*) FROM public.hotspot_schema_migrations"
                " WHERE schema_name IN ('tenant_alpha', 'tenant_bravo')") == [(2 * len(load_migrations("tenant")),)]


def test_registry_and_radius_data_of_many_tenants_in_parallel(cfg: dict[str, Any]):
    """Registry rows and RADIUS data of every tenant converged four at a time, as the engine's
    provider host may: nothing collides, and the result is the sequential one."""
    from concurrent.futures import ThreadPoolExecutor

    regs = declare(cfg).registrations
    engine = MiniEngine(_conninfo(cfg), cfg)
    engine.up([r for r in regs if not r.name.endswith(("-registry", "-radius"))])
    for suffix in ("-registry", "-radius"):
        work = [engine._news(r) for r in regs if r.name.endswith(suffix)]
        assert len(work) == 3
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda pn: pn[0].create(pn[1]), work))
    c = engine.conninfo
    assert q(c, "SELECT count(*) FROM public.tenants") == [(3,)]
    assert q(c, "SELECT count(*) FROM public.radius_user_schema_mapping") == [(6,)]
    assert q(c, "SELECT count(*) FROM public.radcheck WHERE username = 'carol'") == [(1,)]
