"""Raw applier for the schema tests: does what tenant_sql.migrator does (minus ledger, checksums and
lock), so the SQL files can be tested on their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from components import naming

MIGRATIONS = Path(__file__).resolve().parent.parent / "tenant_sql" / "migrations"
SYSTEM_FILES = sorted((MIGRATIONS / "system").glob("[0-9][0-9][0-9][0-9]_*.sql"))
TENANT_FILES = sorted((MIGRATIONS / "tenant").glob("[0-9][0-9][0-9][0-9]_*.sql"))


def apply_system(conn: psycopg.Connection) -> None:
    """Every system file in one transaction, as the admin, search_path public only."""
    with conn.transaction():
        conn.execute("SET LOCAL search_path TO public")
        for path in SYSTEM_FILES:
            conn.execute(path.read_text())


def replay_tenant_files(conn: psycopg.Connection, schema: str, owner: str) -> None:
    """The tenant files in one transaction, as the owner, search_path = the tenant schema only
    (as the migrator does; the owner needs no privilege in public)."""
    naming.validate_schema_name(schema)
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        for path in TENANT_FILES:
            conn.execute(path.read_text())


def register_tenant(conn: psycopg.Connection, schema: str, tenant_id: str) -> None:
    slug = schema.removeprefix(naming.DEFAULT_PREFIX)
    conn.execute(
        "INSERT INTO public.tenants (id, name, slug, email, schema_name, schema_created)"
        " VALUES (%s, %s, %s, %s, %s, true)",
        (tenant_id, slug, slug, f"{slug}@example.test", schema),
    )


def apply_tenant(conn: psycopg.Connection, schema: str, owner: str, tenant_id: str) -> None:
    """Create the owner role and schema, register the tenant (the radcheck trigger looks it up),
    then run the tenant files."""
    naming.validate_schema_name(schema)
    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner)))
    conn.execute(
        sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(owner))
    )
    register_tenant(conn, schema, tenant_id)
    replay_tenant_files(conn, schema, owner)


def add_tenant(conn: psycopg.Connection, slug: str, tenant_id: str) -> tuple[str, str]:
    """apply_tenant with names derived through components.naming; returns (schema, owner)."""
    schema = naming.schema_name(slug)
    owner = naming.owner_role(schema)
    apply_tenant(conn, schema, owner, tenant_id)
    return schema, owner


ALPHA_ID = str(uuid.uuid4())
BRAVO_ID = str(uuid.uuid4())


@pytest.fixture
def two_tenants(pg_conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """System files plus two tenant schemas, tenant_alpha (ALPHA_ID) and tenant_bravo (BRAVO_ID)."""
    apply_system(pg_conn)
    add_tenant(pg_conn, "alpha", ALPHA_ID)
    add_tenant(pg_conn, "bravo", BRAVO_ID)
    yield pg_conn
