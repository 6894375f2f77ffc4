"""Dynamic resource over tenant_sql.registry: a tenant's row in public.tenants.

The input `row` is registry.desired_row(tenant) computed at program time (pure), so a renamed
tenant or a changed e-mail shows up in `pulumi preview` without a database. `read` compares the
live row with it; a missing or edited row is drift that the next `up` repairs.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import uuid
from typing import Any

from pulumi import ResourceOptions
from pulumi import dynamic as dyn

from components.providers.base import DRIFT, HotspotProvider, HotspotResource


def jsonable(value: Any) -> Any:
    """Registry rows carry UUIDs, decimals and timestamps: store them as text in the state."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID | decimal.Decimal | _dt.date | _dt.datetime):
        return str(value)
    return value


class RegistryRowProvider(HotspotProvider):
    INPUTS = ("tenant_id", "slug", "row")
    REPLACES = ("tenant_id",)

    def _converge(self, props: dict[str, Any]) -> dict[str, Any]:
        from tenant_sql import registry

        tenant = self.tenant(props["slug"])
        with self.connect() as conn:
            changed = registry.converge(conn, tenant)
        return {**self.inputs_of(props), "changed": bool(changed), DRIFT: []}

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(props["tenant_id"], self._converge(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self._converge(news))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        from tenant_sql import registry

        with self.connect() as conn:
            live = registry.read_row(conn, props["tenant_id"])
        drift: list[str] = []
        if live is None:
            drift.append(f"public.tenants has no row for tenant {props['slug']} ({props['tenant_id']})")
        else:
            have = jsonable(registry.normalise(live))
            row = props.get("row") or {}
            # Pulumi drops null members of a map: a column absent from `row` is declared NULL.
            for column in registry.OWNED_COLUMNS:
                wanted = row.get(column)
                if have.get(column) != wanted:
                    drift.append(f"public.tenants.{column} is {have.get(column)!r}, declared {wanted!r}")
            if (props.get("row") or {}).get("schema_created") and live.get("schema_created_at") is None:
                drift.append("public.tenants.schema_created_at is not set")
        return dyn.ReadResult(id_, {**props, DRIFT: drift})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """The registry row stays: other tables reference it (ON DELETE CASCADE would erase the
        tenant's users and mappings). Decommissioning removes it explicitly."""


class TenantRegistryRow(HotspotResource, module="hotspot", name="TenantRegistryRow"):
    """The tenant's row in public.tenants (schema_name, schema_created, schema_created_at)."""

    def __init__(self, name: str, props: dict[str, Any], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        super().__init__(RegistryRowProvider(stack, base_dir), name, props, opts)
