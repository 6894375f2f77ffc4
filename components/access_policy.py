"""The one module that owns the access policy: who may do what on which table.

- A tenant's NOLOGIN owner role owns its schema and every object in it, and can reach no other
  tenant schema (no USAGE). It holds nothing in the system schema: no tenant foreign key leaves
  the tenant schema (public.users references are kept by a trigger on public.users), so there is
  no shared-table GRANT for concurrent tenant migrations to collide on.
- The platform's FreeRADIUS login role may, in every tenant schema (and in the system schema for
  legacy shared tenants), read only the RADIUS check/reply/group/nas tables and write only
  radacct/radpostauth, and execute radius_open_sessions (Simultaneous-Use); it reads the
  username -> schema mapping and executes radius_user_mapped_to (mapping mode); nothing else.
- PUBLIC gets nothing in tenant schemas.

Per-table grants are rendered here and executed inside the tenant's migration transaction (parallel
GRANTs through pulumi-postgresql fail with "tuple concurrently updated" at scale). `expected_*`
describe the same policy as data so `read` can report a revoked or an extra grant as drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

RADIUS_READ_TABLES = ("radcheck", "radreply", "radgroupcheck", "radgroupreply", "radusergroup", "nas")
# SELECT on radacct: the accounting UPDATEs filter on it and Simultaneous-Use counts open sessions.
RADIUS_WRITE_TABLES = {"radacct": ("SELECT", "INSERT", "UPDATE"), "radpostauth": ("INSERT",)}
RADIUS_SEQUENCES = ("radacct_radacctid_seq", "radpostauth_id_seq")
# Functions FreeRADIUS calls, with their argument types: Simultaneous-Use counts open sessions
# (tenant and system file 0007); mapping mode checks the user's mapping row (system file 0008).
RADIUS_FUNCTIONS = {"radius_open_sessions": "text"}
SYSTEM_TABLES_READ_BY_RADIUS = ("radius_user_schema_mapping",)
SYSTEM_FUNCTIONS_CALLED_BY_RADIUS = {"radius_user_mapped_to": "text, text"}


@dataclass(frozen=True, order=True)
class Privilege:
    grantee: str
    table: str
    privilege: str  # SELECT, INSERT, UPDATE, DELETE, REFERENCES, ...


def radius_table_privileges(radius_role: str) -> set[Privilege]:
    out = {Privilege(radius_role, t, "SELECT") for t in RADIUS_READ_TABLES}
    for table, privs in RADIUS_WRITE_TABLES.items():
        out |= {Privilege(radius_role, table, p) for p in privs}
    return out


def expected_tenant_privileges(radius_role: str) -> set[Privilege]:
    """Table privileges in a tenant schema held by anyone but the owner."""
    return radius_table_privileges(radius_role)


def _grant_table(privs: tuple[str, ...], schema: str, table: str, role: str) -> sql.Composed:
    return sql.SQL("GRANT {} ON TABLE {} TO {}").format(
        sql.SQL(", ").join(sql.SQL(p) for p in privs),  # privilege keywords come from this module only
        sql.Identifier(schema, table),
        sql.Identifier(role),
    )


def _radius_grants(schema: str, radius_role: str) -> list[sql.Composed]:
    stmts = [sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), sql.Identifier(radius_role))]
    stmts += [_grant_table(("SELECT",), schema, t, radius_role) for t in RADIUS_READ_TABLES]
    stmts += [_grant_table(p, schema, t, radius_role) for t, p in RADIUS_WRITE_TABLES.items()]
    stmts += [
        sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.Identifier(schema, s), sql.Identifier(radius_role))
        for s in RADIUS_SEQUENCES
    ]
    stmts += [_grant_function_if_present(schema, f, args, radius_role) for f, args in RADIUS_FUNCTIONS.items()]
    return stmts


def _grant_function_if_present(schema: str, function: str, args: str, role: str) -> sql.Composed:
    """GRANT EXECUTE on schema.function(args), if the schema's migrations have created it: the policy
    also runs on schemas migrated only up to an earlier file."""
    return sql.SQL(
        "DO $grant$ BEGIN IF to_regprocedure(format('%I.%I({args})', {schema}, {fn})) IS NOT NULL THEN "
        "GRANT EXECUTE ON FUNCTION {ident}({args}) TO {role}; END IF; END $grant$"
    ).format(
        args=sql.SQL(args),  # argument types come from this module only
        schema=sql.Literal(schema), fn=sql.Literal(function), ident=sql.Identifier(schema, function),
        role=sql.Identifier(role),
    )


def tenant_grants(schema: str, owner_role: str, radius_role: str, *, fresh: bool = False) -> list[sql.Composed]:
    """Authoritative for the tenant schema: revoke whatever anyone but the owner holds, then grant
    the policy. Runs inside the tenant's migration transaction, so no reader sees the gap.

    fresh=True: the transaction that creates the schema's first migrations (nothing in its ledger,
    not a replay). REVOKE ALL ON ALL TABLES/SEQUENCES IN SCHEMA are left out there: PostgreSQL
    answers each by scanning all of pg_class, which grows by ~300 rows per tenant (O(n) per tenant:
    provisioning tenant #1000 cost ~11x tenant #1), and tables and sequences created in this very
    transaction hold no grant yet (their default ACL gives PUBLIC nothing; the owner role is new,
    so no default privileges name it). Functions do get PUBLIC EXECUTE by default, so that REVOKE
    stays; it scans pg_proc, which grows by two rows per tenant. Revoking on the named tables of
    tenant_sql/tables.py was the alternative: as cheap, but it would silently miss any object a
    later file adds without updating that list. Replay and repair (reapply_policy) keep every
    schema-wide REVOKE, which catch anything granted by hand."""
    ident = sql.Identifier(schema)
    stmts: list[sql.Composed] = [
        sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(ident),
        sql.SQL("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {} FROM PUBLIC").format(ident),
    ]
    if not fresh:
        stmts += [
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM PUBLIC").format(ident),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM PUBLIC").format(ident),
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ident, sql.Identifier(radius_role)),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(ident, sql.Identifier(radius_role)),
        ]
    stmts += _radius_grants(schema, radius_role)
    return stmts


def revoke_extra_grantees(schema: str, grantees: list[str]) -> list[sql.Composed]:
    """Repair drift: grantees that the policy does not name lose everything in the schema."""
    ident = sql.Identifier(schema)
    out: list[sql.Composed] = []
    for g in sorted(grantees):
        role = sql.Identifier(g)
        out += [
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ident, role),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(ident, role),
            sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(ident, role),
        ]
    return out


def radius_system_grants(radius_role: str, system_schema: str = "public", *, hybrid: bool) -> list[sql.Composed]:
    """The FreeRADIUS role in the system schema: the mapping, and for hybrid mode the legacy
    shared RADIUS tables under the same read/write split as a tenant schema."""
    stmts = [_grant_table(("SELECT",), system_schema, t, radius_role) for t in SYSTEM_TABLES_READ_BY_RADIUS]
    stmts += [
        _grant_function_if_present(system_schema, f, args, radius_role)
        for f, args in SYSTEM_FUNCTIONS_CALLED_BY_RADIUS.items()
    ]
    if hybrid:
        stmts += _radius_grants(system_schema, radius_role)[1:]  # public USAGE is PostgreSQL's default
    return stmts


# Catalog query used by `read` to compare the live grants with the policy (drift detection).
TABLE_GRANTS_QUERY = sql.SQL(
    """
    SELECT r.rolname, c.relname, a.privilege_type
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl) a
    JOIN pg_roles r ON r.oid = a.grantee
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.grantee <> c.relowner
    UNION ALL
    SELECT 'PUBLIC', c.relname, a.privilege_type
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl) a
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.grantee = 0
    """
)


def diff_privileges(live: set[Privilege], expected: set[Privilege]) -> tuple[set[Privilege], set[Privilege]]:
    """(missing, extra) table privileges."""
    return expected - live, live - expected
