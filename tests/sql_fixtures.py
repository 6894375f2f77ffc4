"""Helpers shared by the migrator, context and provisioning tests: small migration trees written to
tmp_path, a statement-counting connection and catalog snapshots ("exactly as it was")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

# A system tree with what the access policy needs in public (users, the mapping for the RADIUS
# role) and a tenant tree with the RADIUS tables and their sequences.
SYSTEM_FILES = {
    "0001_users.sql": """
CREATE TABLE IF NOT EXISTS users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE IF NOT EXISTS radius_user_schema_mapping (
    id bigserial PRIMARY KEY, username varchar(64) NOT NULL UNIQUE, schema_name varchar(64) NOT NULL);
""",
}

TENANT_FILES = {
    "0001_radius.sql": """
-- the RADIUS tables the access policy grants on
CREATE TABLE IF NOT EXISTS radcheck (id serial PRIMARY KEY, username text NOT NULL DEFAULT '',
    attribute text NOT NULL DEFAULT '', op varchar(2) NOT NULL DEFAULT '==', value text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS radreply (id serial PRIMARY KEY, username text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS radgroupcheck (id serial PRIMARY KEY, groupname text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS radgroupreply (id serial PRIMARY KEY, groupname text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS radusergroup (id serial PRIMARY KEY, username text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS nas (id serial PRIMARY KEY, nasname text NOT NULL);
CREATE TABLE IF NOT EXISTS radacct (radacctid bigserial PRIMARY KEY, username text);
CREATE TABLE IF NOT EXISTS radpostauth (id bigserial PRIMARY KEY, username text NOT NULL);
""",
    "0002_app.sql": """
CREATE TABLE IF NOT EXISTS routers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    owner_id uuid
);
CREATE INDEX IF NOT EXISTS routers_name_index ON routers (name);
CREATE INDEX IF NOT EXISTS routers_owner_id_index ON routers (owner_id);
""",
}
TENANT_TABLES = {"radcheck", "radreply", "radgroupcheck", "radgroupreply", "radusergroup", "nas", "radacct",
                 "radpostauth", "routers"}


def write_tree(root: Path, system: dict[str, str] | None = None, tenant: dict[str, str] | None = None) -> dict[str, Path]:
    dirs = {"system": root / "system", "tenant": root / "tenant"}
    for kind, files in (("system", SYSTEM_FILES if system is None else system),
                        ("tenant", TENANT_FILES if tenant is None else tenant)):
        dirs[kind].mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            (dirs[kind] / name).write_text(body)
    return dirs


class CountingConnection(psycopg.Connection[Any]):
    """Counts every query sent through execute (connection or cursor)."""

    statements: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements = []
        self.cursor_factory = _counting_cursor(self)


def _counting_cursor(conn: CountingConnection) -> type[psycopg.Cursor[Any]]:
    class _Cursor(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
            text = query.as_string(self._conn) if isinstance(query, sql.Composable) else (
                query.decode() if isinstance(query, bytes) else str(query))
            conn.statements.append(text)
            return super().execute(query, params, **kw)

    return _Cursor


_SNAPSHOT_QUERIES = {
    "relations": """
        SELECT n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), coalesce(c.relacl::text, ''),
               coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                           || CASE WHEN a.attnotnull THEN ' NN' ELSE '' END
                                           || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''),
                                           ', ' ORDER BY a.attnum)
                         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) ORDER BY 1, 2""",
    "constraints": """
        SELECT n.nspname, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = ANY(%(schemas)s) ORDER BY 1, 2, 3""",
    "indexes": """SELECT schemaname, indexname, indexdef FROM pg_indexes WHERE schemaname = ANY(%(schemas)s)
                  ORDER BY 1, 2""",
    "functions": """
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_userbyid(p.proowner),
               coalesce(p.proacl::text, ''), md5(p.prosrc)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s) ORDER BY 1, 2, 3""",
    "triggers": """
        SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname = ANY(%(schemas)s) ORDER BY 1, 2, 3""",
    "schemas": """SELECT nspname, pg_get_userbyid(nspowner), coalesce(nspacl::text, '') FROM pg_namespace
                  WHERE nspname = ANY(%(schemas)s) ORDER BY 1""",
}


def catalog_snapshot(conn: psycopg.Connection[Any], schemas: list[str], *, ledger: bool = True) -> dict[str, Any]:
    """Everything that `exactly as it was` means for these schemas, without oids or timestamps."""
    snap: dict[str, Any] = {k: conn.execute(q, {"schemas": schemas}).fetchall() for k, q in _SNAPSHOT_QUERIES.items()}
    if ledger:
        exists = conn.execute("SELECT to_regclass('public.hotspot_schema_migrations') IS NOT NULL").fetchone()
        snap["ledger"] = conn.execute(
            "SELECT schema_name, version, name, checksum FROM public.hotspot_schema_migrations"
            " WHERE schema_name = ANY(%s) ORDER BY 1, 2", [schemas]).fetchall() if exists and exists[0] else []
    return snap


def tenant_schemas(conn: psycopg.Connection[Any]) -> list[str]:
    return [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1")]
