"""One-stop provisioning of a stack's database side: the FreeRADIUS login role, the system
migrations, and per tenant its owner role, schema, registry row, migrations and grants, then the
tenant's declared RADIUS data (tenant_sql.radius_data).

Two faces of the same statements:
- `render_sql` writes them as plain SQL files, applicable with `psql -v ON_ERROR_STOP=1 -1 -f`
  (every statement is idempotent, so a file can be applied again);
- `provision_stack` executes them, reading first what exists (one query for roles, one for the
  registry rows, one for the migration plan of every schema), so a second run changes nothing
  and says so. A new tenant costs one transaction: role, schema, registry row, every tenant file,
  ledger rows and grants.

Passwords never travel in clear: the FreeRADIUS role's password is sent (and rendered) as a
SCRAM-SHA-256 verifier computed here, and an existing role's verifier is checked without
changing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from components import naming
from components.errors import HotspotError, MigrationError
from components.spec import ResolvedTenant, StackSpec
from tenant_sql import registry
from tenant_sql.files import load_migrations
from tenant_sql.migrator import (
    SYSTEM_TARGET,
    Files,
    MigrateReport,
    Target,
    ledger_statements,
    migrate,
    schema_statements,
)

Progress = Callable[[str], None]
SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations
ROLES_LOCK_KEY = naming.advisory_lock_key("hotspot:roles")


# ---------------------------------------------------------------- passwords


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677)."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(hashlib.sha256(client_key).digest())}:{_b64(server_key)}"


def verifier_matches(verifier: str | None, password: str) -> bool | None:
    """True/False when the stored verifier can be checked, None when it cannot (md5, or a
    non-ASCII password that PostgreSQL would SASLprep-normalise)."""
    if not verifier or not verifier.startswith("SCRAM-SHA-256$") or not password.isascii():
        return None
    try:
        head, keys = verifier[len("SCRAM-SHA-256$"):].split("$")
        iterations, salt = head.split(":")
        want = scram_verifier(password, salt=base64.b64decode(salt), iterations=int(iterations))
    except ValueError:
        return None
    return hmac.compare_digest(want.rsplit("$", 1)[1], keys)


# ---------------------------------------------------------------- statements (pure)


def _do(body: sql.Composable) -> sql.Composed:
    """A DO block; the dollar tag is checked against the body (identifiers here are validated
    names, literals are quoted, so this is belt and braces)."""
    tag = "$hotspot$"
    if tag in body.as_string():
        raise HotspotError("DO block body contains its own dollar-quote tag")
    return sql.Composed([sql.SQL("DO $hotspot$ BEGIN "), body, sql.SQL(" END $hotspot$")])


def radius_role_statements(role: str, radius_password: str | None) -> list[sql.Composable]:
    """Create the FreeRADIUS login role if absent; with a password, (re)set it as a verifier."""
    ident, lit = sql.Identifier(role), sql.Literal(role)
    if radius_password is None:
        body = sql.SQL(
            "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {lit}) THEN "
            "CREATE ROLE {ident} LOGIN; END IF;"
        ).format(lit=lit, ident=ident)
    else:
        verifier = sql.Literal(scram_verifier(radius_password))
        body = sql.SQL(
            "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {lit}) THEN "
            "CREATE ROLE {ident} LOGIN PASSWORD {v}; ELSE ALTER ROLE {ident} LOGIN PASSWORD {v}; END IF;"
        ).format(lit=lit, ident=ident, v=verifier)
    return [_do(body)]


def owner_and_schema_statements(schema: str, owner: str) -> list[sql.Composable]:
    """The tenant's NOLOGIN owner role and its schema, if absent. An existing schema owned by
    someone else is refused rather than silently adopted."""
    s_lit, o_lit = sql.Literal(schema), sql.Literal(owner)
    s_id, o_id = sql.Identifier(schema), sql.Identifier(owner)
    body = sql.SQL(
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {o_lit}) THEN "
        "CREATE ROLE {o_id} NOLOGIN; END IF; "
        # PostgreSQL 15: a CREATEROLE admin that is not superuser must be a member to SET ROLE.
        "IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) "
        "AND NOT pg_catalog.pg_has_role(current_user, {o_lit}, 'MEMBER') THEN "
        "EXECUTE pg_catalog.format('GRANT %I TO %I', {o_lit}, current_user); END IF; "
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = {s_lit}) THEN "
        "CREATE SCHEMA {s_id} AUTHORIZATION {o_id}; "
        "ELSIF (SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace WHERE nspname = {s_lit}) "
        "<> {o_lit} THEN RAISE EXCEPTION 'schema % exists but is not owned by %', {s_lit}, {o_lit} "
        "USING ERRCODE = 'duplicate_schema'; END IF;"
    ).format(o_lit=o_lit, o_id=o_id, s_lit=s_lit, s_id=s_id)
    return [_do(body)]


def tenant_target(spec: StackSpec, tenant: ResolvedTenant) -> Target:
    if tenant.shared or tenant.owner_role is None:
        raise HotspotError(f"{tenant.source}: shared tenant {tenant.slug} has no schema of its own")
    return Target(tenant.schema_name, "tenant", tenant.owner_role, spec.platform.tenant_schema_prefix)


def tenant_preamble(spec: StackSpec, tenant: ResolvedTenant) -> list[sql.Composable]:
    """Inside the tenant's migration transaction, before its files: owner role, schema, and the
    registry row (the radcheck mapping trigger needs the row before any user is written)."""
    t = tenant_target(spec, tenant)
    return owner_and_schema_statements(t.schema, t.owner) + registry.upsert_statements(tenant)


def _files(files: Files | None) -> Files:
    if files is not None:
        return files
    return {"system": load_migrations("system"), "tenant": load_migrations("tenant")}


def platform_statements(
    spec: StackSpec, *, radius_password: str | None, files: Files | None = None
) -> list[sql.Composable]:
    """The FreeRADIUS role, the migration ledger, every system migration and the RADIUS role's
    grants in public (hybrid mode: also on the legacy shared RADIUS tables)."""
    files = _files(files)
    role = spec.platform.radius.login_role
    return (
        radius_role_statements(role, radius_password)
        + ledger_statements()
        + schema_statements(
            SYSTEM_TARGET, files["system"], radius_role=role, hybrid=spec.platform.hybrid_mode
        )
    )


def tenant_statements(
    spec: StackSpec, tenant: ResolvedTenant, *, files: Files | None = None
) -> list[sql.Composable]:
    """Everything a new tenant needs, in the order provision_stack runs it; a shared tenant gets
    its registry row only."""
    if tenant.shared:
        return registry.upsert_statements(tenant)
    files = _files(files)
    return schema_statements(
        tenant_target(spec, tenant),
        files["tenant"],
        radius_role=spec.platform.radius.login_role,
        hybrid=spec.platform.hybrid_mode,
        preamble=tenant_preamble(spec, tenant),
        fresh=True,  # a new tenant's file (as migrate runs it on an empty ledger)
    )


def to_script(statements: Sequence[sql.Composable], header: str = "") -> str:
    """Statements as a psql script. The separator goes on its own line, so a statement ending in
    a `--` comment cannot swallow it."""
    out = [f"-- {line}".rstrip() for line in header.splitlines()]
    for s in statements:
        out.append(s.as_string().rstrip())
        out.append(";")
    return "\n".join(out) + "\n"


def render_sql(
    spec: StackSpec, *, radius_password: str | None, files: Files | None = None, include_data: bool = False
) -> dict[str, str]:
    """{"platform.sql": ..., "<slug>.sql": ...}: apply platform.sql first, then the tenants' files,
    each with `psql -v ON_ERROR_STOP=1 -1 -f FILE`. include_data appends the tenant's declared
    RADIUS data (tenant_sql.radius_data.statements; contains user passwords)."""
    files = _files(files)
    head = f"hotspot-tenancy, stack {spec.stack}: apply with psql -v ON_ERROR_STOP=1 -1 -f"
    out = {
        "platform.sql": to_script(platform_statements(spec, radius_password=radius_password, files=files),
                                  head + "\nplatform: FreeRADIUS role, ledger, system migrations, grants"),
    }
    data = _radius_data() if include_data else None
    for t in spec.tenants:
        stmts = tenant_statements(spec, t, files=files)
        if data is not None:
            stmts = stmts + data.statements(spec, t)
        what = "shared tenant: registry row" if t.shared else f"tenant schema {t.schema_name}"
        out[f"{t.slug}.sql"] = to_script(stmts, head + f"\n{t.slug}: {what} (after platform.sql)")
    return out


# ---------------------------------------------------------------- provisioning


@dataclass
class ProvisionReport:
    created_roles: list[str] = field(default_factory=list)
    password_set: bool = False
    system: MigrateReport = field(default_factory=MigrateReport)
    tenants: MigrateReport = field(default_factory=MigrateReport)
    registry_changed: list[str] = field(default_factory=list)  # slugs
    radius_changed: list[str] = field(default_factory=list)  # slugs
    radius_failed: dict[str, HotspotError | psycopg.Error] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # slug -> the tenant's transaction
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.system.ok and self.tenants.ok and not self.radius_failed

    @property
    def changed(self) -> bool:
        return bool(
            self.created_roles or self.password_set or self.system.changed or self.tenants.changed
            or self.registry_changed or self.radius_changed
        )

    def summary(self) -> str:
        if not self.changed and self.ok:
            return f"no change: platform and {len(self.tenants.up_to_date)} tenant schema(s) up to date"
        parts = []
        if self.created_roles:
            parts.append(f"{len(self.created_roles)} role(s) created")
        if self.password_set:
            parts.append("FreeRADIUS password set")
        parts.append(f"system: {self.system.summary()}")
        parts.append(f"tenants: {self.tenants.summary()}")
        if self.registry_changed:
            parts.append(f"registry rows written: {', '.join(self.registry_changed)}")
        if self.radius_changed:
            parts.append(f"RADIUS data changed: {', '.join(self.radius_changed)}")
        if self.radius_failed:
            parts.append(f"RADIUS data failed: {', '.join(self.radius_failed)}")
        return "; ".join(parts)

    def raise_for_errors(self) -> None:
        self.system.raise_for_errors()
        self.tenants.raise_for_errors()
        if self.tenants.skipped:
            raise MigrationError(self.tenants.skipped[0], "-", "", "not attempted after an earlier failure")
        for slug, err in self.radius_failed.items():
            raise HotspotError(f"tenant {slug}: RADIUS data: {err}") from err


class _LazyPreambles(Mapping[str, Sequence[sql.Composable]]):
    """Preambles built only for the schemas that have work: a no-op over 1,000 tenants should not
    compose 1,000 DO blocks (a third of a second)."""

    def __init__(self, spec: StackSpec, tenants: Sequence[ResolvedTenant]) -> None:
        self.spec = spec
        self.by_schema = {t.schema_name: t for t in tenants}

    def __getitem__(self, schema: str) -> Sequence[sql.Composable]:
        return tenant_preamble(self.spec, self.by_schema[schema])

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_schema)

    def __len__(self) -> int:
        return len(self.by_schema)


def _radius_data() -> Any:
    if importlib.util.find_spec("tenant_sql.radius_data") is None:
        return None
    from tenant_sql import radius_data  # written by the FreeRADIUS work; optional here

    return radius_data


def _read_roles(conn: psycopg.Connection[Any], names: list[str]) -> dict[str, tuple[bool, str | None, bool]]:
    """name -> (can login, stored verifier, verifier readable). pg_authid needs superuser; managed
    servers' admins fall back to pg_roles and an unverifiable password."""
    try:
        with conn.transaction():
            rows = conn.execute(
                "SELECT rolname, rolcanlogin, rolpassword FROM pg_catalog.pg_authid WHERE rolname = ANY(%s)", [names]
            ).fetchall()
        return {r[0]: (r[1], r[2], True) for r in rows}
    except psycopg.errors.InsufficientPrivilege:
        rows = conn.execute(
            "SELECT rolname, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = ANY(%s)", [names]
        ).fetchall()
        return {r[0]: (r[1], None, False) for r in rows}


def _converge_radius_role(
    conn: psycopg.Connection[Any], role: str, password: str, report: ProvisionReport
) -> bool:
    """Returns True when the role was created (its grants must then be applied)."""
    with conn.transaction():
        # Two provisioners starting together must not both CREATE ROLE (roles are cluster-wide).
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [ROLES_LOCK_KEY])
        return _converge_radius_role_locked(conn, role, password, report)


def _converge_radius_role_locked(
    conn: psycopg.Connection[Any], role: str, password: str, report: ProvisionReport
) -> bool:
    state = _read_roles(conn, [role]).get(role)
    ident = sql.Identifier(role)
    if state is None:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(scram_verifier(password))))
        report.created_roles.append(role)
        report.password_set = True
        return True
    can_login, verifier, readable = state
    if not can_login:
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(ident))
        report.password_set = True
    match = verifier_matches(verifier, password) if readable else None
    if match is False or (readable and verifier is None):
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(scram_verifier(password))))
        report.password_set = True
    elif match is None and not readable:
        report.notes.append(f"role {role}: password not verifiable without superuser; left unchanged")
    return False


def provision_stack(
    conninfo: str | psycopg.Connection[Any],
    spec: StackSpec,
    *,
    radius_password: str,
    progress: Progress | None = None,
    check: bool = True,
    files: Files | None = None,
    radius_data: bool = True,
    lock_timeout: str = "10s",
) -> ProvisionReport:
    """Converge the stack's database side; idempotent. With check=True a failure raises after
    every other tenant has been converged (one tenant's failure does not stop the others)."""
    if isinstance(conninfo, str):
        with psycopg.connect(conninfo, autocommit=True) as conn:
            return provision_stack(
                conn, spec, radius_password=radius_password, progress=progress, check=check, files=files,
                radius_data=radius_data, lock_timeout=lock_timeout,
            )
    conn = conninfo
    if not conn.autocommit:
        raise HotspotError("provision_stack needs an autocommit connection (it runs one transaction per step)")
    files = _files(files)
    report = ProvisionReport()
    role = spec.platform.radius.login_role
    hybrid = spec.platform.hybrid_mode

    role_created = _converge_radius_role(conn, role, radius_password, report)
    report.system = migrate(
        conn, [SYSTEM_TARGET], radius_role=role, hybrid=hybrid, files=files, lock_timeout=lock_timeout,
        reapply_policy=role_created, progress=progress,
    )
    if not report.system.ok:
        report.system.raise_for_errors()  # nothing per tenant can work without the system schema

    schema_tenants = [t for t in spec.tenants if not t.shared]
    owners_before = set(_read_roles(conn, [t.owner_role for t in schema_tenants if t.owner_role]))
    rows = registry.read_rows(conn, [t.spec.id for t in spec.tenants])
    targets = [tenant_target(spec, t) for t in schema_tenants]
    report.tenants = migrate(
        conn, targets, radius_role=role, hybrid=hybrid, files=files, lock_timeout=lock_timeout,
        progress=progress, preambles=_LazyPreambles(spec, schema_tenants),
    )
    by_schema = {t.schema_name: t for t in schema_tenants}
    for schema, seconds in report.tenants.seconds.items():
        report.seconds[by_schema[schema].slug] = seconds
    for schema in report.tenants.applied:
        t = by_schema[schema]
        if t.owner_role not in owners_before:
            report.created_roles.append(t.owner_role)  # type: ignore[arg-type]
        if registry.differs(rows.get(str(t.spec.id)), t):
            report.registry_changed.append(t.slug)  # written by the preamble, in the same transaction
    broken = set(report.tenants.failed) | set(report.tenants.skipped)
    for t in spec.tenants:
        if t.slug in report.registry_changed or (not t.shared and t.schema_name in broken):
            continue
        if registry.differs(rows.get(str(t.spec.id)), t):
            t0 = time.perf_counter()
            if registry.converge(conn, t):
                report.registry_changed.append(t.slug)
            report.seconds[t.slug] = report.seconds.get(t.slug, 0.0) + time.perf_counter() - t0

    data = _radius_data() if radius_data else None
    if data is not None:
        for t in spec.tenants:
            if not t.shared and t.schema_name in broken:
                continue
            try:
                if data.converge_tenant(conn, spec, t):
                    report.radius_changed.append(t.slug)
            except (HotspotError, psycopg.Error) as e:
                report.radius_failed[t.slug] = e
                if progress:
                    progress(f"[{t.slug}] RADIUS data FAILED: {e}")
    if progress:
        progress(report.summary())
    if check:
        report.raise_for_errors()
    return report
