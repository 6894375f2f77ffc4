"""public.radius_user_schema_mapping follows each tenant's radcheck (trigger
radcheck_sync_mapping -> public.sync_radius_user_mapping), and no tenant can take or drop
another tenant's username."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from psycopg import errors, sql

from tests.sql_apply import ALPHA_ID, add_tenant


@pytest.fixture
def db(two_tenants: psycopg.Connection) -> psycopg.Connection:
    return two_tenants


def add_check(
    conn: psycopg.Connection, schema: str, username: str, attribute: str = "Cleartext-Password"
) -> None:
    conn.execute(
        sql.SQL("INSERT INTO {} (username, attribute, op, value) VALUES (%s, %s, ':=', 'secret')").format(
            sql.Identifier(schema, "radcheck")
        ),
        (username, attribute),
    )


def mappings(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT username, schema_name, tenant_id::text, user_role, is_active"
        " FROM public.radius_user_schema_mapping ORDER BY username"
    ).fetchall()


def radcheck_users(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        sql.SQL("SELECT username FROM {} ORDER BY id").format(sql.Identifier(schema, "radcheck"))
    )
    return [r[0] for r in rows]


def test_insert_maps_the_user_to_its_schema(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    assert mappings(db) == [("alice", "tenant_alpha", ALPHA_ID, "hotspot_user", True)]
    assert db.execute("SELECT public.get_user_schema('alice')").fetchone() == ("tenant_alpha",)
    stamps = db.execute("SELECT created_at, updated_at FROM public.radius_user_schema_mapping").fetchone()
    assert None not in stamps


def test_more_attribute_rows_keep_one_mapping_and_the_last_delete_unmaps(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    add_check(db, "tenant_alpha", "alice", "Simultaneous-Use")
    assert len(mappings(db)) == 1
    db.execute("DELETE FROM tenant_alpha.radcheck WHERE attribute = 'Simultaneous-Use'")
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha")]
    db.execute("DELETE FROM tenant_alpha.radcheck WHERE username = 'alice'")
    assert mappings(db) == []
    assert db.execute("SELECT public.get_user_schema('alice')").fetchone() == (None,)


def test_deleting_both_rows_in_one_statement_unmaps(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    add_check(db, "tenant_alpha", "alice", "Expiration")
    add_check(db, "tenant_alpha", "bob")
    db.execute("DELETE FROM tenant_alpha.radcheck WHERE username = 'alice'")
    assert [m[:2] for m in mappings(db)] == [("bob", "tenant_alpha")]


def test_renaming_the_username_remaps(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    add_check(db, "tenant_alpha", "alice", "Expiration")
    db.execute("UPDATE tenant_alpha.radcheck SET username = 'alice2' WHERE username = 'alice'")
    assert [m[:3] for m in mappings(db)] == [("alice2", "tenant_alpha", ALPHA_ID)]
    # An update that does not change the username leaves the mapping alone.
    db.execute("UPDATE tenant_alpha.radcheck SET username = username, value = 'new'")
    assert [m[:2] for m in mappings(db)] == [("alice2", "tenant_alpha")]


def test_same_username_in_another_tenant_is_refused(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    with pytest.raises(errors.UniqueViolation) as exc:
        add_check(db, "tenant_bravo", "alice")
    message = str(exc.value)
    assert '"alice"' in message and "tenant_alpha" in message and "tenant_bravo" in message
    assert radcheck_users(db, "tenant_bravo") == []
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha")]


def test_rename_onto_another_tenants_username_is_refused(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    add_check(db, "tenant_bravo", "bob")
    with pytest.raises(errors.UniqueViolation):
        db.execute("UPDATE tenant_bravo.radcheck SET username = 'alice'")
    assert radcheck_users(db, "tenant_bravo") == ["bob"]
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha"), ("bob", "tenant_bravo")]


def test_a_tenant_never_drops_another_tenants_mapping(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    # A stray row (written with the trigger off, as a legacy copy might) under alpha's username.
    db.execute("ALTER TABLE tenant_bravo.radcheck DISABLE TRIGGER radcheck_sync_mapping")
    add_check(db, "tenant_bravo", "alice")
    db.execute("ALTER TABLE tenant_bravo.radcheck ENABLE TRIGGER radcheck_sync_mapping")
    db.execute("DELETE FROM tenant_bravo.radcheck")
    db.execute("TRUNCATE tenant_bravo.radcheck")
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha")]


def test_truncate_unmaps_only_that_schema(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    add_check(db, "tenant_bravo", "bob")
    db.execute("TRUNCATE tenant_alpha.radcheck")
    assert [m[:2] for m in mappings(db)] == [("bob", "tenant_bravo")]


def test_tenant_owner_writes_radcheck_but_cannot_touch_the_mapping(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    with db.transaction():
        db.execute("SET LOCAL ROLE tenant_bravo_owner")
        add_check(db, "tenant_bravo", "bob")  # through the SECURITY DEFINER trigger
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha"), ("bob", "tenant_bravo")]
    for stmt in (
        "UPDATE public.radius_user_schema_mapping SET schema_name = 'tenant_bravo' WHERE username = 'alice'",
        "DELETE FROM public.radius_user_schema_mapping WHERE username = 'alice'",
        "INSERT INTO public.radius_user_schema_mapping (username, schema_name) VALUES ('carol', 'tenant_alpha')",
        "INSERT INTO tenant_alpha.radcheck (username) VALUES ('mallory')",
    ):
        with pytest.raises(errors.InsufficientPrivilege), db.transaction():
            db.execute("SET LOCAL ROLE tenant_bravo_owner")
            db.execute(stmt)
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha"), ("bob", "tenant_bravo")]


def test_unregistered_schema_is_refused(db: psycopg.Connection) -> None:
    add_tenant(db, "charlie", str(uuid.uuid4()))
    db.execute("DELETE FROM public.tenants WHERE schema_name = 'tenant_charlie'")
    with pytest.raises(errors.InvalidSchemaName, match="tenant_charlie"):
        add_check(db, "tenant_charlie", "dave")
    assert radcheck_users(db, "tenant_charlie") == []


def test_the_trigger_function_serves_radcheck_only(db: psycopg.Connection) -> None:
    db.execute("CREATE TABLE tenant_bravo.fake (username varchar(64))")
    db.execute(
        "CREATE TRIGGER t AFTER INSERT ON tenant_bravo.fake FOR EACH ROW EXECUTE FUNCTION public.sync_radius_user_mapping()"
    )
    with pytest.raises(errors.FeatureNotSupported):
        db.execute("INSERT INTO tenant_bravo.fake VALUES ('alice')")
    assert mappings(db) == []


def test_concurrent_claims_of_one_username_leave_one_winner(db: psycopg.Connection, pg_db: str) -> None:
    """The second inserter waits for the first transaction, then fails naming both schemas."""
    outcome: dict[str, BaseException | None] = {}
    with psycopg.connect(pg_db) as first, psycopg.connect(pg_db, autocommit=True) as second:
        add_check(first, "tenant_alpha", "alice")  # open transaction holds the mapping row

        def claim() -> None:
            try:
                add_check(second, "tenant_bravo", "alice")
                outcome["bravo"] = None
            except psycopg.Error as e:
                outcome["bravo"] = e

        worker = threading.Thread(target=claim)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "bravo's insert should wait for alpha's uncommitted mapping"
        first.commit()
        worker.join(10)
        assert not worker.is_alive()
    err = outcome["bravo"]
    assert isinstance(err, errors.UniqueViolation)
    assert "tenant_alpha" in str(err) and "tenant_bravo" in str(err)
    assert [m[:2] for m in mappings(db)] == [("alice", "tenant_alpha")]
    assert radcheck_users(db, "tenant_bravo") == []


def test_lookup_ignores_inactive_mappings_and_functions_are_pinned(db: psycopg.Connection) -> None:
    add_check(db, "tenant_alpha", "alice")
    db.execute("UPDATE public.radius_user_schema_mapping SET is_active = false WHERE username = 'alice'")
    assert db.execute("SELECT public.get_user_schema('alice')").fetchone() == (None,)
    # A deactivated user keeps its mapping row (and its claim on the username) when rows are added.
    add_check(db, "tenant_alpha", "alice", "Expiration")
    assert mappings(db) == [("alice", "tenant_alpha", ALPHA_ID, "hotspot_user", False)]
    attrs = db.execute(
        "SELECT p.prosecdef, p.proconfig, r.rolsuper FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner"
        " WHERE p.oid = 'public.sync_radius_user_mapping()'::regprocedure"
    ).fetchone()
    assert attrs == (True, ["search_path=pg_catalog, public"], True)
    assert db.execute(
        "SELECT provolatile FROM pg_proc WHERE oid = 'public.get_user_schema(text)'::regprocedure"
    ).fetchone() == ("s",)
