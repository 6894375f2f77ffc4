"""provision_stack and render_sql against a real PostgreSQL: the dev stack twice (the second run
writes nothing), the rendered SQL through the real psql gives the same catalog, registry rows,
the FreeRADIUS role's password, isolation between tenants, one tenant's failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql

from components.errors import HotspotError
from components.spec import StackSpec, build_spec, load_stack
from tenant_sql import registry
from tenant_sql.devcluster import Cluster
from tenant_sql.migrator import Target, inspect_schema
from tenant_sql.provision import provision_stack, render_sql, scram_verifier, verifier_matches
from tests.sql_fixtures import CountingConnection, catalog_snapshot, tenant_schemas

ROOT = Path(__file__).resolve().parent.parent
DEV_STACK = ROOT / "stacks" / "Pulumi.dev.yaml"
WRITE_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|GRANT|REVOKE|DO|TRUNCATE|COMMENT|SET LOCAL ROLE)\b",
                      re.I | re.M)


def _raw() -> dict[str, Any]:
    return yaml.safe_load(DEV_STACK.read_text())["config"]


def _spec(mutate: Any = None) -> StackSpec:
    config = _raw()
    if mutate is not None:
        mutate(config)
    return build_spec("dev", config["hotspot:platform"], config["hotspot:tenants"], DEV_STACK.parent)


@pytest.fixture(scope="module")
def dev_spec() -> StackSpec:
    return load_stack(DEV_STACK)


def _password(spec: StackSpec) -> str:
    return spec.platform.radius.login_password.get_secret_value()


def _schemas(conn: psycopg.Connection) -> list[str]:
    return ["public", *tenant_schemas(conn)]


def _registry(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT id::text, name, slug, email, is_active, schema_name, schema_created, schema_created_at IS NOT NULL,"
        " subdomain, settings::text FROM public.tenants ORDER BY slug"
    ).fetchall()


def _roles(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1"
    ).fetchall()


# ---------------------------------------------------------------- the dev stack, twice


def test_dev_stack_twice_second_run_changes_nothing(pg_db: str, dev_spec: StackSpec) -> None:
    lines: list[str] = []
    first = provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), progress=lines.append)
    assert first.ok and first.changed
    assert set(first.created_roles) == {"freeradius", "tenant_alpha_owner", "tenant_bravo_owner"}
    assert first.tenants.applied.keys() == {"tenant_alpha", "tenant_bravo"}
    assert set(first.registry_changed) == {"alpha", "bravo", "charlie-legacy"}
    assert "[2/2 (100%) tenant_bravo] applied 0001_radius.sql" in lines
    with psycopg.connect(pg_db, autocommit=True) as conn:
        before = catalog_snapshot(conn, _schemas(conn))
        registry_before = _registry(conn)
        roles_before = _roles(conn)
        for t in dev_spec.tenants:
            if not t.shared:  # every table of tenant_sql/tables.py, the policy grants, nothing else
                state = inspect_schema(conn, Target(t.schema_name, "tenant"), radius_role="freeradius")
                assert state.exists and not state.drifted, (t.slug, state)

    # The second run goes through a connection that records every statement: only reads and locks.
    with CountingConnection.connect(pg_db, autocommit=True) as conn:
        second = provision_stack(conn, dev_spec, radius_password=_password(dev_spec))
        writes = [s for s in conn.statements if WRITE_RE.search(s) and "FOR UPDATE" not in s]
        assert len(conn.statements) >= 6, conn.statements  # it did look: roles, ledger, plan, registry, data
    assert writes == []
    assert second.ok and not second.changed
    assert second.summary() == "no change: platform and 2 tenant schema(s) up to date"
    assert second.tenants.up_to_date == ["tenant_alpha", "tenant_bravo"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert catalog_snapshot(conn, _schemas(conn)) == before
        assert _registry(conn) == registry_before
        assert _roles(conn) == roles_before


def test_registry_rows(pg_db: str, dev_spec: StackSpec) -> None:
    provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), radius_data=False)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        rows = {r[2]: r for r in _registry(conn)}
        assert rows["alpha"][3:] == ("ops@alpha.example", True, "tenant_alpha", True, True, "alpha", "{}")
        assert rows["bravo"][3] == "bravo@tenants.invalid"  # NOT NULL UNIQUE in the application
        # A shared tenant keeps schema_name NULL (it is UNIQUE) and schema_created false.
        assert rows["charlie-legacy"][5:8] == (None, False, False)
        live = registry.read_row(conn, dev_spec.tenant("alpha").spec.id)
        assert live is not None and registry.normalise(live) == registry.desired_row(dev_spec.tenant("alpha"))
        created_at = live["schema_created_at"]

        def rename(config: dict[str, Any]) -> None:
            config["hotspot:tenants"][0]["name"] = "Alpha Cafe (renamed)"
            config["hotspot:tenants"][0]["active"] = False

        renamed = _spec(rename)
        assert registry.converge(conn, renamed.tenant("alpha")) is True
        assert registry.converge(conn, renamed.tenant("alpha")) is False  # no-op writes nothing
        live = registry.read_row(conn, renamed.tenant("alpha").spec.id)
        assert live is not None
        assert (live["name"], live["is_active"], live["schema_created_at"]) == ("Alpha Cafe (renamed)", False, created_at)
        report = provision_stack(conn, dev_spec, radius_password=_password(dev_spec), radius_data=False)
        assert report.registry_changed == ["alpha"] and not report.tenants.changed
        # The application's own columns are left alone.
        conn.execute("UPDATE public.tenants SET subscription_status = 'paid', settings = '{\"x\": 1}' WHERE slug = 'bravo'")
        assert provision_stack(conn, dev_spec, radius_password=_password(dev_spec), radius_data=False).changed is False
        row = conn.execute("SELECT subscription_status, settings::text FROM public.tenants WHERE slug = 'bravo'").fetchone()
        assert row == ("paid", '{"x": 1}')


def test_registry_conflict_names_the_tenant(pg_db: str, dev_spec: StackSpec) -> None:
    provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), radius_data=False)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("INSERT INTO public.tenants (name, slug, email) VALUES ('App made', 'app-made', 'ops@delta.example')")

        def add(config: dict[str, Any]) -> None:
            config["hotspot:tenants"].append({
                "slug": "delta", "name": "Delta", "id": "0b7f5a8e-3c2d-4e1f-9a6b-1c2d3e4f5a04",
                "email": "ops@delta.example", "tunnel_prefix": "10.100.4.0/24",
            })

        spec = _spec(add)
        with pytest.raises(registry.RegistryConflict, match=r"tenants\[3\].*delta.*tenants_email_unique"):
            registry.converge(conn, spec.tenant("delta"))


# ---------------------------------------------------------------- the FreeRADIUS role


def test_scram_verifier_is_what_postgres_accepts(pg_cluster: Cluster, pg_db: str) -> None:
    v = scram_verifier("s3cret-Pass-word!")
    assert verifier_matches(v, "s3cret-Pass-word!") is True
    assert verifier_matches(v, "s3cret-Pass-word?") is False
    assert verifier_matches("md5abc", "x") is None
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE v_test LOGIN PASSWORD {}").format(sql.Literal(v)))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'v_test'").fetchone()
        assert stored == (v,)  # PostgreSQL keeps a verifier as given: the password never reached it
    dbname = psycopg.conninfo.conninfo_to_dict(pg_db)["dbname"]
    with psycopg.connect(pg_cluster.conninfo(str(dbname), "v_test", "s3cret-Pass-word!")) as c:
        assert c.execute("SELECT current_user").fetchone() == ("v_test",)


def test_radius_password_converges(pg_cluster: Cluster, pg_db: str, dev_spec: StackSpec) -> None:
    dbname = str(psycopg.conninfo.conninfo_to_dict(pg_db)["dbname"])
    provision_stack(pg_db, dev_spec, radius_password="first-Password-123", radius_data=False)
    with psycopg.connect(pg_cluster.conninfo(dbname, "freeradius", "first-Password-123")):
        pass
    again = provision_stack(pg_db, dev_spec, radius_password="first-Password-123", radius_data=False)
    assert not again.password_set and not again.changed
    rotated = provision_stack(pg_db, dev_spec, radius_password="second-Password-456", radius_data=False)
    assert rotated.password_set and rotated.changed and not rotated.tenants.changed
    with psycopg.connect(pg_cluster.conninfo(dbname, "freeradius", "second-Password-456")):
        pass
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_cluster.conninfo(dbname, "freeradius", "first-Password-123")).close()


def test_tenants_cannot_reach_each_other(pg_db: str, dev_spec: StackSpec) -> None:
    provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), radius_data=False)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for role, table, ok in [
            ("tenant_alpha_owner", "tenant_alpha.routers", True),
            ("tenant_alpha_owner", "tenant_bravo.routers", False),
            ("tenant_bravo_owner", "tenant_alpha.radcheck", False),
            ("freeradius", "tenant_alpha.radcheck", True),
            ("freeradius", "tenant_bravo.radgroupreply", True),
            ("freeradius", "tenant_alpha.routers", False),
            ("freeradius", "tenant_bravo.payments", False),
        ]:
            with conn.transaction():
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
                if ok:
                    conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*table.split("."))))
                else:
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        with conn.transaction():
                            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*table.split("."))))


# ---------------------------------------------------------------- one tenant fails


def test_one_failing_tenant_does_not_stop_the_others(pg_db: str, dev_spec: StackSpec) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA tenant_alpha")  # owned by the admin, not by tenant_alpha_owner
    with pytest.raises(HotspotError, match="tenant_alpha.*not owned by tenant_alpha_owner"):
        provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec))
    report = provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), check=False)
    assert set(report.tenants.failed) == {"tenant_alpha"} and not report.ok
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_alpha'").fetchone() == (0,)
        assert conn.execute("SELECT slug FROM public.tenants ORDER BY slug").fetchall() == [("bravo",), ("charlie-legacy",)]
        # bravo got its RADIUS data; alpha's was not attempted
        assert conn.execute("SELECT count(*) FROM tenant_bravo.radcheck").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM public.radius_user_schema_mapping WHERE schema_name = 'tenant_alpha'").fetchone() == (0,)


def test_concurrent_provisioners_converge(pg_db: str, dev_spec: StackSpec) -> None:
    errors: list[BaseException] = []
    reports: list[Any] = []

    def run() -> None:
        try:
            reports.append(provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), lock_timeout="60s"))
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    applied = [s for r in reports for s in r.tenants.applied]
    assert sorted(applied) == ["tenant_alpha", "tenant_bravo"]  # each schema migrated exactly once
    assert not provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec)).changed


# ---------------------------------------------------------------- render_sql through the real psql


def _psql() -> str:
    for cand in ("/usr/lib/postgresql/15/bin/psql", shutil.which("psql")):
        if cand and os.path.exists(cand):
            return cand
    raise RuntimeError("psql not found")


def _apply_with_psql(cluster: Cluster, dbname: str, path: Path) -> None:
    env = {**os.environ, "PGPASSWORD": cluster.admin_password}
    conninfo = cluster.conninfo(dbname).replace(f" password={cluster.admin_password}", "")
    proc = subprocess.run(
        [_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), conninfo],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, f"{path.name}: {proc.stderr}"


def test_rendered_sql_through_psql_gives_the_same_catalog(
    pg_cluster: Cluster, pg_db: str, dev_spec: StackSpec, tmp_path: Path
) -> None:
    provision_stack(pg_db, dev_spec, radius_password=_password(dev_spec), radius_data=False)
    rendered = render_sql(dev_spec, radius_password=_password(dev_spec))
    assert list(rendered) == ["platform.sql", "alpha.sql", "bravo.sql", "charlie-legacy.sql"]
    assert _password(dev_spec) not in "".join(rendered.values())  # only a SCRAM verifier
    for name, text in rendered.items():
        (tmp_path / name).write_text(text)
    other = "render_" + str(psycopg.conninfo.conninfo_to_dict(pg_db)["dbname"])
    pg_cluster.create_database(other)
    try:
        for _ in range(2):  # the files are idempotent: applying them again still succeeds
            for name in rendered:
                _apply_with_psql(pg_cluster, other, tmp_path / name)
        with psycopg.connect(pg_db) as a, psycopg.connect(pg_cluster.conninfo(other)) as b:
            assert _schemas(a) == _schemas(b) == ["public", "tenant_alpha", "tenant_bravo"]
            assert catalog_snapshot(a, _schemas(a)) == catalog_snapshot(b, _schemas(b))
            assert _registry(a) == _registry(b)
        # The database the rendered files built is up to date for the migrator too.
        again = provision_stack(pg_cluster.conninfo(other), dev_spec, radius_password=_password(dev_spec), radius_data=False)
        assert not again.tenants.changed and not again.system.changed and not again.registry_changed
    finally:
        with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(other)))
