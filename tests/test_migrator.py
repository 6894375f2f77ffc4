"""The migrator against a real PostgreSQL: ordering, checksums, one transaction per schema,
per-schema advisory lock, one-query plan, dry run, replay, drift read."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg import sql

from components.errors import (
    ChecksumMismatch,
    HotspotError,
    MigrationError,
    MigrationLockTimeout,
    NamingError,
)
from tenant_sql.files import load_migrations, split_statements
from tenant_sql.migrator import (
    SYSTEM_TARGET,
    Target,
    ensure_ledger,
    inspect_schema,
    migrate,
    plan_all,
    schema_statements,
)
from tests.sql_fixtures import TENANT_TABLES, CountingConnection, catalog_snapshot, write_tree

RADIUS = "test_radius"


def _files(dirs: dict[str, Path]):
    return {"system": load_migrations("system", dirs["system"]), "tenant": load_migrations("tenant", dirs["tenant"])}


def _make_tenants(conn: psycopg.Connection, slugs: list[str]) -> list[Target]:
    targets = []
    for slug in slugs:
        t = Target(f"tenant_{slug}", "tenant")
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(t.owner)))
        conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(t.schema), sql.Identifier(t.owner)))
        targets.append(t)
    return targets


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    return write_tree(tmp_path / "migrations")


@pytest.fixture
def setup(pg_conn: psycopg.Connection, tree: dict[str, Path]):
    """System migrated, RADIUS role present, tenants a, b, c created but not migrated."""
    pg_conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(RADIUS)))
    files = _files(tree)
    rep = migrate(pg_conn, [SYSTEM_TARGET], radius_role=RADIUS, files=files)
    assert rep.ok, rep.failed
    return files, _make_tenants(pg_conn, ["a", "b", "c"])


# ---------------------------------------------------------------- files


def test_files_are_ordered_and_checksummed(tree: dict[str, Path]) -> None:
    (tree["tenant"] / "0010_later.sql").write_text("SELECT 1;\n")
    (tree["tenant"] / "README.md").write_text("not a migration")
    files = load_migrations("tenant", tree["tenant"])
    assert [f.version for f in files] == [1, 2, 10]
    assert [f.name for f in files] == ["0001_radius.sql", "0002_app.sql", "0010_later.sql"]
    import hashlib

    assert files[2].checksum == hashlib.sha256(b"SELECT 1;\n").hexdigest()


@pytest.mark.parametrize(
    ("name", "body", "fragment"),
    [
        ("0001_dup.sql", "SELECT 1;", "version 0001 is also used by"),
        ("1_short.sql", "SELECT 1;", "NNNN_name.sql"),
        ("0003_Upper.sql", "SELECT 1;", "NNNN_name.sql"),
        ("0003_tx.sql", "CREATE TABLE x (a int);\nCOMMIT;\n", "line 2: transaction control (COMMIT)"),
        ("0003_begin.sql", "begin;\nSELECT 1;", "transaction control"),
        ("0000_zero.sql", "SELECT 1;", "reserved"),
    ],
)
def test_bad_files_are_refused_naming_the_file(tree: dict[str, Path], name: str, body: str, fragment: str) -> None:
    (tree["tenant"] / name).write_text(body)
    with pytest.raises(HotspotError) as e:
        load_migrations("tenant", tree["tenant"])
    assert name in str(e.value) and fragment in str(e.value)


def test_dollar_quoted_bodies_are_not_transaction_control(tree: dict[str, Path]) -> None:
    (tree["tenant"] / "0003_fn.sql").write_text(
        "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  PERFORM 1;\nEND;\n$fn$;\n"
    )
    assert load_migrations("tenant", tree["tenant"])[-1].name == "0003_fn.sql"


def test_split_statements_honours_quotes_and_comments() -> None:
    text = "-- a; b\nCREATE TABLE t (x text DEFAULT 'a;''b');\n/* c; */ SELECT $q$;$q$, E'\\';', \"x;y\";\nSELECT 2"
    got = split_statements(text)
    assert [s.text for s in got] == [
        "CREATE TABLE t (x text DEFAULT 'a;''b')",
        "SELECT $q$;$q$, E'\\';', \"x;y\"",
        "SELECT 2",
    ]
    assert [s.line for s in got] == [2, 3, 4]


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize("schema", ["public", "pg_catalog", "tenant_", "Tenant_a", "tenant_a;drop", "other_a", "t" * 64])
def test_tenant_targets_are_validated(schema: str) -> None:
    with pytest.raises(NamingError):
        Target(schema, "tenant")


def test_system_target_is_public_only() -> None:
    with pytest.raises(HotspotError):
        Target("tenant_a", "system")
    assert Target("tenant_a", "tenant").owner_role == "tenant_a_owner"
    assert Target("acme_x", "tenant", prefix="acme_").schema == "acme_x"


# ---------------------------------------------------------------- apply, re-run


def test_migrate_applies_then_changes_nothing(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    lines: list[str] = []
    rep = migrate(pg_conn, targets, radius_role=RADIUS, files=files, progress=lines.append)
    assert rep.ok and rep.applied == {t.schema: ["0001_radius.sql", "0002_app.sql"] for t in targets}
    assert "[1/3 (33%) tenant_a] applied 0001_radius.sql" in lines
    assert "[3/3 (100%) tenant_c] applied 0002_app.sql" in lines
    for t in targets:
        tables = {r[0] for r in pg_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [t.schema])}
        assert tables == TENANT_TABLES
        owners = {r[0] for r in pg_conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = %s", [t.schema])}
        assert owners == {t.owner}  # the files ran as the tenant's owner role
    # ... in no other schema
    assert pg_conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'radcheck'").fetchone() == (0,)

    before = catalog_snapshot(pg_conn, ["public"] + [t.schema for t in targets])
    lines.clear()
    again = migrate(pg_conn, [SYSTEM_TARGET, *targets], radius_role=RADIUS, files=files, progress=lines.append)
    assert again.ok and not again.changed and again.applied == {}
    assert again.up_to_date == ["public", "tenant_a", "tenant_b", "tenant_c"]
    assert again.summary() == "nothing to do: 4 schema(s) up to date"
    assert lines[0] == "[1/4 (25%) public] up to date"
    assert catalog_snapshot(pg_conn, ["public"] + [t.schema for t in targets]) == before


def test_new_file_is_applied_alone(pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    (tree["tenant"] / "0003_more.sql").write_text("ALTER TABLE routers ADD COLUMN IF NOT EXISTS model text;\n")
    rep = migrate(pg_conn, targets, radius_role=RADIUS, files=_files(tree))
    assert rep.applied == {t.schema: ["0003_more.sql"] for t in targets}
    row = pg_conn.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'routers' AND column_name = 'model'"
    ).fetchone()
    assert row == (3,)


def test_policy_grants_are_applied(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    state = inspect_schema(pg_conn, targets[0], radius_role=RADIUS, expected=TENANT_TABLES)
    assert state.exists and not state.drifted, state
    assert set(state.applied) == {1, 2}
    can = pg_conn.execute(
        "SELECT has_table_privilege(%s, 'tenant_a.radcheck', 'SELECT'), has_table_privilege(%s, 'tenant_a.radcheck', 'INSERT'),"
        " has_table_privilege(%s, 'tenant_a.routers', 'SELECT'), has_table_privilege(%s, 'tenant_a.radacct', 'INSERT')",
        [RADIUS] * 4,
    ).fetchone()
    assert can == (True, False, False, True)


def test_first_migrations_skip_schema_wide_revokes_only_on_an_empty_schema(
    pg_conn: psycopg.Connection, setup
) -> None:
    """An empty schema with nothing in the ledger gets no REVOKE ALL ON ALL TABLES (each scans
    pg_class); a schema adopted with objects in it (here a table granted to PUBLIC and to the RADIUS
    role) still gets them, and both end with the same grants."""
    files, targets = setup
    a, b = targets[0], targets[1]
    pg_conn.execute("CREATE TABLE tenant_b.radcheck (id serial PRIMARY KEY, username text NOT NULL DEFAULT '',"
                    " attribute text NOT NULL DEFAULT '', op varchar(2) NOT NULL DEFAULT '==',"
                    " value text NOT NULL DEFAULT '')")
    pg_conn.execute("ALTER TABLE tenant_b.radcheck OWNER TO tenant_b_owner")
    pg_conn.execute(sql.SQL("GRANT ALL ON tenant_b.radcheck TO PUBLIC, {}").format(sql.Identifier(RADIUS)))
    counting = CountingConnection.connect(pg_conn.info.dsn, password=pg_conn.info.password, autocommit=True)
    try:
        rep = migrate(counting, [a, b], radius_role=RADIUS, files=files)
        assert rep.ok, rep.failed
        sent = "\n".join(counting.statements)
    finally:
        counting.close()
    assert sent.count("REVOKE ALL ON ALL TABLES IN SCHEMA \"tenant_a\"") == 0
    assert sent.count("REVOKE ALL ON ALL TABLES IN SCHEMA \"tenant_b\"") == 2  # PUBLIC and the RADIUS role
    for t in (a, b):
        assert not inspect_schema(pg_conn, t, radius_role=RADIUS, expected=TENANT_TABLES).drifted, t.schema
    assert pg_conn.execute("SELECT has_table_privilege('public', 'tenant_b.radcheck', 'SELECT')").fetchone() == (False,)
    # Effective ACLs (a never-granted relation has a NULL relacl, meaning the default: owner only).
    acl = ("SELECT c.relname, coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\","
           " c.relowner))::text FROM pg_class c WHERE c.relnamespace = %s::regnamespace ORDER BY 1")
    acls = {x: [(n, a.replace(x, "X")) for n, a in pg_conn.execute(acl, [x])] for x in ("tenant_a", "tenant_b")}
    assert acls["tenant_a"] == acls["tenant_b"]


def test_a_database_error_in_a_schema_transaction_is_a_migration_error(pg_conn: psycopg.Connection, setup) -> None:
    """Even an error raised at COMMIT (a deferred constraint, where no statement is to blame) comes
    back as a MigrationError naming the schema, and the other schemas go on."""
    files, targets = setup
    preamble = [
        sql.SQL("CREATE TEMP TABLE boom (x int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"),
        sql.SQL("INSERT INTO boom VALUES (1), (1)"),
    ]
    rep = migrate(pg_conn, targets[:2], radius_role=RADIUS, files=files, preambles={"tenant_a": preamble})
    err = rep.failed["tenant_a"]
    assert isinstance(err, MigrationError) and err.schema == "tenant_a" and "23505" in err.cause
    assert "tenant_a" in str(err)
    assert set(rep.applied) == {"tenant_b"}
    assert pg_conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_a'").fetchone() == (0,)


# ---------------------------------------------------------------- refusals


def test_changed_checksum_is_refused(pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    path = tree["tenant"] / "0002_app.sql"
    path.write_text(path.read_text() + "\nCREATE TABLE IF NOT EXISTS sneaky (x int);\n")
    (tree["tenant"] / "0003_more.sql").write_text("CREATE TABLE IF NOT EXISTS more (x int);\n")
    before = catalog_snapshot(pg_conn, [t.schema for t in targets])
    rep = migrate(pg_conn, targets, radius_role=RADIUS, files=_files(tree))
    assert not rep.ok and rep.applied == {}
    err = rep.failed["tenant_b"]
    assert isinstance(err, ChecksumMismatch)
    assert err.schema == "tenant_b" and err.file == "0002_app.sql"
    assert "tenant_b" in str(err) and "0002_app.sql" in str(err)
    assert catalog_snapshot(pg_conn, [t.schema for t in targets]) == before  # not even 0003 ran
    with pytest.raises(ChecksumMismatch):
        rep.raise_for_errors()
    plans = plan_all(pg_conn, targets, _files(tree))
    assert [f.name for f, _ in plans["tenant_a"].changed] == ["0002_app.sql"]


def test_applied_version_without_file_is_refused(pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    (tree["tenant"] / "0002_app.sql").unlink()
    rep = migrate(pg_conn, targets[:1], radius_role=RADIUS, files=_files(tree))
    err = rep.failed["tenant_a"]
    assert isinstance(err, ChecksumMismatch) and "0002" in str(err) and "no migration file" in str(err)


def test_migrate_refuses_a_connection_in_a_transaction(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    with pg_conn.transaction():
        with pytest.raises(HotspotError, match="outside a transaction"):
            migrate(pg_conn, targets, radius_role=RADIUS, files=files)


def test_missing_schema_is_reported(pg_conn: psycopg.Connection, setup) -> None:
    files, _ = setup
    rep = migrate(pg_conn, [Target("tenant_nope", "tenant")], radius_role=RADIUS, files=files)
    assert "does not exist" in str(rep.failed["tenant_nope"])


# ---------------------------------------------------------------- failure: exactly as it was


BAD = """
CREATE TABLE IF NOT EXISTS vouchers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), code text NOT NULL);
CREATE INDEX IF NOT EXISTS vouchers_code_index ON vouchers (code);
ALTER TABLE routers ADD COLUMN IF NOT EXISTS serial text;
ALTER TABLE routerz ADD COLUMN location text;
CREATE TABLE IF NOT EXISTS never (x int);
"""


def test_failing_migration_leaves_schema_exactly_as_it_was(pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    (tree["tenant"] / "0003_bad.sql").write_text(BAD)
    before = catalog_snapshot(pg_conn, ["public", "tenant_a"])
    rep = migrate(pg_conn, targets[:1], radius_role=RADIUS, files=_files(tree))
    err = rep.failed["tenant_a"]
    assert type(err) is MigrationError
    assert err.file == "0003_bad.sql"
    assert err.statement == "ALTER TABLE routerz ADD COLUMN location text"
    assert "line 5" in err.cause and 'relation "routerz" does not exist' in err.cause and "42P01" in err.cause
    assert "tenant_a" in str(err) and "0003_bad.sql" in str(err)
    assert catalog_snapshot(pg_conn, ["public", "tenant_a"]) == before


def test_runtime_error_without_position_is_located(pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    """Errors with no cursor position (constraint violations, errors inside DO blocks) are found by
    re-running the statements one by one in a transaction that is rolled back."""
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    (tree["tenant"] / "0003_data.sql").write_text(
        "INSERT INTO nas (nasname) VALUES ('ok');\n"
        "DO $$ BEGIN\n  INSERT INTO nas (nasname) VALUES (NULL);\nEND $$;\n"
        "INSERT INTO nas (nasname) VALUES ('never');\n"
    )
    before = catalog_snapshot(pg_conn, ["tenant_a"])
    rep = migrate(pg_conn, targets[:1], radius_role=RADIUS, files=_files(tree))
    err = rep.failed["tenant_a"]
    assert err.file == "0003_data.sql" and err.statement.startswith("DO $$ BEGIN")
    assert "line 2" in err.cause and "23502" in err.cause
    assert pg_conn.execute("SELECT count(*) FROM tenant_a.nas").fetchone() == (0,)
    assert catalog_snapshot(pg_conn, ["tenant_a"]) == before


def test_one_failing_tenant_does_not_stop_the_others(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    # tenant_b has an object in the way: a routers table without the column the index needs.
    pg_conn.execute("CREATE TABLE tenant_b.routers (id int)")
    rep = migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    assert set(rep.applied) == {"tenant_a", "tenant_c"}
    assert set(rep.failed) == {"tenant_b"} and rep.failed["tenant_b"].file == "0002_app.sql"
    assert rep.failed["tenant_b"].statement == "CREATE INDEX IF NOT EXISTS routers_name_index ON routers (name)"
    assert pg_conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_b'").fetchone() == (1,)
    assert not rep.ok


def test_keep_going_false_stops_at_the_first_failure(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    pg_conn.execute("CREATE TABLE tenant_b.routers (id int)")
    rep = migrate(pg_conn, targets, radius_role=RADIUS, files=files, keep_going=False)
    assert set(rep.applied) == {"tenant_a"} and set(rep.failed) == {"tenant_b"} and rep.skipped == ["tenant_c"]
    assert pg_conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_c'").fetchone() == (0,)


# ---------------------------------------------------------------- concurrency


GATED = "LOCK TABLE public.gate IN ACCESS SHARE MODE;\nCREATE TABLE IF NOT EXISTS gated (x int);\n"


def _waiting_on_advisory(conninfo: str, n: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as c:
        while time.monotonic() < deadline:
            row = c.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()
            if row and row[0] >= n:
                return True
            time.sleep(0.02)
    return False


def test_two_migrators_on_one_schema_serialise(pg_db: str, pg_conn: psycopg.Connection, setup, tree: dict[str, Path]) -> None:
    files, targets = setup
    migrate(pg_conn, targets[:1], radius_role=RADIUS, files=files)
    pg_conn.execute("CREATE TABLE public.gate (x int)")
    pg_conn.execute("GRANT SELECT ON public.gate TO tenant_a_owner")
    (tree["tenant"] / "0003_gated.sql").write_text(GATED)
    files = _files(tree)
    reports: dict[str, object] = {}

    def run(name: str, lock_timeout: str) -> None:
        reports[name] = migrate(pg_db, targets[:1], radius_role=RADIUS, files=files, lock_timeout=lock_timeout)

    with psycopg.connect(pg_db) as gate:  # holds the gate: the first migrator blocks inside its transaction
        gate.execute("LOCK TABLE public.gate IN ACCESS EXCLUSIVE MODE")
        first = threading.Thread(target=run, args=("first", "30s"))
        first.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the first holds the schema lock and waits on the gate
            row = pg_conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted").fetchone()
            if row and row[0]:
                break
            time.sleep(0.02)
        second = threading.Thread(target=run, args=("second", "30s"))
        second.start()
        assert _waiting_on_advisory(pg_db, 1), "the second migrator should wait on the schema's advisory lock"
        # A third with a short lock timeout gives up with a clear error.
        rep3 = migrate(pg_db, targets[:1], radius_role=RADIUS, files=files, lock_timeout="200ms")
        err = rep3.failed["tenant_a"]
        assert isinstance(err, MigrationLockTimeout) and "tenant_a" in str(err)
        gate.rollback()
    first.join(30)
    second.join(30)
    assert reports["first"].applied == {"tenant_a": ["0003_gated.sql"]}  # type: ignore[attr-defined]
    assert reports["second"].applied == {} and reports["second"].up_to_date == ["tenant_a"]  # type: ignore[attr-defined]
    assert reports["second"].ok  # type: ignore[attr-defined]


def test_ledger_creation_is_safe_concurrently(pg_db: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(pg_db, autocommit=True) as c:
                ensure_ledger(c)
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors


# ---------------------------------------------------------------- plan: one query, dry run


def test_plan_all_is_one_query_for_50_schemas(pg_db: str, pg_conn: psycopg.Connection, setup) -> None:
    files, _ = setup
    targets = _make_tenants(pg_conn, [f"p{i:02d}" for i in range(50)])
    migrate(pg_conn, targets[:20], radius_role=RADIUS, files=files)
    with CountingConnection.connect(pg_db, autocommit=True) as conn:
        plans = plan_all(conn, targets, files)
        assert len(conn.statements) == 1, conn.statements
    assert len(plans) == 50
    assert all(plans[t.schema].up_to_date for t in targets[:20])
    assert all([f.name for f in plans[t.schema].pending] == ["0001_radius.sql", "0002_app.sql"] for t in targets[20:])
    assert all(p.schema_exists for p in plans.values())


def test_plan_all_without_a_ledger(pg_db: str, tree: dict[str, Path]) -> None:
    files = _files(tree)
    with psycopg.connect(pg_db) as conn:  # not autocommit: the caller's transaction stays usable
        conn.execute("SELECT 1")
        plans = plan_all(conn, [Target("tenant_x", "tenant")], files)
        assert not plans["tenant_x"].schema_exists and len(plans["tenant_x"].pending) == 2
        conn.execute("SELECT 1")


def test_dry_run_runs_nothing(pg_db: str, pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    before = catalog_snapshot(pg_conn, ["public"] + [t.schema for t in targets])
    lines: list[str] = []
    with CountingConnection.connect(pg_db, autocommit=True) as conn:
        rep = migrate(conn, targets, radius_role=RADIUS, files=files, dry_run=True, progress=lines.append)
        assert len(conn.statements) == 1 and conn.statements[0].lstrip().startswith("SELECT s.schema_name")
    assert rep.planned == {t.schema: ["0001_radius.sql", "0002_app.sql"] for t in targets}
    assert rep.applied == {} and rep.ok
    assert lines[0] == "[1/3 (33%) tenant_a] would apply 0001_radius.sql, 0002_app.sql"
    assert catalog_snapshot(pg_conn, ["public"] + [t.schema for t in targets]) == before


def test_noop_migrate_sends_few_statements(pg_db: str, pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    with CountingConnection.connect(pg_db, autocommit=True) as conn:
        rep = migrate(conn, targets, radius_role=RADIUS, files=files)
        assert len(conn.statements) == 2  # the ledger check and the plan
    assert not rep.changed


# ---------------------------------------------------------------- replay and drift


def test_replay_repairs_a_dropped_table_and_grants(pg_conn: psycopg.Connection, setup) -> None:
    files, targets = setup
    migrate(pg_conn, targets, radius_role=RADIUS, files=files)
    t = targets[0]
    pg_conn.execute("DROP TABLE tenant_a.routers")
    pg_conn.execute(sql.SQL("REVOKE SELECT ON tenant_a.radcheck FROM {}").format(sql.Identifier(RADIUS)))
    pg_conn.execute(sql.SQL("GRANT DELETE ON tenant_a.radacct TO {}").format(sql.Identifier(RADIUS)))
    state = inspect_schema(pg_conn, t, radius_role=RADIUS, expected=TENANT_TABLES)
    assert state.drifted and state.missing_tables == {"routers"}
    assert {(p.table, p.privilege) for p in state.privileges_missing} == {("radcheck", "SELECT")}
    assert {(p.table, p.privilege) for p in state.privileges_extra} == {("radacct", "DELETE")}

    assert migrate(pg_conn, [t], radius_role=RADIUS, files=files).applied == {}  # the ledger says done
    rep = migrate(pg_conn, [t], radius_role=RADIUS, files=files, replay=True)
    assert rep.applied == {"tenant_a": ["0001_radius.sql", "0002_app.sql"]}
    assert not inspect_schema(pg_conn, t, radius_role=RADIUS, expected=TENANT_TABLES).drifted


def test_schema_statements_is_what_migrate_runs(tree: dict[str, Path]) -> None:
    files = _files(tree)
    t = Target("tenant_a", "tenant")
    text = [s.as_string() for s in schema_statements(t, files["tenant"], radius_role=RADIUS)]
    assert text[0] == "SET LOCAL lock_timeout = '10s'"
    assert text[1].startswith("SELECT pg_advisory_xact_lock(")
    assert not any("public" in s and "GRANT" in s for s in text)  # the owner holds nothing in public
    assert text[2:4] == ['SET LOCAL ROLE "tenant_a_owner"', 'SET LOCAL search_path TO "tenant_a"']
    assert text[4] == files["tenant"][0].sql and text[5] == files["tenant"][1].sql
    assert text[6] == "RESET ROLE"
    assert text[7].startswith('INSERT INTO "public"."hotspot_schema_migrations"')
    assert text[8].startswith("REVOKE ALL ON SCHEMA")
    assert text[-2].startswith("GRANT USAGE ON SEQUENCE")
    assert text[-1].startswith("DO $grant$") and 'GRANT EXECUTE ON FUNCTION "tenant_a"."radius_open_sessions"' in text[-1]
    # A schema's first migrations skip the schema-wide table/sequence REVOKEs (each scans pg_class);
    # replay and repair keep them.
    fresh = [s.as_string() for s in schema_statements(t, files["tenant"], radius_role=RADIUS, fresh=True)]
    assert not any(s.startswith(("REVOKE ALL ON ALL TABLES", "REVOKE ALL ON ALL SEQUENCES")) for s in fresh)
    assert any(s.startswith("REVOKE ALL ON ALL TABLES") for s in text)
    assert set(text) - set(fresh) == {s for s in text if s.startswith(("REVOKE ALL ON ALL TABLES",
                                                                          "REVOKE ALL ON ALL SEQUENCES"))}
    sys_text = [s.as_string() for s in schema_statements(SYSTEM_TARGET, files["system"], radius_role=RADIUS)]
    assert sys_text[2] == 'SET LOCAL search_path TO "public"'
    assert sys_text[-2] == 'GRANT SELECT ON TABLE "public"."radius_user_schema_mapping" TO "test_radius"'
    assert 'GRANT EXECUTE ON FUNCTION "public"."radius_user_mapped_to"(text, text) TO "test_radius"' in sys_text[-1]
    assert not any("ROLE" in s for s in sys_text)


# ---------------------------------------------------------------- splitter property

_PIECES = st.sampled_from([
    "SELECT 1", "x", " ", "\n", "'a;b'", "'it''s;'", "E'\\';'", '"semi;colon"', "$$ ; $$", "$fn$ BEGIN; END; $fn$",
    "/* ; */", "/* /* ; */ */", "-- ;\n", "(1)", "a.b", "::int",
])


@given(st.lists(st.lists(_PIECES, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=6))
def test_split_statements_finds_every_top_level_semicolon(bodies: list[str]) -> None:
    bodies = [b for b in bodies if "SELECT 1" in b]  # statements with code in them
    text = ";\n".join(bodies)
    got = split_statements(text)
    assert len(got) == len(bodies)
    for stmt in got:
        assert text[stmt.start:stmt.end] == stmt.text and "SELECT 1" in stmt.text
