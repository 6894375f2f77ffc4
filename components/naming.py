"""The one module that owns physical names: schemas, roles, RADIUS groups, Pulumi child names.

Every entry point (spec, CLI, migrator, TenantContext, renderers) validates schema names through
`validate_schema_name`; validation is not quoting, so SQL still composes names with
psycopg.sql.Identifier.
"""

from __future__ import annotations

import re

from components.errors import NamingError

PG_MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names (NAMEDATALEN - 1)
SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
PREFIX_RE = re.compile(r"^[a-z][a-z0-9_]*_$")
RESERVED_SCHEMAS = frozenset({"public", "information_schema", "pg_catalog", "pg_toast"})
DEFAULT_PREFIX = "tenant_"
SYSTEM_SCHEMA = "public"
# Legacy shared-table tenants map their RADIUS users to the system schema.
SHARED_SCHEMA = SYSTEM_SCHEMA
OWNER_ROLE_SUFFIX = "_owner"


def validate_prefix(prefix: str) -> str:
    if not PREFIX_RE.fullmatch(prefix):
        raise NamingError(prefix, "tenant schema prefix must match ^[a-z][a-z0-9_]*_$")
    if prefix.startswith("pg_"):
        raise NamingError(prefix, "prefix pg_ is reserved by PostgreSQL")
    if len(prefix) > 20:
        raise NamingError(prefix, "tenant schema prefix is longer than 20 characters")
    return prefix


def validate_slug(slug: str) -> str:
    if not SLUG_RE.fullmatch(slug):
        raise NamingError(
            slug, "slug must be lower-case ASCII letters and digits, words joined by single - or _"
        )
    return slug


def validate_schema_name(name: str, prefix: str = DEFAULT_PREFIX, *, allow_system: bool = False) -> str:
    """The single schema-name check. Refuses anything that is not a tenant schema of `prefix`
    (or, with allow_system, the system schema itself)."""
    if allow_system and name == SYSTEM_SCHEMA:
        return name
    if not isinstance(name, str) or not SCHEMA_RE.fullmatch(name):
        raise NamingError(str(name), "schema name must match ^[a-z][a-z0-9_]*$ (ASCII)")
    if len(name.encode()) > PG_MAX_IDENTIFIER_BYTES:
        raise NamingError(name, f"schema name is longer than {PG_MAX_IDENTIFIER_BYTES} bytes")
    if name in RESERVED_SCHEMAS or name.startswith("pg_"):
        raise NamingError(name, "schema name is reserved")
    if not name.startswith(prefix) or len(name) == len(prefix):
        raise NamingError(name, f"tenant schema name must start with {prefix!r} followed by the slug")
    return name


def schema_name(slug: str, prefix: str = DEFAULT_PREFIX) -> str:
    validate_prefix(prefix)
    validate_slug(slug)
    return validate_schema_name(prefix + slug.replace("-", "_"), prefix)


def owner_role(schema: str) -> str:
    """NOLOGIN role that owns the tenant schema and every object in it."""
    name = schema + OWNER_ROLE_SUFFIX
    if len(name.encode()) > PG_MAX_IDENTIFIER_BYTES:
        raise NamingError(name, f"role name is longer than {PG_MAX_IDENTIFIER_BYTES} bytes")
    return name


def max_slug_length(prefix: str = DEFAULT_PREFIX) -> int:
    """Longest slug whose schema and owner role both fit in 63 bytes."""
    return PG_MAX_IDENTIFIER_BYTES - len(prefix) - len(OWNER_ROLE_SUFFIX)


RADIUS_GROUP_MAX = 64  # radusergroup.groupname varchar(64)


def radius_group(package_name: str, shared_slug: str | None = None) -> str:
    """RADIUS group that carries a package's attributes. Shared (legacy) tenants share the public
    group tables, so their groups carry the tenant slug as well."""
    name = f"pkg_{package_name}" + (f"@{shared_slug}" if shared_slug else "")
    if len(name) > RADIUS_GROUP_MAX:
        raise NamingError(name, f"RADIUS group name is longer than {RADIUS_GROUP_MAX} characters")
    return name


def advisory_lock_key(schema: str) -> int:
    """Stable 64-bit advisory-lock key per schema (hashtext is 32-bit and collides sooner)."""
    import hashlib

    digest = hashlib.sha256(("hotspot-migrate:" + schema).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# Pulumi child names: a child's name is its identity (renaming replaces the resource), so these
# are derived from the slug and the child's role only, and pinned by tests/test_components_mock.py.
def child_name(slug: str, role: str) -> str:
    return f"{slug}-{role}"
