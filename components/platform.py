"""Platform ComponentResource (`hotspot:index:Platform`): what every tenant stands on.

Children (Pulumi names fixed here and pinned by tests/test_components_mock.py):
- runtime docker: `platform-network`, `platform-pgdata` (volume), `platform-postgres-image`,
  `platform-postgres` (container, health-checked; `wait` holds the PostgreSQL provider back until
  it is healthy), `platform-freeradius-image`, `platform-freeradius` (container carrying the
  rendered configuration as uploads);
- `platform-tenant-inventory`: the declared tenants; its check refuses an update that would drop
  one (components/providers/inventory.py);
- `platform-postgresql`: the one explicit pulumi_postgresql provider, passed to every
  PostgreSQL child of the platform and of every tenant (never the default provider);
- `platform-radius-role`: the FreeRADIUS login role (password secret);
- `platform-system-migrations`: system migrations of `public` plus the FreeRADIUS role's grants;
- runtime external: `platform-freeradius-config`, delivery of the rendered configuration into
  `platform.radius.config_dir` on the machine running `pulumi up` (checked with `freeradius -XC`
  first, so that machine is the RADIUS host).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

import pulumi
import pulumi_docker as docker
import pulumi_postgresql as postgresql

from components import naming
from components.providers.freeradius_config import FreeradiusConfig, config_fingerprint
from components.providers.inventory import TenantInventory
from components.providers.migrations import SystemMigrations, migration_inventory
from components.spec import StackSpec
from tenant_sql import server_sizing

# pulumi-postgresql opens up to max_connections; parallel GRANTs through it fail with "tuple
# concurrently updated" at scale (issues 126, 831), so the platform never asks for more.
MAX_PROVIDER_CONNECTIONS = 4
CONTAINER_RADDB = "/etc/freeradius"  # raddb dir of the freeradius/freeradius-server image
OVERLAY_DIR = "/opt/hotspot/raddb"  # rendered files land here and are copied over the stock tree


@dataclass(frozen=True)
class PlatformArgs:
    spec: StackSpec
    admin_password: pulumi.Input[str]  # a secret Output
    stack: str
    base_dir: str  # where the stack files live (tenants_dir is relative to it)


def _child(role: str) -> str:
    return f"platform-{role}"


class Platform(pulumi.ComponentResource):
    """The shared platform. Outputs consumed by tenants: `provider`, `radius_role`,
    `system_migrations` (tenants depend on them) and the plain values below."""

    provider: postgresql.Provider
    radius_role: postgresql.Role
    system_migrations: pulumi.Resource
    database: pulumi.Output[str]
    radius_role_name: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("hotspot:index:Platform", name, None, opts)
        spec = args.spec
        p = spec.platform
        db = p.database
        here = pulumi.ResourceOptions(parent=self)
        # Fails the preview/update, before any deletion, if a tenant disappeared from the stack.
        self.inventory = TenantInventory(
            _child("tenant-inventory"), {t.slug: t.schema_name for t in spec.tenants}, here,
            stack=args.stack, base_dir=args.base_dir,
        )
        postgres_ready: list[pulumi.Resource] = []
        host, port = db.host, db.port
        if p.runtime == "docker":
            postgres_ready = self._docker_postgres(spec, args.admin_password)
            host, port = "127.0.0.1", p.docker.postgres_host_port

        self.provider = postgresql.Provider(
            _child("postgresql"),
            host=host,
            port=port,
            database=db.dbname,
            username=db.admin_user,
            password=pulumi.Output.secret(args.admin_password),
            sslmode=db.sslmode,
            superuser=True,
            connect_timeout=db.connect_timeout,
            max_connections=min(db.max_connections, MAX_PROVIDER_CONNECTIONS),
            opts=pulumi.ResourceOptions(parent=self, depends_on=postgres_ready),
        )
        pg = pulumi.ResourceOptions(parent=self, provider=self.provider)
        self.radius_role = postgresql.Role(
            _child("radius-role"),
            name=p.radius.login_role,
            login=True,
            password=pulumi.Output.secret(p.radius.login_password.get_secret_value()),
            # Attributes as tenant_sql.provision creates it (the rendered SQL), so a stack
            # bootstrapped from `hotspotctl render` shows no diff. Grants come with the migrations.
            opts=pg,
        )
        self.system_migrations = SystemMigrations(
            _child("system-migrations"),
            {
                "schema": naming.SYSTEM_SCHEMA,
                "kind": "system",
                "owner_role": None,
                "prefix": p.tenant_schema_prefix,
                "radius_role": p.radius.login_role,
                # hybrid mode: the RADIUS role also gets the legacy shared RADIUS tables in public
                "hybrid": p.hybrid_mode,
                "migrations": list(migration_inventory("system")),
                "sized_for": server_sizing.capacity(spec.schema_tenant_count),
            },
            pulumi.ResourceOptions(parent=self, depends_on=[self.radius_role, *postgres_ready]),
            stack=args.stack,
            base_dir=args.base_dir,
        )
        # A server sized for fewer tenants still works, only slower: say so at every apply and
        # change nothing (an external server's settings are its operator's).
        self.system_migrations.server_shortfalls.apply(
            lambda found: [pulumi.log.warn(f"PostgreSQL {m}", resource=self) for m in found or []]
        )
        self.freeradius: pulumi.Resource | None = None
        if p.runtime == "docker":
            self.freeradius = self._docker_freeradius(spec)
        elif p.radius.deliver:
            self.freeradius = self._external_freeradius(spec, args, here)

        self.database = pulumi.Output.from_input(db.dbname)
        self.radius_role_name = self.radius_role.name
        self.register_outputs(
            {
                "database": self.database,
                "radiusRole": self.radius_role_name,
                "runtime": p.runtime,
                "tenantSchemaPrefix": p.tenant_schema_prefix,
            }
        )

    # ------------------------------------------------------------------ docker runtime

    def _docker_postgres(self, spec: StackSpec, admin_password: pulumi.Input[str]) -> list[pulumi.Resource]:
        sizing = server_sizing.sized_settings(spec.schema_tenant_count)
        nofile = server_sizing.open_files_limit(sizing)
        d = spec.platform.docker
        db = spec.platform.database
        here = pulumi.ResourceOptions(parent=self)
        self.network = docker.Network(_child("network"), name=d.network, opts=here)
        self.pgdata = docker.Volume(
            _child("pgdata"),
            name=f"{d.network}-pgdata",
            # The volume is the database: keep it when the stack is destroyed or replaced.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        image = docker.RemoteImage(_child("postgres-image"), name=d.postgres_image, keep_locally=True, opts=here)
        self.postgres = docker.Container(
            _child("postgres"),
            name=f"{d.network}-postgres",
            image=image.image_id,
            hostname="postgres",
            # Sized for the tenant schemas (tenant_sql/server_sizing.py): open files for every
            # tenant relation a pooled RADIUS backend touches, and buffers for their hot pages.
            command=["postgres", *[a for k, v in sizing.items() for a in ("-c", f"{k}={v}")]],
            ulimits=[docker.ContainerUlimitArgs(name="nofile", soft=nofile, hard=nofile)],
            envs=[
                pulumi.Output.concat("POSTGRES_PASSWORD=", pulumi.Output.secret(admin_password)),
                f"POSTGRES_USER={db.admin_user}",
                f"POSTGRES_DB={db.dbname}",
            ],
            # Published on the loopback address only: the stack's own provider connects here.
            ports=[docker.ContainerPortArgs(internal=5432, external=d.postgres_host_port, ip="127.0.0.1")],
            volumes=[docker.ContainerVolumeArgs(volume_name=self.pgdata.name, container_path="/var/lib/postgresql/data")],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=["postgres"])],
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=["CMD-SHELL", f"pg_isready -U {db.admin_user} -d {db.dbname} -h 127.0.0.1"],
                interval="2s",
                timeout="3s",
                retries=30,
                start_period="5s",
            ),
            restart="unless-stopped",
            wait=True,  # `up` waits for the health check before the provider connects
            wait_timeout=120,
            opts=here,
        )
        return [self.postgres]

    def _docker_freeradius(self, spec: StackSpec) -> pulumi.Resource | None:
        try:
            from freeradius.render import DbParams, RenderOptions, enabled_links, render_files
        except ImportError:  # the FreeRADIUS work has not landed in this checkout
            return None
        d = spec.platform.docker
        r = spec.platform.radius
        db = DbParams(
            host="postgres",  # the PostgreSQL container's alias on the platform network
            port=5432,
            dbname=spec.platform.database.dbname,
            user=r.login_role,
            password=r.login_password.get_secret_value(),
            sslmode="disable",
            connect_timeout=int(r.pool.connect_timeout),
        )
        options = RenderOptions(
            listen_address="0.0.0.0",  # inside the container; published below
            logdir="/var/log/freeradius",
            run_dir="/var/run/freeradius",
        )
        files = render_files(spec, db=db, options=options)
        # Uploads cannot create symlinks: an enabled module/site is uploaded as a copy of its
        # *-available file, and the entrypoint replaces the stock enabled set with ours.
        for link, target in enabled_links(options).items():
            source = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
            if source in files:
                files[link] = files[source]
        uploads = [
            docker.ContainerUploadArgs(file=f"{OVERLAY_DIR}/{rel}", content=pulumi.Output.secret(content))
            for rel, content in sorted(files.items())
        ]
        image = docker.RemoteImage(
            _child("freeradius-image"), name=d.freeradius_image, keep_locally=True, opts=pulumi.ResourceOptions(parent=self)
        )
        entry = (
            f"rm -f {CONTAINER_RADDB}/mods-enabled/* {CONTAINER_RADDB}/sites-enabled/* && "
            f"cp -r {OVERLAY_DIR}/. {CONTAINER_RADDB}/ && exec freeradius -f -l stdout"
        )
        return docker.Container(
            _child("freeradius"),
            name=f"{d.network}-freeradius",
            image=image.image_id,
            entrypoints=["/bin/sh", "-c"],
            command=[entry],
            uploads=uploads,
            ports=[
                docker.ContainerPortArgs(internal=r.auth_port, external=r.auth_port, protocol="udp", ip="127.0.0.1"),
                docker.ContainerPortArgs(internal=r.acct_port, external=r.acct_port, protocol="udp", ip="127.0.0.1"),
            ],
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=self.network.name)],
            restart="unless-stopped",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.system_migrations]),
        )

    # ------------------------------------------------------------------ external runtime

    def _external_freeradius(
        self, spec: StackSpec, args: PlatformArgs, here: pulumi.ResourceOptions
    ) -> pulumi.Resource:
        r = spec.platform.radius
        return FreeradiusConfig(
            _child("freeradius-config"),
            {
                "live_dir": r.config_dir,
                # A digest of the rendered files (they hold router secrets): a secret itself.
                "fingerprint": pulumi.Output.secret(config_fingerprint(spec)),
            },
            pulumi.ResourceOptions(parent=self, depends_on=[self.system_migrations]),
            stack=args.stack,
            base_dir=args.base_dir,
        )
