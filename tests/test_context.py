"""TenantContext on psycopg 3: SET LOCAL only, nesting restores the outer context, names validated,
pooled connections never keep a tenant search_path."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from psycopg_pool import ConnectionPool

from components.errors import NamingError
from tenant_sql.context import (
    SearchPathLeak,
    TenantContext,
    TenantContextError,
    check_search_path,
    reset_search_path,
)

DEFAULT_PATH = '"$user", public'


@pytest.fixture
def db(pg_db: str) -> str:
    with psycopg.connect(pg_db, autocommit=True) as c:
        for s in ("tenant_a", "tenant_b"):
            c.execute(f"CREATE SCHEMA {s}")
            c.execute(f"CREATE TABLE {s}.items (name text)")
        c.execute("CREATE TABLE public.items (name text)")
        c.execute("CREATE TABLE public.only_public (x int)")
    return pg_db


def _path(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT current_setting('search_path')").fetchone()
    assert row is not None
    return str(row[0])


def _names(conn: psycopg.Connection, table: str) -> list[str]:
    ident = sql.Identifier(*table.split("."))
    return [r[0] for r in conn.execute(sql.SQL("SELECT name FROM {} ORDER BY name").format(ident))]


def test_tenant_block_writes_to_the_tenant_and_ends_with_the_transaction(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        ctx = TenantContext(conn)
        with ctx.tenant("tenant_a") as c:
            assert _path(c) == 'tenant_a, public'
            c.execute("INSERT INTO items VALUES ('from a')")
            c.execute("SELECT count(*) FROM only_public")  # public stays reachable for shared tables
            assert ctx.current() == "tenant_a"
        assert ctx.current() is None
        assert _path(conn) == DEFAULT_PATH  # nothing survives the transaction
        with ctx.tenant("tenant_b"):
            conn.execute("INSERT INTO items VALUES ('from b')")
        assert _names(conn, "tenant_a.items") == ["from a"]
        assert _names(conn, "tenant_b.items") == ["from b"]
        assert _names(conn, "public.items") == []


def test_nested_blocks_restore_the_outer_context(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        ctx = TenantContext(conn)
        with ctx.tenant("tenant_a"):
            with ctx.tenant("tenant_b"):
                assert _path(conn) == 'tenant_b, public' and ctx.current() == "tenant_b"
                with ctx.system():
                    assert _path(conn) == 'public' and ctx.current() == "public" and ctx.in_system()
                    conn.execute("INSERT INTO items VALUES ('sys')")
                assert _path(conn) == 'tenant_b, public' and ctx.current() == "tenant_b"
                conn.execute("INSERT INTO items VALUES ('b')")
            assert _path(conn) == 'tenant_a, public' and ctx.current() == "tenant_a"
            conn.execute("INSERT INTO items VALUES ('a')")
            # An inner block that fails rolls back its savepoint; the outer context is intact.
            with pytest.raises(psycopg.errors.UndefinedTable):
                with ctx.tenant("tenant_b"):
                    conn.execute("INSERT INTO items VALUES ('lost')")
                    conn.execute("SELECT * FROM no_such_table")
            assert _path(conn) == 'tenant_a, public' and ctx.current() == "tenant_a"
            conn.execute("INSERT INTO items VALUES ('a2')")
        assert _path(conn) == DEFAULT_PATH
        assert _names(conn, "tenant_a.items") == ["a", "a2"]
        assert _names(conn, "tenant_b.items") == ["b"]
        assert _names(conn, "public.items") == ["sys"]


def test_block_inside_a_callers_transaction_restores_the_callers_path(db: str) -> None:
    with psycopg.connect(db) as conn:  # non-autocommit: the caller's transaction is already open
        conn.execute("SELECT 1")
        ctx = TenantContext(conn)
        with ctx.tenant("tenant_a"):
            conn.execute("INSERT INTO items VALUES ('in a')")
        assert _path(conn) == DEFAULT_PATH  # not tenant_a for the rest of the caller's transaction
        conn.execute("INSERT INTO items VALUES ('in public')")
        conn.commit()
        assert _names(conn, "tenant_a.items") == ["in a"] and _names(conn, "public.items") == ["in public"]


def test_set_tenant_inside_a_block_is_undone_on_exit(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        ctx = TenantContext(conn)
        with ctx.tenant("tenant_a"):
            with ctx.system():
                ctx.set_tenant("tenant_b")
                assert _path(conn) == 'tenant_b, public' and ctx.current() == "tenant_b"
            assert _path(conn) == 'tenant_a, public'


BAD_NAMES = ["public", "pg_catalog", "information_schema", "tenant_", "tenant_a; DROP TABLE x", "Tenant_A", "other_a",
             "tenant_" + "x" * 60, "tenant_\u00e9", ""]


def test_bad_schema_names_are_refused_before_any_sql(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        ctx = TenantContext(conn)
        for schema in BAD_NAMES:
            with pytest.raises(NamingError):
                with ctx.tenant(schema):
                    pass
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE, schema
            with pytest.raises(NamingError):
                with conn.transaction():
                    ctx.set_tenant(schema)
        assert ctx.current() is None


def test_other_prefix(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA acme_x")
        ctx = TenantContext(conn, prefix="acme_")
        with ctx.tenant("acme_x"):
            assert _path(conn) == 'acme_x, public'
        with pytest.raises(NamingError):
            with ctx.tenant("tenant_a"):
                pass


def test_set_tenant_refuses_autocommit_outside_a_transaction(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        ctx = TenantContext(conn)
        with pytest.raises(TenantContextError, match="autocommit connection outside a transaction"):
            ctx.set_tenant("tenant_a")
        with pytest.raises(TenantContextError):
            ctx.set_system()
        assert _path(conn) == DEFAULT_PATH
        with conn.transaction():
            ctx.set_tenant("tenant_a")
            assert _path(conn) == 'tenant_a, public'
        assert _path(conn) == DEFAULT_PATH


def test_set_tenant_on_a_non_autocommit_connection_lasts_until_commit(db: str) -> None:
    with psycopg.connect(db) as conn:
        ctx = TenantContext(conn)
        ctx.set_tenant("tenant_a")  # psycopg opens the transaction with this statement
        conn.execute("INSERT INTO items VALUES ('x')")
        conn.commit()
        assert _path(conn) == DEFAULT_PATH
        conn.commit()
        assert _names(conn, "tenant_a.items") == ["x"]
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM no_such_table")
        with pytest.raises(TenantContextError, match="failed"):
            ctx.set_tenant("tenant_a")
        conn.rollback()


def test_pooled_connections_never_keep_a_tenant_path(db: str) -> None:
    with ConnectionPool(db, min_size=1, max_size=1, check=check_search_path, reset=reset_search_path,
                        kwargs={"autocommit": True}, open=True) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
            ctx = TenantContext(conn)
            with ctx.tenant("tenant_a"):
                conn.execute("INSERT INTO items VALUES ('pooled')")
        with pool.connection() as conn:
            assert conn.info.backend_pid == pid  # the same backend came back ...
            assert _path(conn) == DEFAULT_PATH  # ... without the tenant's path
            assert _names(conn, "items") == []  # unqualified names resolve to public again
        # Leaving a block by an exception while the pool hands the connection back.
        with pytest.raises(RuntimeError):
            with pool.connection() as conn:
                with TenantContext(conn).tenant("tenant_b"):
                    raise RuntimeError("app error")
        with pool.connection() as conn:
            assert conn.info.backend_pid == pid and _path(conn) == DEFAULT_PATH


def test_pool_discards_a_connection_with_a_session_level_search_path(db: str) -> None:
    with ConnectionPool(db, min_size=1, max_size=1, reset=reset_search_path, kwargs={"autocommit": True},
                        open=True) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
            conn.execute("SET search_path TO tenant_a")  # what application code must never do
        with pool.connection() as conn:
            assert conn.info.backend_pid != pid  # the leaking connection was closed, not reused
            assert _path(conn) == DEFAULT_PATH


def test_check_hook_refuses_a_leaked_connection(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        check_search_path(conn)
        conn.execute("SET search_path TO tenant_b, public")
        with pytest.raises(SearchPathLeak, match="tenant_b"):
            check_search_path(conn)
    with psycopg.connect(db) as conn:  # non-autocommit: the check leaves no transaction open
        check_search_path(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
