"""Dynamic resources over tenant_sql.migrator: the system migrations of `public` and, per tenant,
the tenant migrations plus the access-policy grants (one transaction per schema).

`migrations` (file name and checksum of every packaged file, read from the package at program
time) is the input that makes a new migration file show up in `pulumi preview` without a
database. `delete` never drops anything: a schema holds tenant data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pulumi import Output, ResourceOptions
from pulumi import dynamic as dyn

from components.errors import MigrationError
from components.providers.base import DRIFT, HotspotProvider, HotspotResource


@lru_cache(maxsize=4)
def migration_inventory(kind: str) -> tuple[str, ...]:
    """`name:checksum` of every packaged migration file of `kind` (no database involved)."""
    from tenant_sql.files import load_migrations

    return tuple(f"{m.name}:{m.checksum[:16]}" for m in load_migrations(kind))  # type: ignore[arg-type]


LOCK_TIMEOUT = "30s"  # another migrator (CLI, CI) holding the schema's advisory lock


class MigrationsProvider(HotspotProvider):
    # sized_for (system kind only): the tenant capacity the server should be sized for
    # (tenant_sql/server_sizing.py); what the server lacks is reported, never changed.
    INPUTS = ("schema", "kind", "owner_role", "prefix", "radius_role", "hybrid", "migrations", "sized_for")
    REPLACES = ("schema", "kind")

    def _target(self, props: dict[str, Any]) -> Any:
        from tenant_sql.migrator import Target

        return Target(
            schema=props["schema"], kind=props["kind"], owner_role=props.get("owner_role"), prefix=props["prefix"]
        )

    def _extra_grantee_revokes(self, props: dict[str, Any]) -> dict[str, list[Any]]:
        """Grantees the policy does not name (another tenant's role, an ad-hoc login) lose
        everything in the tenant schema, in the same transaction as the repair. The RADIUS role
        and PUBLIC are reset by the policy grants themselves."""
        from components.access_policy import revoke_extra_grantees
        from tenant_sql.migrator import inspect_schema

        if props["kind"] != "tenant":
            return {}
        with self.connect() as conn:
            state = inspect_schema(conn, self._target(props), radius_role=props["radius_role"])
        grantees = sorted({p.grantee for p in state.privileges_extra} - {props["radius_role"], "PUBLIC"})
        if not state.exists or not grantees:
            return {}
        return {props["schema"]: revoke_extra_grantees(props["schema"], grantees)}

    def _converge(self, props: dict[str, Any], *, repair: bool = False) -> dict[str, Any]:
        from tenant_sql.migrator import migrate

        preambles = self._extra_grantee_revokes(props) if repair else {}
        # Tenant transactions run concurrently (the engine makes 4 provider calls at once): they
        # touch no shared object (no grant in public), so they need no lock between them.
        report = migrate(
            self.settings.conninfo(self.spec()),
            [self._target(props)],
            radius_role=props["radius_role"],
            lock_timeout=LOCK_TIMEOUT,
            keep_going=False,
            hybrid=bool(props.get("hybrid")),
            # After drift (a dropped table, a revoked grant) every file runs again (they are
            # idempotent) and the grants are re-applied, in the schema's one transaction.
            replay=repair,
            reapply_policy=repair,
            preambles=preambles,
        )
        report.raise_for_errors()
        if not report.ok:
            raise MigrationError(props["schema"], "-", "", f"not attempted: {', '.join(report.skipped)}")
        return {**self.inputs_of(props), "applied": list(report.applied.get(props["schema"], [])), DRIFT: [],
                "server_shortfalls": self._server_shortfalls(props)}

    def _server_shortfalls(self, props: dict[str, Any]) -> list[str]:
        from tenant_sql.server_sizing import shortfalls

        if props["kind"] != "system" or not props.get("sized_for"):
            return []
        with self.connect() as conn:
            actual = {name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # noqa: S608 - fixed names
                      for name in ("max_files_per_process", "shared_buffers")}
        return shortfalls(actual, int(props["sized_for"]))

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        # The migrator runs each schema in one transaction: a failed create leaves nothing behind.
        return dyn.CreateResult(props["schema"], self._converge(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self._converge(news, repair=bool(olds.get(DRIFT))))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        from tenant_sql.migrator import inspect_schema

        with self.connect() as conn:
            state = inspect_schema(
                conn, self._target(props), radius_role=props["radius_role"], hybrid=bool(props.get("hybrid"))
            )
        drift: list[str] = []
        schema = props["schema"]
        if not state.exists:
            drift.append(f"schema {schema} does not exist")
        drift += [f"table {schema}.{t} is missing" for t in sorted(state.missing_tables)]
        drift += [f"privilege missing: {_privilege(p)}" for p in sorted(state.privileges_missing)]
        drift += [f"privilege not in the policy: {_privilege(p)}" for p in sorted(state.privileges_extra)]
        for entry in props.get("migrations") or []:
            name = entry.split(":", 1)[0]
            if int(name[:4]) not in state.applied:
                drift.append(f"migration {name} is not applied in {schema}")
        return dyn.ReadResult(id_, {**props, DRIFT: drift})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing is dropped: the schema and its ledger stay (decommissioning is a separate,
        explicit operation)."""


def _privilege(p: Any) -> str:
    return f"{p.privilege} on {p.table} to {p.grantee}"


class SystemMigrations(HotspotResource, module="hotspot", name="SystemMigrations"):
    """System migrations of the `public` schema (registry, mapping, legacy shared tables)."""

    server_shortfalls: Output[list[str]]  # what the server lacks for `sized_for` tenants

    def __init__(self, name: str, props: dict[str, Any], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        super().__init__(MigrationsProvider(stack, base_dir), name, {"server_shortfalls": None, **props}, opts)


class TenantMigrations(HotspotResource, module="hotspot", name="TenantMigrations"):
    """A tenant schema's migrations and its access-policy grants, in one transaction."""

    def __init__(self, name: str, props: dict[str, Any], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        super().__init__(MigrationsProvider(stack, base_dir), name, props, opts)
