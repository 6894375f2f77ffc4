"""Tenant ComponentResource (`hotspot:index:Tenant`), one per tenant of the stack.

Children of a schema tenant (Pulumi names from naming.child_name(slug, role); pinned by
tests/test_components_mock.py because a renamed child is a replaced child):
  <slug>-owner       postgresql Role, NOLOGIN, owns the schema and everything in it
  <slug>-schema      postgresql Schema, if_not_exists=False (never adopt a schema silently),
                     drop_cascade=False, protect=True
  <slug>-migrations  TenantMigrations: tenant migrations + access-policy grants, one transaction
  <slug>-registry    TenantRegistryRow: the row in public.tenants
  <slug>-radius      TenantRadiusData: packages (+ RADIUS groups), declared users, mapping rows
A shared (legacy) tenant has only <slug>-registry and <slug>-radius: its data lives in the public
tables with tenant_id. Five resources per schema tenant (plus the component), two per shared
tenant: registering costs about 2.7 ms per resource here (bench/program.py: 1000 tenants with 3
routers each, 6006 resources, 16 s under mocks), so a tenant's routers, users and packages are
rows inside these resources, never resources of their own.

Removing a tenant from the stack file does not drop it: the schema is protected, so `pulumi up`
refuses to delete it, and the program (components/program.py) stops before that with a message
naming the tenant. Decommissioning is not yet supported; nothing is ever dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_postgresql as postgresql

from components import naming
from components.platform import Platform
from components.providers.migrations import TenantMigrations, migration_inventory
from components.providers.radius_data import TenantRadiusData, credentials_digest, declared_inputs
from components.providers.registry import TenantRegistryRow, jsonable
from components.spec import ResolvedTenant, RouterSpec, StackSpec


@dataclass(frozen=True)
class TenantArgs:
    spec: StackSpec
    tenant: ResolvedTenant
    platform: Platform
    stack: str
    base_dir: str


def desired_registry_row(tenant: ResolvedTenant) -> dict[str, Any]:
    """registry.desired_row (pure): what the preview shows and `read` compares with."""
    from tenant_sql import registry

    return jsonable(dict(registry.desired_row(tenant)))


def router_list(tenant: ResolvedTenant) -> list[dict[str, Any]]:
    """Non-secret router facts for the stack outputs (secrets are exported separately)."""
    return [
        {
            "name": r.name,
            "tunnelIp": str(r.tunnel_ip),
            "nasIdentifier": r.nas_identifier,
            "management": r.management,
        }
        for r in tenant.spec.routers
    ]


def router_secrets(router: RouterSpec) -> dict[str, str]:
    """A router's credentials (RADIUS shared secret, RouterOS API login), for the secret output."""
    out = {"radiusSecret": router.radius_secret.get_secret_value()}
    if router.api is not None:
        out |= {"apiUsername": router.api.username, "apiPassword": router.api.password.get_secret_value()}
    return out


class Tenant(pulumi.ComponentResource):
    schema_name: pulumi.Output[str]
    owner_role: pulumi.Output[str | None]

    def __init__(self, name: str, args: TenantArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("hotspot:index:Tenant", name, None, opts)
        t = args.tenant
        p = args.spec.platform
        platform = args.platform
        slug = t.slug
        kw = {"stack": args.stack, "base_dir": args.base_dir}
        # Every physical name comes from the spec, which took it from components.naming.
        naming.validate_schema_name(t.schema_name, p.tenant_schema_prefix, allow_system=t.shared)

        after_system = [platform.system_migrations, platform.radius_role]
        self.role: postgresql.Role | None = None
        self.schema: postgresql.Schema | None = None
        self.migrations: TenantMigrations | None = None
        if not t.shared:
            assert t.owner_role is not None
            pg = pulumi.ResourceOptions(parent=self, provider=platform.provider)
            self.role = postgresql.Role(
                naming.child_name(slug, "owner"),
                name=t.owner_role,
                login=False,
                opts=pg,
            )
            self.schema = postgresql.Schema(
                naming.child_name(slug, "schema"),
                name=t.schema_name,
                database=p.database.dbname,
                owner=self.role.name,
                if_not_exists=False,
                drop_cascade=False,
                opts=pulumi.ResourceOptions.merge(pg, pulumi.ResourceOptions(protect=True)),
            )
            self.migrations = TenantMigrations(
                naming.child_name(slug, "migrations"),
                {
                    "schema": t.schema_name,
                    "kind": "tenant",
                    "owner_role": t.owner_role,
                    "prefix": p.tenant_schema_prefix,
                    "radius_role": p.radius.login_role,
                    "hybrid": False,
                    "migrations": list(migration_inventory("tenant")),
                },
                pulumi.ResourceOptions(parent=self, depends_on=[self.schema, *after_system]),
                **kw,
            )
        schema_ready: list[pulumi.Resource] = [self.migrations] if self.migrations else after_system
        self.registry = TenantRegistryRow(
            naming.child_name(slug, "registry"),
            {"tenant_id": str(t.spec.id), "slug": slug, "row": desired_registry_row(t)},
            pulumi.ResourceOptions(parent=self, depends_on=schema_ready),
            **kw,
        )
        self.radius = TenantRadiusData(
            naming.child_name(slug, "radius"),
            {**declared_inputs(t), "credentials_digest": pulumi.Output.secret(credentials_digest(t))},
            pulumi.ResourceOptions(parent=self, depends_on=[self.registry, *schema_ready]),
            **kw,
        )

        self.schema_name = pulumi.Output.from_input(t.schema_name)
        self.owner_role = pulumi.Output.from_input(t.owner_role)
        outputs: dict[str, Any] = {
            "schemaName": self.schema_name,
            "shared": t.shared,
            "roles": {"owner": t.owner_role, "radius": p.radius.login_role},
            "routers": router_list(t),
            # Everything that carries a credential leaves the component as a secret.
            "routerSecrets": pulumi.Output.secret({r.name: router_secrets(r) for r in t.spec.routers}),
        }
        self.outputs = outputs
        self.register_outputs(outputs)
