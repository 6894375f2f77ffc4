"""The validated stack spec: stack file -> StackSpec, with every error at once, each naming its path.

GitOps edits `stacks/Pulumi.<stack>.yaml`: `hotspot:platform` (an object) and `hotspot:tenants`
(a list), plus optionally one YAML file per tenant in `platform.tenants_dir` so that a pull request
touches one tenant. Nothing downstream reads raw config: components, renderers and providers take
a StackSpec.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from components import address_plan, naming
from components.errors import HotspotError, NamingError, SpecError, SpecIssue

MIN_SECRET_LENGTH = 16  # RADIUS shared secrets and service passwords
MIN_USER_PASSWORD_LENGTH = 6  # hotspot vouchers are typed on phones


class EncryptedSecret(SecretStr):
    """A `secure:` value read outside the Pulumi engine: present, but not readable here."""

    def __init__(self, ciphertext: str) -> None:
        super().__init__(ciphertext)

    def get_secret_value(self) -> str:
        raise HotspotError(
            "this secret is encrypted with the stack's secrets provider: run through `pulumi`, "
            "or give it as {env: NAME}"
        )


def _resolve_secret(value: Any) -> Any:
    """Accept a plain string, {env: NAME} or Pulumi's {secure: ciphertext}."""
    if isinstance(value, Mapping):
        if set(value) == {"env"}:
            name = value["env"]
            if not isinstance(name, str) or name not in os.environ:
                raise ValueError(f"environment variable {name!r} is not set")
            return os.environ[name]
        if set(value) == {"secure"}:
            return EncryptedSecret(str(value["secure"]))
        raise ValueError("a secret is a string, {env: NAME} or {secure: CIPHERTEXT}")
    return value


Secret = Annotated[SecretStr, BeforeValidator(_resolve_secret)]

_DURATION_RE = re.compile(r"^(\d+)\s*([smhdw]?)$")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _duration_seconds(value: Any) -> Any:
    """'90', 90, '30m', '1h', '7d' -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is seconds or a number with s, m, h, d or w")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = _DURATION_RE.fullmatch(value.strip())
        if m:
            return int(m.group(1)) * _DURATION_UNITS[m.group(2)]
    raise ValueError("a duration is seconds or a number with s, m, h, d or w (e.g. 1h, 30d)")


Duration = Annotated[int, BeforeValidator(_duration_seconds), Field(ge=0)]
Rate = Annotated[str, Field(pattern=r"^[1-9][0-9]*[kMG]?$")]  # RouterOS rate syntax: 512k, 10M, 1G


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Model):
    max_routers: int = Field(100, ge=0)
    max_users: int = Field(10000, ge=0)
    max_packages: int = Field(50, ge=0)
    max_size_mb: int = Field(10240, ge=1)


class PartialLimits(_Model):
    max_routers: int | None = Field(None, ge=0)
    max_users: int | None = Field(None, ge=0)
    max_packages: int | None = Field(None, ge=0)
    max_size_mb: int | None = Field(None, ge=1)


class DatabaseSpec(_Model):
    host: str = "127.0.0.1"
    port: int = Field(5432, ge=1, le=65535)
    dbname: str = "hotspot"
    admin_user: str = "postgres"
    # Usually absent here and given as the secret config value hotspot:dbAdminPassword.
    admin_password: Secret | None = None
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "prefer"
    # pulumi-postgresql opens up to this many connections: keep it small (issue 126/831).
    max_connections: int = Field(4, ge=1, le=20)
    connect_timeout: int = Field(10, ge=1, le=300)


class RadiusPool(_Model):
    start: int = Field(0, ge=0)  # 0: FreeRADIUS starts even while PostgreSQL is down
    min: int = Field(0, ge=0)
    # Small on purpose: every pooled backend caches the catalog entries of every tenant it meets
    # (0.7 MB per tenant), and FreeRADIUS worker threads are capped at pool.max (rlm_sql does not
    # queue for a connection). Measured at 1000 tenants on 2 cores (bench/radius.py): nas mode 0.84
    # of a single-schema server with 4, 0.75 with 8. Raise it with the database's cores.
    max: int = Field(4, ge=1, le=1024)
    spare: int = Field(4, ge=0)
    uses: int = Field(0, ge=0)
    lifetime: int = Field(0, ge=0)
    idle_timeout: int = Field(60, ge=0)
    connect_timeout: float = Field(3.0, gt=0)


class RadiusSpec(_Model):
    resolution: Literal["mapping", "nas"] = "mapping"
    listen_address: IPv4Address | None = None  # default: the WireGuard hub address
    auth_port: int = Field(1812, ge=1, le=65535)
    acct_port: int = Field(1813, ge=1, le=65535)
    vendor_id: int = Field(32473, ge=1, le=16777215)  # 32473: documentation PEN; use your own
    login_role: str = Field("freeradius", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    login_password: Secret
    pool: RadiusPool = RadiusPool()
    require_message_authenticator: bool = True
    # runtime external: where the rendered tree is delivered (on the machine running `pulumi up`),
    # and how the running server picks it up. A change of clients needs restart_command (HUP does
    # not reload clients); without it the delivery reports restart_required. deliver: false leaves
    # delivery to another tool (`hotspotctl render --raddb-base` writes the same tree).
    config_dir: str = "/etc/freeradius/3.0"
    reload_command: list[str] | None = None
    restart_command: list[str] | None = None
    deliver: bool = True


class WireguardSpec(_Model):
    pool: IPv4Network = IPv4Network("10.100.0.0/16")
    hub_address: IPv4Address = IPv4Address("10.100.0.1")
    hub_endpoint: str = Field("vpn.example.net", min_length=1, max_length=255)
    listen_port: int = Field(51820, ge=1, le=65535)
    interface: str = Field("wg-hotspot", pattern=r"^[a-zA-Z0-9_.-]{1,15}$")
    persistent_keepalive: int = Field(25, ge=0, le=65535)


class DockerSpec(_Model):
    network: str = "hotspot"
    postgres_image: str = "postgres:15-bookworm"
    freeradius_image: str = "freeradius/freeradius-server:3.2.3"
    postgres_host_port: int = Field(15432, ge=1, le=65535)


class PlatformSpec(_Model):
    runtime: Literal["external", "docker"] = "external"
    database: DatabaseSpec = DatabaseSpec()
    system_schema: Literal["public"] = "public"
    tenant_schema_prefix: str = naming.DEFAULT_PREFIX
    hybrid_mode: bool = False  # allows `isolation: shared` (legacy tenants in the public tables)
    radius: RadiusSpec
    wireguard: WireguardSpec = WireguardSpec()
    limits: Limits = Limits()
    tenants_dir: str | None = None
    docker: DockerSpec = DockerSpec()

    @field_validator("tenant_schema_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        return naming.validate_prefix(v)


class RouterApi(_Model):
    host: str | None = None  # default: the router's tunnel address
    port: int | None = Field(None, ge=1, le=65535)  # default 8728, or 8729 with tls
    tls: bool = False
    username: str = Field(min_length=1, max_length=64)
    password: Secret


class RouterSpec(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    tunnel_ip: IPv4Address
    nas_identifier: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    management: Literal["api", "script"] = "api"
    api: RouterApi | None = None
    radius_secret: Secret
    wireguard_public_key: str | None = Field(None, pattern=r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")
    wireguard_listen_port: int = Field(13231, ge=1, le=65535)
    model: str | None = None
    location: str | None = None


class PackageSpec(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")
    type: Literal["hotspot", "pppoe"] = "hotspot"
    description: str | None = None
    rate_up: Rate  # from the subscriber's view; the router's rx
    rate_down: Rate
    session_timeout: Duration | None = None
    idle_timeout: Duration | None = None
    interim_interval: Duration = 300
    data_cap_mb: int | None = Field(None, ge=1)
    validity: Duration
    price: Decimal = Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)
    devices: int = Field(1, ge=1, le=1000)  # Simultaneous-Use
    public: bool = True


class UserSpec(_Model):
    username: str = Field(pattern=r"^[A-Za-z0-9+._@-]{1,64}$")
    password: Secret
    package: str | None = None
    role: Literal["hotspot_user", "admin", "pppoe"] = "hotspot_user"
    active: bool = True


class TenantSpec(_Model):
    slug: str
    name: str = Field(min_length=1, max_length=255)
    id: UUID
    email: str | None = None
    isolation: Literal["schema", "shared"] = "schema"
    active: bool = True
    limits: PartialLimits = PartialLimits()
    tunnel_prefix: IPv4Network
    routers: list[RouterSpec] = []
    packages: list[PackageSpec] = []
    users: list[UserSpec] = []
    decommission: bool = False

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return naming.validate_slug(v)


class ResolvedTenant(BaseModel):
    """A tenant with everything derived once: schema, roles, effective limits."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    spec: TenantSpec
    schema_name: str  # the tenant schema, or the system schema for a shared tenant
    owner_role: str | None  # None for shared tenants
    limits: Limits
    source: str  # where it was declared: "tenants[1]" or "tenants/alpha.yaml"

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def shared(self) -> bool:
        return self.spec.isolation == "shared"


class StackSpec(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    stack: str
    platform: PlatformSpec
    tenants: tuple[ResolvedTenant, ...]

    def tenant(self, slug: str) -> ResolvedTenant:
        for t in self.tenants:
            if t.slug == slug:
                return t
        raise KeyError(slug)

    @property
    def radius_listen_address(self) -> IPv4Address:
        return self.platform.radius.listen_address or self.platform.wireguard.hub_address

    @property
    def schema_tenant_count(self) -> int:
        """Tenants with a schema of their own (what the database server is sized for)."""
        return sum(1 for t in self.tenants if not t.shared)


# ---------------------------------------------------------------- loading and validation


def _loc_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pydantic_issues(err: ValidationError, prefix: str) -> list[SpecIssue]:
    issues = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if p not in ("function-before[_resolve_secret(), constrained-str]",))
        path = _loc_path(loc)
        sep = "." if path and not path.startswith("[") else ""
        full = f"{prefix}{sep}{path}" if prefix else path
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        issues.append(SpecIssue(full or "<root>", msg.removeprefix("Value error, ")))
    return issues


def _reveal(secret: SecretStr) -> str | None:
    return None if isinstance(secret, EncryptedSecret) else secret.get_secret_value()


def _check_secret(issues: list[SpecIssue], path: str, secret: SecretStr | None, minimum: int) -> None:
    value = None if secret is None else _reveal(secret)
    if value is None:
        return
    if len(value) < minimum:
        issues.append(SpecIssue(path, f"secret is shorter than {minimum} characters"))
    elif len(set(value)) < 6:
        issues.append(SpecIssue(path, "secret has fewer than 6 distinct characters"))


def _effective_limits(defaults: Limits, partial: PartialLimits) -> Limits:
    override = {k: v for k, v in partial.model_dump().items() if v is not None}
    return defaults.model_copy(update=override)


def _load_tenant_files(base_dir: Path, tenants_dir: str, issues: list[SpecIssue]) -> list[tuple[str, Any]]:
    folder = (base_dir / tenants_dir).resolve()
    if not folder.is_dir():
        issues.append(SpecIssue("platform.tenants_dir", f"folder {folder} does not exist"))
        return []
    out = []
    for path in sorted(folder.glob("*.yaml")):
        rel = os.path.relpath(path, base_dir)
        try:
            out.append((rel, yaml.safe_load(path.read_text())))
        except yaml.YAMLError as e:
            issues.append(SpecIssue(rel, f"not valid YAML: {e}"))
    return out


def build_spec(
    stack: str,
    raw_platform: Any,
    raw_tenants: Any,
    base_dir: Path,
) -> StackSpec:
    """Validate raw config into a StackSpec, or raise SpecError with every issue found."""
    issues: list[SpecIssue] = []
    platform: PlatformSpec | None = None
    try:
        platform = PlatformSpec.model_validate(raw_platform if raw_platform is not None else {})
    except ValidationError as e:
        issues += _pydantic_issues(e, "platform")

    declared: list[tuple[str, Any]] = []
    if raw_tenants is None:
        raw_tenants = []
    if not isinstance(raw_tenants, list):
        issues.append(SpecIssue("tenants", "must be a list"))
        raw_tenants = []
    declared += [(f"tenants[{i}]", t) for i, t in enumerate(raw_tenants)]
    if platform is not None and platform.tenants_dir:
        declared += _load_tenant_files(base_dir, platform.tenants_dir, issues)

    tenants: list[tuple[str, TenantSpec]] = []
    for where, raw in declared:
        try:
            tenants.append((where, TenantSpec.model_validate(raw)))
        except ValidationError as e:
            prefix = where if where.startswith("tenants[") else f"{where}:"
            for issue in _pydantic_issues(e, ""):
                path = f"{prefix}.{issue.path}" if prefix.startswith("tenants[") else f"{prefix} {issue.path}"
                issues.append(SpecIssue(path.replace(".[", "["), issue.reason))
            partial = _partial_tenant(raw, e)
            if partial is not None:
                tenants.append((where, partial))

    resolved: list[ResolvedTenant] = []
    if platform is not None:
        resolved = _cross_check(platform, tenants, issues)
    if issues:
        raise SpecError(issues)
    assert platform is not None
    return StackSpec(stack=stack, platform=platform, tenants=tuple(resolved))


_LIST_FIELDS = {"routers": RouterSpec, "packages": PackageSpec, "users": UserSpec}


def _partial_tenant(raw: Any, err: ValidationError) -> TenantSpec | None:
    """The valid parts of an invalid tenant, so the cross checks still report their findings
    (all errors at once). Invalid list items are dropped; other invalid fields are left unset."""
    if not isinstance(raw, Mapping):
        return None
    bad = {e["loc"][0] for e in err.errors() if e["loc"]}
    fields: dict[str, Any] = {}
    for name, info in TenantSpec.model_fields.items():
        if name not in raw:
            if not info.is_required():
                fields[name] = info.get_default(call_default_factory=True)
            continue
        if name in _LIST_FIELDS and isinstance(raw[name], list):
            items = []
            for item in raw[name]:
                try:
                    items.append(_LIST_FIELDS[name].model_validate(item))
                except ValidationError:
                    pass
            fields[name] = items
        elif name not in bad:
            fields[name] = TypeAdapter(info.annotation).validate_python(raw[name])
    return TenantSpec.model_construct(**fields)


def _at(where: str, field: str) -> str:
    return f"{where}.{field}" if where.startswith("tenants[") else f"{where}: {field}"


def _cross_check(
    platform: PlatformSpec, tenants: list[tuple[str, TenantSpec]], issues: list[SpecIssue]
) -> list[ResolvedTenant]:
    prefix = platform.tenant_schema_prefix
    wg = platform.wireguard
    _check_secret(issues, "platform.radius.login_password", platform.radius.login_password, MIN_SECRET_LENGTH)
    if platform.database.admin_password is not None:
        _check_secret(
            issues, "platform.database.admin_password", platform.database.admin_password, MIN_SECRET_LENGTH
        )
    for pi in address_plan.check_pool(wg.pool, wg.hub_address):
        issues.append(SpecIssue(f"platform.wireguard.{pi.where}", pi.reason))
    if platform.radius.auth_port == platform.radius.acct_port:
        issues.append(SpecIssue("platform.radius.acct_port", "must differ from auth_port"))

    first_seen: dict[tuple[str, str], str] = {}  # (kind, value) -> where it was first declared

    def unique(kind: str, value: str, where: str, label: str) -> None:
        key = (kind, value)
        if key in first_seen:
            issues.append(SpecIssue(where, f"{label} {value!r} is already used by {first_seen[key]}"))
        else:
            first_seen[key] = where

    resolved: list[ResolvedTenant] = []
    for where, t in tenants:
        # A tenant that failed field validation arrives partial (see _partial_tenant): its invalid
        # fields are unset, and the checks that need them are skipped.
        slug: str | None = getattr(t, "slug", None)
        tenant_id = getattr(t, "id", None)
        tunnel_prefix: IPv4Network | None = getattr(t, "tunnel_prefix", None)
        if slug is not None:
            unique("slug", slug, _at(where, "slug"), "slug")
        if tenant_id is not None:
            unique("id", str(tenant_id), _at(where, "id"), "tenant id")
        schema: str | None = None
        owner: str | None = None
        if getattr(t, "isolation", None) == "shared":
            schema = naming.SHARED_SCHEMA
            if not platform.hybrid_mode:
                issues.append(
                    SpecIssue(_at(where, "isolation"), "shared tenants need platform.hybrid_mode: true")
                )
        elif slug is not None and getattr(t, "isolation", None) == "schema":
            try:
                if len(slug) > naming.max_slug_length(prefix):
                    raise NamingError(slug, f"slug is longer than {naming.max_slug_length(prefix)} characters")
                schema = naming.schema_name(slug, prefix)
                owner = naming.owner_role(schema)
                unique("schema", schema, _at(where, "slug"), "schema name")
            except NamingError as e:
                issues.append(SpecIssue(_at(where, "slug"), str(e)))

        limits = _effective_limits(platform.limits, getattr(t, "limits", PartialLimits()))
        for field, count, limit in (
            ("routers", len(t.routers), limits.max_routers),
            ("users", len(t.users), limits.max_users),
            ("packages", len(t.packages), limits.max_packages),
        ):
            if count > limit:
                issues.append(SpecIssue(_at(where, field), f"{count} declared, limit is {limit}"))

        package_names: set[str] = set()
        for i, p in enumerate(t.packages):
            if p.name in package_names:
                issues.append(SpecIssue(_at(where, f"packages[{i}].name"), f"duplicate package {p.name!r}"))
            package_names.add(p.name)
            try:
                naming.radius_group(p.name, slug if getattr(t, "isolation", None) == "shared" else None)
            except NamingError as e:
                issues.append(SpecIssue(_at(where, f"packages[{i}].name"), str(e)))

        for i, r in enumerate(t.routers):
            rw = _at(where, f"routers[{i}]")
            unique(f"router:{where}", r.name, f"{rw}.name", "router name")
            unique("tunnel_ip", str(r.tunnel_ip), f"{rw}.tunnel_ip", "tunnel address")
            unique("nas", r.nas_identifier, f"{rw}.nas_identifier", "NAS identifier")
            if r.wireguard_public_key:
                unique("wgkey", r.wireguard_public_key, f"{rw}.wireguard_public_key", "WireGuard public key")
            why = (
                address_plan.check_router_address(tunnel_prefix, wg.hub_address, r.tunnel_ip)
                if tunnel_prefix is not None
                else None
            )
            if why:
                issues.append(SpecIssue(f"{rw}.tunnel_ip", why))
            _check_secret(issues, f"{rw}.radius_secret", r.radius_secret, MIN_SECRET_LENGTH)
            secret = _reveal(r.radius_secret)
            if secret is not None:
                # One secret for every router is a defect of the application we replace.
                unique("radius_secret", secret, f"{rw}.radius_secret", "RADIUS secret of")
            if r.management == "api" and r.api is None:
                issues.append(SpecIssue(f"{rw}.api", "management: api needs api credentials"))
            if r.api is not None:
                _check_secret(issues, f"{rw}.api.password", r.api.password, 8)

        for i, u in enumerate(t.users):
            uw = _at(where, f"users[{i}]")
            unique("username", u.username, f"{uw}.username", "username")
            if u.package is not None and u.package not in package_names:
                issues.append(SpecIssue(f"{uw}.package", f"no package {u.package!r} in this tenant"))
            if u.role != "admin" and u.package is None:
                issues.append(SpecIssue(f"{uw}.package", f"a {u.role} needs a package"))
            _check_secret(issues, f"{uw}.password", u.password, MIN_USER_PASSWORD_LENGTH)

        if schema is not None and slug is not None:
            resolved.append(
                ResolvedTenant(spec=t, schema_name=schema, owner_role=owner, limits=limits, source=where)
            )

    for pi in address_plan.check_tenant_prefixes(
        wg.pool, wg.hub_address, [(_at(w, "tunnel_prefix"), t.tunnel_prefix) for w, t in tenants if hasattr(t, "tunnel_prefix")]
    ):
        issues.append(SpecIssue(pi.where, pi.reason))
    # Issues raised for "already used by" name the first place; strip the secret value itself.
    for i, issue in enumerate(issues):
        if issue.reason.startswith("RADIUS secret of"):
            first = issue.reason.rsplit(" is already used by ", 1)[1]
            issues[i] = SpecIssue(issue.path, f"reuses the RADIUS secret of {first} (one secret per router)")
    return resolved


def stack_name_from_path(path: Path) -> str:
    m = re.fullmatch(r"Pulumi\.([A-Za-z0-9_.-]+)\.yaml", path.name)
    if not m:
        raise SpecError([SpecIssue(str(path), "stack files are named Pulumi.<stack>.yaml")])
    return m.group(1)


def load_stack(path: str | Path) -> StackSpec:
    """Read and validate a stack file (and its tenants_dir) without the Pulumi engine."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise SpecError([SpecIssue(str(path), f"cannot read stack file: {e}")], source=str(path)) from e
    config = doc.get("config", {}) if isinstance(doc, dict) else {}
    if not isinstance(config, dict):
        raise SpecError([SpecIssue("config", "must be a mapping")], source=str(path))
    unknown = sorted(k for k in config if k.startswith("hotspot:") and k not in _KNOWN_KEYS)
    try:
        spec = build_spec(
            stack_name_from_path(path), config.get("hotspot:platform"), config.get("hotspot:tenants"), path.parent
        )
    except SpecError as e:
        e.issues[:0] = [SpecIssue(k, "unknown config key") for k in unknown]
        raise SpecError(e.issues, source=str(path)) from None
    if unknown:
        raise SpecError([SpecIssue(k, "unknown config key") for k in unknown], source=str(path))
    return spec


_KNOWN_KEYS = {"hotspot:platform", "hotspot:tenants", "hotspot:dbAdminPassword"}
