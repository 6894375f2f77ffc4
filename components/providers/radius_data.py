"""Dynamic resource over tenant_sql.radius_data: a tenant's declared RADIUS data — its packages
and their RADIUS group rows, its declared users (radcheck, radusergroup) and their
radius_user_schema_mapping rows.

Passwords never enter the state: the provider reads them from the stack configuration that
configure() received; the input `credentials_digest` (a secret) changes when one does, so diff
still needs no I/O. The output `declared_users` records which usernames this resource wrote, so
an update knows which ones the stack file no longer declares.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pulumi import ResourceOptions
from pulumi import dynamic as dyn

from components.providers.base import DRIFT, HotspotProvider, HotspotResource
from components.spec import ResolvedTenant


def credentials_digest(tenant: ResolvedTenant) -> str:
    """sha256 over the tenant id and every (username, password): a change detector kept as a
    Pulumi secret, not a password store."""
    h = hashlib.sha256(str(tenant.spec.id).encode())
    for user in sorted(tenant.spec.users, key=lambda u: u.username):
        h.update(b"\0" + user.username.encode() + b"\0" + user.password.get_secret_value().encode())
    return h.hexdigest()


def declared_inputs(tenant: ResolvedTenant) -> dict[str, Any]:
    """The non-secret desired state shown in previews."""
    return {
        "tenant_id": str(tenant.spec.id),
        "slug": tenant.slug,
        "schema": tenant.schema_name,
        "packages": [p.model_dump(mode="json") for p in tenant.spec.packages],
        "users": [
            {"username": u.username, "package": u.package, "role": u.role, "active": u.active}
            for u in tenant.spec.users
        ],
    }


class RadiusDataProvider(HotspotProvider):
    INPUTS = ("tenant_id", "slug", "schema", "packages", "users", "credentials_digest")
    REPLACES = ("tenant_id", "schema")

    def _converge(self, props: dict[str, Any], previously: list[str]) -> dict[str, Any]:
        from tenant_sql import radius_data

        spec = self.spec()
        tenant = self.tenant(props["slug"])
        with self.connect() as conn:
            changed = radius_data.converge_tenant(conn, spec, tenant, previously_declared=tuple(previously))
        return {
            **self.inputs_of(props),
            "declared_users": sorted(u.username for u in tenant.spec.users),
            "changed": bool(changed),
            DRIFT: [],
        }

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(f"{props['schema']}/{props['slug']}", self._converge(props, []))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self._converge(news, list(olds.get("declared_users") or [])))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        from tenant_sql import radius_data

        spec = self.spec()
        try:
            tenant = spec.tenant(props["slug"])
        except KeyError:
            # `pulumi refresh` after the tenant left the stack file (an update is refused by
            # TenantInventory): report it rather than fail the whole refresh.
            gone = f"tenant {props['slug']!r} is no longer declared in the stack file; its data is kept"
            return dyn.ReadResult(id_, {**props, DRIFT: [gone]})
        with self.connect() as conn:
            live = radius_data.read_tenant(conn, spec, tenant)
        return dyn.ReadResult(id_, {**props, DRIFT: radius_drift(live)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Users, packages and mappings stay: they are the tenant's data (decommissioning is a
        separate, explicit operation)."""


def radius_drift(live: dict[str, Any]) -> list[str]:
    """What read_tenant reported as out of step, as readable lines."""
    drift = live.get("drift")
    if drift is not None:
        return [str(d) for d in drift]
    return []


class TenantRadiusData(HotspotResource, module="hotspot", name="TenantRadiusData"):
    """A tenant's packages (+ RADIUS groups), declared users and their mapping rows."""

    def __init__(self, name: str, props: dict[str, Any], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        opts = ResourceOptions.merge(opts, ResourceOptions(additional_secret_outputs=["credentials_digest"]))
        super().__init__(RadiusDataProvider(stack, base_dir), name, props, opts)
