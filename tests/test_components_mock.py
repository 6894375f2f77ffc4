"""The component tree under pulumi mocks: exact children per tenant (a renamed child would be a
replaced schema), parents, dependencies, the explicit provider, protect flags, inputs, secrets,
and the program stopping before it declares anything when the spec is invalid."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components import program
from tests.pulumi_harness import RecordingMonitor, Registration, is_secret, reveal, run_program

ROOT = Path(__file__).resolve().parent.parent
DEV = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
LOCAL = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
ADMIN = "mock-Admin-password-4f2a9c"

_bench = importlib.util.spec_from_file_location("bench_program", ROOT / "bench" / "program.py")
assert _bench and _bench.loader
bench = importlib.util.module_from_spec(_bench)
_bench.loader.exec_module(bench)

ROLE = "postgresql:index/role:Role"
SCHEMA = "postgresql:index/schema:Schema"
PG_PROVIDER = "pulumi:providers:postgresql"
MIGRATIONS = "pulumi-python:dynamic/hotspot:TenantMigrations"
SYSTEM_MIGRATIONS = "pulumi-python:dynamic/hotspot:SystemMigrations"
REGISTRY = "pulumi-python:dynamic/hotspot:TenantRegistryRow"
RADIUS = "pulumi-python:dynamic/hotspot:TenantRadiusData"
TENANT = "hotspot:index:Tenant"
PLATFORM = "hotspot:index:Platform"
INVENTORY = "pulumi-python:dynamic/hotspot:TenantInventory"


def dev_config(**platform_overrides: Any) -> dict[str, Any]:
    cfg = {k: copy.deepcopy(v) for k, v in DEV.items()}
    cfg["hotspot:platform"].update(platform_overrides)
    cfg["hotspot:dbAdminPassword"] = ADMIN
    return cfg


def run(cfg: dict[str, Any], stack: str = "dev") -> RecordingMonitor:
    return run_program(program.run, config=cfg, secret_keys=("hotspot:dbAdminPassword",), stack=stack)


@pytest.fixture(scope="module")
def dev() -> RecordingMonitor:
    return run(dev_config())


def by_name(m: RecordingMonitor) -> dict[str, Registration]:
    out = {r.name: r for r in m.registrations}
    assert len(out) == len(m.registrations), "two resources share a name"
    return out


def children(m: RecordingMonitor, parent: Registration) -> set[tuple[str, str]]:
    return {(r.type, r.name) for r in m.registrations if r.parent == parent.urn}


def schema_tenant_children(slug: str) -> set[tuple[str, str]]:
    return {
        (ROLE, f"{slug}-owner"),
        (SCHEMA, f"{slug}-schema"),
        (MIGRATIONS, f"{slug}-migrations"),
        (REGISTRY, f"{slug}-registry"),
        (RADIUS, f"{slug}-radius"),
    }


def shared_tenant_children(slug: str) -> set[tuple[str, str]]:
    return {(REGISTRY, f"{slug}-registry"), (RADIUS, f"{slug}-radius")}


def all_values(value: Any) -> list[str]:
    """Every string in a (possibly nested) input, secrets left wrapped so they are skipped."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_values(v)]
    return [value] if isinstance(value, str) else []


def spec_secrets(cfg: dict[str, Any]) -> set[str]:
    found = {cfg["hotspot:dbAdminPassword"], cfg["hotspot:platform"]["radius"]["login_password"]}
    for t in cfg["hotspot:tenants"]:
        found |= {r["radius_secret"] for r in t.get("routers", [])}
        found |= {r["api"]["password"] for r in t.get("routers", []) if r.get("api")}
        found |= {u["password"] for u in t.get("users", [])}
    return found


# ------------------------------------------------------------------ the dev stack


def test_dev_stack_declares_exactly_the_expected_tree(dev: RecordingMonitor):
    regs = by_name(dev)
    top = {(r.type, r.name) for r in dev.registrations if r.parent.endswith("pulumi:pulumi:Stack::hotspot-tenancy-dev")}
    assert top == {(PLATFORM, "platform"), (TENANT, "alpha"), (TENANT, "bravo"), (TENANT, "charlie-legacy")}
    assert children(dev, regs["platform"]) == {
        (PG_PROVIDER, "platform-postgresql"),
        (ROLE, "platform-radius-role"),
        (SYSTEM_MIGRATIONS, "platform-system-migrations"),
        (INVENTORY, "platform-tenant-inventory"),
    } | platform_external_extras()
    assert children(dev, regs["alpha"]) == schema_tenant_children("alpha")
    assert children(dev, regs["bravo"]) == schema_tenant_children("bravo")
    assert children(dev, regs["charlie-legacy"]) == shared_tenant_children("charlie-legacy")
    assert len(dev.registrations) == 4 + len(children(dev, regs["platform"])) + 5 + 5 + 2


def platform_external_extras() -> set[tuple[str, str]]:
    return {("pulumi-python:dynamic/hotspot:FreeradiusConfig", "platform-freeradius-config")}


def test_every_postgresql_child_uses_the_platform_provider(dev: RecordingMonitor):
    regs = by_name(dev)
    provider_ref = f"{regs['platform-postgresql'].urn}::platform-postgresql-id"
    pg = [r for r in dev.registrations if r.type.startswith("postgresql:")]
    assert len(pg) == 5  # radius role, 2 owner roles, 2 schemas
    assert {r.provider for r in pg} == {provider_ref}


def test_provider_inputs_are_capped_and_the_password_secret(dev: RecordingMonitor):
    p = by_name(dev)["platform-postgresql"].inputs
    assert p["host"] == "127.0.0.1" and p["database"] == "hotspot" and p["username"] == "postgres"
    assert p["superuser"] in (True, "true")
    assert int(p["maxConnections"]) <= 4
    assert p["sslmode"] == "prefer"
    assert is_secret(p["password"]) and reveal(p["password"]) == ADMIN


def test_schema_is_protected_never_adopted_never_cascaded(dev: RecordingMonitor):
    regs = by_name(dev)
    for slug, schema in (("alpha", "tenant_alpha"), ("bravo", "tenant_bravo")):
        s = regs[f"{slug}-schema"]
        assert s.protect is True
        assert s.inputs["name"] == schema
        assert s.inputs["owner"] == f"{schema}_owner"
        assert s.inputs["ifNotExists"] is False
        assert s.inputs["dropCascade"] is False
        assert regs[f"{slug}-owner"].urn in s.dependencies
        role = regs[f"{slug}-owner"]
        assert role.inputs["name"] == f"{schema}_owner"
        assert role.inputs["login"] is False
        assert "password" not in role.inputs
    unprotected = {r.name for r in dev.registrations if not r.protect}
    assert unprotected == {r.name for r in dev.registrations} - {"alpha-schema", "bravo-schema"}


def test_radius_role_logs_in_with_a_secret_password(dev: RecordingMonitor):
    role = by_name(dev)["platform-radius-role"].inputs
    assert role["name"] == "freeradius" and role["login"] is True
    assert is_secret(role["password"])
    assert reveal(role["password"]) == DEV["hotspot:platform"]["radius"]["login_password"]


def test_dependencies_order_schema_migrations_registry_radius(dev: RecordingMonitor):
    regs = by_name(dev)
    system = regs["platform-system-migrations"].urn
    radius_role = regs["platform-radius-role"].urn
    assert radius_role in regs["platform-system-migrations"].dependencies
    for slug in ("alpha", "bravo"):
        mig = regs[f"{slug}-migrations"]
        assert {regs[f"{slug}-schema"].urn, system, radius_role} <= set(mig.dependencies)
        assert mig.urn in regs[f"{slug}-registry"].dependencies
        assert {mig.urn, regs[f"{slug}-registry"].urn} <= set(regs[f"{slug}-radius"].dependencies)
    shared = "charlie-legacy"
    assert system in regs[f"{shared}-registry"].dependencies
    assert regs[f"{shared}-registry"].urn in regs[f"{shared}-radius"].dependencies


def test_dynamic_resource_inputs(dev: RecordingMonitor):
    regs = by_name(dev)
    mig = regs["alpha-migrations"].inputs
    assert (mig["schema"], mig["kind"], mig["owner_role"], mig["radius_role"], mig["prefix"]) == (
        "tenant_alpha", "tenant", "tenant_alpha_owner", "freeradius", "tenant_",
    )
    from tenant_sql.files import load_migrations

    assert [e.split(":")[0] for e in mig["migrations"]] == [f.name for f in load_migrations("tenant")]
    sysmig = regs["platform-system-migrations"].inputs
    assert (sysmig["schema"], sysmig["kind"], sysmig["hybrid"]) == ("public", "system", True)
    reg = regs["alpha-registry"].inputs
    assert reg["tenant_id"] == "0b7f5a8e-3c2d-4e1f-9a6b-1c2d3e4f5a01" and reg["slug"] == "alpha"
    assert reg["row"]["schema_name"] == "tenant_alpha"
    # A shared tenant has no schema of its own: schema_name stays NULL (it is UNIQUE).
    # (Pulumi drops null members of a map.)
    assert regs["charlie-legacy-registry"].inputs["row"].get("schema_name") is None
    rad = regs["alpha-radius"].inputs
    assert rad["schema"] == "tenant_alpha"
    assert [u["username"] for u in rad["users"]] == ["alice", "+254712345678", "alpha-admin"]
    assert [p["name"] for p in rad["packages"]] == ["hour-1", "day-1"]
    assert regs["charlie-legacy-radius"].inputs["schema"] == "public"
    # The password change detector is a secret, and kept secret in the outputs too.
    assert is_secret(rad["credentials_digest"])
    assert "credentials_digest" in regs["alpha-radius"].additional_secret_outputs


def test_external_runtime_delivers_the_freeradius_config_with_a_secret_fingerprint(dev: RecordingMonitor):
    regs = by_name(dev)
    fr = regs["platform-freeradius-config"]
    assert fr.inputs["live_dir"] == "/etc/freeradius/3.0"
    assert is_secret(fr.inputs["fingerprint"]) and "fingerprint" in fr.additional_secret_outputs
    assert regs["platform-system-migrations"].urn in fr.dependencies


def test_external_runtime_without_delivery_declares_no_freeradius_config():
    cfg = dev_config()
    cfg["hotspot:platform"]["radius"] = {**cfg["hotspot:platform"]["radius"], "deliver": False}
    names = {r.name for r in run(cfg).registrations}
    assert "platform-freeradius-config" not in names
    assert "platform-system-migrations" in names


def test_tenant_inventory_lists_every_tenant_and_its_schema(dev: RecordingMonitor):
    inv = by_name(dev)["platform-tenant-inventory"].inputs
    assert inv["tenants"] == {"alpha": "tenant_alpha", "bravo": "tenant_bravo", "charlie-legacy": "public"}


def test_no_secret_value_appears_outside_a_secret(dev: RecordingMonitor):
    secrets = spec_secrets(dev_config())
    for r in dev.registrations:
        leaked = secrets & set(all_values(r.inputs))
        assert not leaked, f"{r.name} carries a secret in plain text"
    for urn, outs in dev.outputs.items():
        leaked = secrets & set(all_values(outs))
        assert not leaked, f"outputs of {urn} carry a secret in plain text"


def test_dynamic_providers_are_pickled_without_credentials(dev: RecordingMonitor):
    import base64

    import dill

    for r in dev.registrations:
        if r.type.startswith("pulumi-python:dynamic"):
            blob = r.inputs["__provider"]
            assert not is_secret(blob), "the provider holds nothing secret, so it need not be one"
            provider = dill.loads(base64.b64decode(blob))
            assert provider._settings is None and provider.base_dir.endswith("stacks")
            text = base64.b64decode(blob)
            assert not any(s.encode() in text for s in spec_secrets(dev_config()))


def test_tenant_outputs(dev: RecordingMonitor):
    regs = by_name(dev)
    outs = dev.outputs[regs["alpha"].urn]
    assert outs["schemaName"] == "tenant_alpha"
    assert outs["roles"] == {"owner": "tenant_alpha_owner", "radius": "freeradius"}
    assert [r["name"] for r in outs["routers"]] == ["alpha-r1", "alpha-r2"]
    assert is_secret(outs["routerSecrets"])
    assert reveal(outs["routerSecrets"]) == {
        "alpha-r1": {"radiusSecret": "dev-alpha-r1-Secret-5d8e2f", "apiUsername": "hotspot-api",
                     "apiPassword": "dev-Alpha-R1-api-91b2"},
        "alpha-r2": {"radiusSecret": "dev-alpha-r2-Secret-a41c07"},
    }
    shared = dev.outputs[regs["charlie-legacy"].urn]
    assert shared["schemaName"] == "public" and shared["shared"] is True
    assert shared["roles"].get("owner") is None  # Pulumi drops null members of a map


# ------------------------------------------------------------------ stops before declaring


def test_invalid_spec_stops_before_any_resource_with_every_issue():
    cfg = dev_config()
    cfg["hotspot:tenants"][0]["slug"] = "Bad Slug"
    cfg["hotspot:tenants"][1]["routers"][1]["tunnel_ip"] = "10.100.9.9"
    cfg["hotspot:platform"]["radius"]["login_password"] = "short"
    declared: list[RecordingMonitor] = []
    with pytest.raises(pulumi.RunError) as e:
        declared.append(run(cfg))
    text = str(e.value)
    assert "nothing was declared" in text
    assert "tenants[0].slug" in text
    assert "tenants[1].routers[1].tunnel_ip" in text
    assert "platform.radius.login_password" in text


def _registrations_of_failed_run(cfg: dict[str, Any]) -> tuple[list[Registration], str]:
    monitor_box: list[RecordingMonitor] = []
    original = RecordingMonitor.__init__

    def capture(self: RecordingMonitor) -> None:
        original(self)
        monitor_box.append(self)

    RecordingMonitor.__init__ = capture  # type: ignore[method-assign]
    try:
        with pytest.raises(pulumi.RunError) as e:
            run(cfg)
    finally:
        RecordingMonitor.__init__ = original  # type: ignore[method-assign]
    return monitor_box[0].registrations, str(e.value)


def test_invalid_spec_registers_nothing():
    cfg = dev_config()
    cfg["hotspot:tenants"][2]["isolation"] = "bogus"
    regs, text = _registrations_of_failed_run(cfg)
    assert regs == []
    assert "tenants[2].isolation" in text


def test_decommission_is_refused_by_name_and_nothing_is_declared():
    cfg = dev_config()
    cfg["hotspot:tenants"][1]["decommission"] = True
    regs, text = _registrations_of_failed_run(cfg)
    assert regs == []
    assert "'bravo'" in text and "tenant_bravo" in text
    assert "not yet supported" in text and "nothing is dropped" in text


def test_missing_admin_password_stops_the_program():
    cfg = dev_config()
    del cfg["hotspot:dbAdminPassword"]
    regs, text = _registrations_of_failed_run(cfg)
    assert regs == []
    assert "hotspot:dbAdminPassword" in text


# ------------------------------------------------------------------ generated stacks


@pytest.mark.parametrize("tenants,shared_every", [(1, 0), (12, 4), (40, 0)])
def test_generated_stacks_have_five_children_per_schema_tenant_and_two_per_shared(tenants, shared_every):
    cfg = bench.generate_config(tenants, routers=3, shared_every=shared_every)
    m = run(cfg, stack="gen")
    regs = by_name(m)
    shared = {t["slug"] for t in cfg["hotspot:tenants"] if t["isolation"] == "shared"}
    assert len(shared) == (tenants // shared_every if shared_every else 0)
    for t in cfg["hotspot:tenants"]:
        slug = t["slug"]
        want = shared_tenant_children(slug) if slug in shared else schema_tenant_children(slug)
        assert children(m, regs[slug]) == want
    platform = len(children(m, regs["platform"])) + 1
    assert len(m.registrations) == platform + tenants + 5 * (tenants - len(shared)) + 2 * len(shared)
    # Physical names come from the naming module: schema = prefix + slug, owner = schema + _owner.
    for t in cfg["hotspot:tenants"]:
        if t["slug"] not in shared:
            assert regs[f"{t['slug']}-schema"].inputs["name"] == f"tenant_{t['slug']}"


def test_child_names_do_not_depend_on_tenant_order():
    cfg = bench.generate_config(6, routers=1)
    first = {(r.type, r.name, r.inputs.get("name")) for r in run(cfg, stack="gen").registrations}
    cfg["hotspot:tenants"].reverse()
    second = {(r.type, r.name, r.inputs.get("name")) for r in run(cfg, stack="gen").registrations}
    assert first == second


def test_a_custom_prefix_reaches_every_physical_name():
    cfg = dev_config(tenant_schema_prefix="hs_")
    m = run(cfg)
    regs = by_name(m)
    assert regs["alpha-schema"].inputs["name"] == "hs_alpha"
    assert regs["alpha-owner"].inputs["name"] == "hs_alpha_owner"
    assert regs["alpha-migrations"].inputs["prefix"] == "hs_"
    # Pulumi names are the slug's, not the schema's: changing the prefix renames no child.
    assert children(m, regs["alpha"]) == schema_tenant_children("alpha")


# ------------------------------------------------------------------ docker runtime


@pytest.fixture(scope="module")
def local() -> RecordingMonitor:
    cfg = {k: copy.deepcopy(v) for k, v in LOCAL.items()}
    cfg.setdefault("hotspot:dbAdminPassword", ADMIN)
    return run(cfg, stack="local")


def test_docker_runtime_declares_a_local_platform(local: RecordingMonitor):
    regs = by_name(local)
    kids = children(local, regs["platform"])
    assert {
        ("docker:index/network:Network", "platform-network"),
        ("docker:index/volume:Volume", "platform-pgdata"),
        ("docker:index/remoteImage:RemoteImage", "platform-postgres-image"),
        ("docker:index/container:Container", "platform-postgres"),
        (PG_PROVIDER, "platform-postgresql"),
        (ROLE, "platform-radius-role"),
        (SYSTEM_MIGRATIONS, "platform-system-migrations"),
    } <= kids
    pg = regs["platform-postgres"].inputs
    assert pg["healthcheck"]["tests"][0] == "CMD-SHELL" and "pg_isready" in pg["healthcheck"]["tests"][1]
    assert pg["wait"] is True
    assert pg["ports"] == [{"internal": 5432, "external": LOCAL["hotspot:platform"]["docker"]["postgres_host_port"], "ip": "127.0.0.1"}]
    assert is_secret(pg["envs"]) or any(is_secret(e) for e in pg["envs"])
    # Sized for the stack's tenant schemas (a capacity of 256): files and buffers for each.
    assert pg["command"] == ["postgres", "-c", "max_files_per_process=11240", "-c", "shared_buffers=256MB"]
    assert pg["ulimits"] == [{"name": "nofile", "soft": 12240, "hard": 12240}]
    provider = regs["platform-postgresql"]
    assert regs["platform-postgres"].urn in provider.dependencies
    assert provider.inputs["host"] == "127.0.0.1"
    assert int(provider.inputs["port"]) == LOCAL["hotspot:platform"]["docker"]["postgres_host_port"]


def test_docker_freeradius_container_carries_the_rendered_config_as_secrets(local: RecordingMonitor):
    regs = by_name(local)
    if "platform-freeradius" not in regs:
        pytest.skip("freeradius/render.py is not in this checkout")
    fr = regs["platform-freeradius"]
    assert regs["platform-system-migrations"].urn in fr.dependencies
    uploads = fr.inputs["uploads"]
    uploads = reveal(uploads) if is_secret(uploads) else uploads
    files = {u["file"] for u in uploads}
    assert "/opt/hotspot/raddb/mods-available/sql" in files
    assert "/opt/hotspot/raddb/mods-enabled/sql" in files  # enabled as a copy (uploads make no links)
    assert "/opt/hotspot/raddb/sites-enabled/hotspot" in files
    # The contents hold the router secrets and the database password: the uploads are secret.
    assert is_secret(fr.inputs["uploads"]) or all(is_secret(u["content"]) for u in fr.inputs["uploads"])
    secrets = spec_secrets({**LOCAL, "hotspot:dbAdminPassword": ADMIN})
    assert not secrets & set(all_values(fr.inputs))


def test_local_stack_is_the_documented_default():
    platform = LOCAL["hotspot:platform"]
    assert platform["runtime"] == "docker"
    assert json.loads(json.dumps(platform))["database"]["host"] == "127.0.0.1"


def test_config_keys_marked_secret_still_build_the_same_tree():
    """`pulumi config set --secret --path hotspot:platform.radius.login_password` marks the whole
    key secret; the program still reads it (decrypted) and declares the same tree."""
    cfg = dev_config()
    plain = run(cfg)
    secret = run_program(
        program.run, config=cfg, stack="dev",
        secret_keys=("hotspot:dbAdminPassword", "hotspot:platform", "hotspot:tenants"),
    )
    assert {(r.type, r.name) for r in secret.registrations} == {(r.type, r.name) for r in plain.registrations}
    role = by_name(secret)["platform-radius-role"].inputs
    assert is_secret(role["password"])
