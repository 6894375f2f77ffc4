"""A tenant's row in public.tenants (the application's tenant registry), converged from the spec.

Owned columns (the spec decides them; a change is drift): id, name, slug, email, is_active,
schema_name, schema_created, subdomain. Set once on insert and then left to the application:
settings ('{}'), created_at, schema_created_at (kept once set). Every other column (subscription,
branding, ...) belongs to the application and is never written here.

- `email` is NOT NULL UNIQUE in the application: a tenant without one gets `<slug>@tenants.invalid`
  (RFC 2606 reserves .invalid, so it can never reach anyone).
- `schema_name` is UNIQUE, so a shared (legacy) tenant keeps it NULL with schema_created false;
  its data lives in the public tables under its tenant_id.
- `schema_created` is read from the catalog when the row is written, so it never claims a schema
  that does not exist.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from components.errors import HotspotError
from components.spec import ResolvedTenant

TABLE = sql.Identifier("public", "tenants")
OWNED_COLUMNS = ("id", "name", "slug", "email", "is_active", "schema_name", "schema_created", "subdomain")
READ_COLUMNS = (*OWNED_COLUMNS, "schema_created_at", "settings", "created_at", "updated_at")
INVALID_EMAIL_DOMAIN = "tenants.invalid"


def tenant_email(tenant: ResolvedTenant) -> str:
    return tenant.spec.email or f"{tenant.slug}@{INVALID_EMAIL_DOMAIN}"


def desired_row(tenant: ResolvedTenant) -> dict[str, Any]:
    """The owned columns as the spec wants them (pure). JSON-friendly: the id is a string."""
    return {
        "id": str(tenant.spec.id),
        "name": tenant.spec.name,
        "slug": tenant.slug,
        "email": tenant_email(tenant),
        "is_active": tenant.spec.active,
        "schema_name": None if tenant.shared else tenant.schema_name,
        "schema_created": not tenant.shared,
        "subdomain": tenant.slug,
    }


def normalise(row: dict[str, Any]) -> dict[str, Any]:
    """Owned columns of a live row, in desired_row's types."""
    out = {c: row.get(c) for c in OWNED_COLUMNS}
    out["id"] = str(out["id"]) if out["id"] is not None else None
    return out


def differs(live: dict[str, Any] | None, tenant: ResolvedTenant) -> bool:
    return live is None or normalise(live) != desired_row(tenant) or (
        not tenant.shared and live.get("schema_created_at") is None
    )


def read_row(conn: psycopg.Connection[Any], tenant_id: Any) -> dict[str, Any] | None:
    rows = read_rows(conn, [tenant_id])
    return rows.get(str(tenant_id))


def read_rows(conn: psycopg.Connection[Any], tenant_ids: list[Any]) -> dict[str, dict[str, Any]]:
    """Rows of many tenants in one query, by id (string)."""
    query = sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s::uuid[])").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in READ_COLUMNS), TABLE
    )
    cur = conn.execute(query, [[str(i) for i in tenant_ids]])
    return {str(r[0]): dict(zip(READ_COLUMNS, r, strict=True)) for r in cur.fetchall()}


def upsert_statements(tenant: ResolvedTenant) -> list[sql.Composable]:
    """INSERT ... ON CONFLICT (id) DO UPDATE of the owned columns only, and only when one of them
    differs (a no-op converge writes no row version). RETURNING a row means "changed"."""
    want = desired_row(tenant)
    if tenant.shared:
        created: sql.Composable = sql.SQL("false")
    else:
        created = sql.SQL("EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {})").format(
            sql.Literal(tenant.schema_name)
        )
    values = {
        **{c: sql.Literal(want[c]) for c in OWNED_COLUMNS},
        "id": sql.SQL("{}::uuid").format(sql.Literal(want["id"])),
        "schema_created": created,
    }
    cols = (*OWNED_COLUMNS, "schema_created_at", "settings", "created_at", "updated_at")
    exprs = [values[c] for c in OWNED_COLUMNS] + [
        sql.SQL("CASE WHEN {} THEN now() END").format(created),
        sql.SQL("'{}'::json"),
        sql.SQL("now()"),
        sql.SQL("now()"),
    ]
    updated = [c for c in OWNED_COLUMNS if c != "id"]
    t = sql.Identifier("t")
    return [
        sql.SQL(
            "INSERT INTO {table} AS t ({cols}) VALUES ({vals}) ON CONFLICT (id) DO UPDATE SET {sets}, "
            "schema_created_at = CASE WHEN EXCLUDED.schema_created THEN coalesce(t.schema_created_at, now()) "
            "ELSE t.schema_created_at END, updated_at = now() "
            "WHERE ({old}) IS DISTINCT FROM ({new}) OR (EXCLUDED.schema_created AND t.schema_created_at IS NULL) "
            "RETURNING (xmax = 0) AS inserted"
        ).format(
            table=TABLE,
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in cols),
            vals=sql.SQL(", ").join(exprs),
            sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updated),
            old=sql.SQL(", ").join(sql.SQL("{}.{}").format(t, sql.Identifier(c)) for c in updated),
            new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in updated),
        )
    ]


def converge(conn: psycopg.Connection[Any], tenant: ResolvedTenant) -> bool:
    """Write the tenant's row if it is absent or differs. Returns whether it changed."""
    changed = False
    try:
        for stmt in upsert_statements(tenant):
            cur = conn.execute(stmt)
            changed = changed or cur.fetchone() is not None
    except psycopg.errors.UniqueViolation as e:
        raise RegistryConflict(tenant, e) from e
    return changed


class RegistryConflict(HotspotError):
    """Another public.tenants row (created by the application?) holds the tenant's slug, e-mail,
    schema name or subdomain under a different id."""

    def __init__(self, tenant: ResolvedTenant, cause: psycopg.errors.UniqueViolation) -> None:
        self.tenant = tenant
        detail = cause.diag.message_detail or cause.diag.message_primary or str(cause)
        super().__init__(
            f"{tenant.source}: public.tenants row for {tenant.slug} ({tenant.spec.id}) conflicts with "
            f"another row ({cause.diag.constraint_name}): {detail}"
        )
