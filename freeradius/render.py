"""Render a complete, runnable FreeRADIUS 3.2 configuration directory from the validated spec.

`render_files` is pure (spec in, {relative path: content} out); `render_config` copies the stock
raddb tree, lays the rendered files over it, enables exactly the modules and sites we list (by
relative symlink, as FreeRADIUS's own tree does), sets modes (files 0640, directories 0750: the
tree holds every router's secret and the database password) and swaps the result into place.

Templates mirror the raddb tree (`templates/mods-available/sql.j2` -> `mods-available/sql`); the
`.j2` suffix is stripped on output because FreeRADIUS loads every file of an included directory.
Jinja delimiters are `[[ ]]` / `[% %]`: FreeRADIUS itself uses `%{...}` and `{%{...}` sequences.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Literal

import jinja2

from components import naming
from components.errors import RenderError
from components.spec import StackSpec

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
STOCK_RADDB = Path("/etc/freeradius/3.0")
CONFIG_DIRNAME = "freeradius"  # render_config(out_dir) writes out_dir/freeradius

# What runs. Everything else in the stock tree stays in *-available and is not loaded
# (stock `default` and `inner-tunnel` sites, EAP, files, detail, ...).
ENABLED_MODULES = ("always", "expr", "pap", "chap", "sql")
CACHE_MODULE = "cache_mapping"
ENABLED_SITES = ("hotspot",)

FILE_MODE = 0o640
DIR_MODE = 0o750

Resolution = Literal["mapping", "nas", "stock"]


@dataclass(frozen=True)
class DbParams:
    """Where FreeRADIUS's sql module connects (default: the spec's database and login role)."""

    host: str
    port: int
    dbname: str
    user: str
    password: str = field(repr=False)
    sslmode: str = "prefer"
    connect_timeout: int = 3


@dataclass(frozen=True)
class ExtraClient:
    """A client entry outside the spec (tests: a router that belongs to no tenant)."""

    name: str
    ipaddr: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class RenderOptions:
    """Deployment details that are not tenant data. Tests point them at 127.0.0.x high ports."""

    listen_address: str | None = None  # default: spec.radius_listen_address
    auth_port: int | None = None
    acct_port: int | None = None
    router_addresses: Mapping[str, str] = field(default_factory=dict)  # router name -> client ipaddr
    extra_clients: tuple[ExtraClient, ...] = ()
    resolution: Resolution | None = None  # default: spec; "stock" = single-schema baseline (bench)
    reject_delay: int = 1  # stock value; 0 in tests only
    mapping_cache_ttl: int = 0  # seconds; 0 = look the mapping up on every request
    logdir: str = "/var/log/freeradius"
    run_dir: str = "/var/run/freeradius"
    run_user: str | None = "freerad"  # None: do not drop privileges (tests run as root)
    run_group: str | None = "freerad"
    max_servers: int = 32  # worker threads
    stock_schema: str = "public"  # tables of the "stock" baseline


def default_db(spec: StackSpec) -> DbParams:
    d = spec.platform.database
    r = spec.platform.radius
    return DbParams(
        host=d.host,
        port=d.port,
        dbname=d.dbname,
        user=r.login_role,
        password=r.login_password.get_secret_value(),
        sslmode=d.sslmode,
        connect_timeout=int(r.pool.connect_timeout),
    )


# ----------------------------------------------------------------------------- quoting

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def fr_string(value: str, where: str) -> str:
    """A FreeRADIUS double-quoted config string. `${` would be expanded at parse time and control
    characters cannot be written, so both are refused with the field named."""
    if _UNSAFE.search(value) or "${" in value:
        raise RenderError(f"{where}: contains a control character or '${{', which FreeRADIUS cannot quote")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _conninfo_value(value: str) -> str:
    """libpq conninfo quoting: single quotes, backslash escapes."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _conninfo(db: DbParams) -> str:
    """Everything but the password: rlm_sql logs radius_db at start-up."""
    parts = {
        "host": db.host,
        "port": str(db.port),
        "dbname": db.dbname,
        "user": db.user,
        "sslmode": db.sslmode,
        "connect_timeout": str(db.connect_timeout),
        "application_name": "freeradius",
    }
    return " ".join(f"{k}={_conninfo_value(v)}" for k, v in parts.items())


def _db_password(password: str) -> str:
    """rlm_sql_postgresql appends ` password='<value>'` to the conninfo without escaping."""
    if "'" in password or "\\" in password:
        raise RenderError("platform.radius.login_password: must not contain a quote (') or a backslash")
    return password


# ----------------------------------------------------------------------------- context


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - FreeRADIUS config, not HTML; values are quoted by fr_string
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )


def _clients(spec: StackSpec, options: RenderOptions) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    known_routers = {r.name for t in spec.tenants for r in t.spec.routers}
    unknown = set(options.router_addresses) - known_routers
    if unknown:
        raise RenderError(f"router_addresses: no router named {', '.join(sorted(unknown))} in the spec")
    for tenant in spec.tenants:
        schema = naming.validate_schema_name(
            tenant.schema_name, spec.platform.tenant_schema_prefix, allow_system=tenant.shared
        )
        for i, router in enumerate(tenant.spec.routers):
            where = f"{tenant.source}.routers[{i}]"
            addr = str(IPv4Address(options.router_addresses.get(router.name, str(router.tunnel_ip))))
            if addr in seen:
                raise RenderError(f"{where}: client address {addr} is already used by {seen[addr]}")
            seen[addr] = where
            out.append(
                {
                    "name": router.name,
                    "ipaddr": addr,
                    "secret": fr_string(router.radius_secret.get_secret_value(), f"{where}.radius_secret"),
                    "shortname": router.nas_identifier,
                    "tenant_schema": schema,
                    "tenant_id": str(tenant.spec.id),
                    "tenant_slug": tenant.slug,
                }
            )
    for extra in options.extra_clients:
        addr = str(IPv4Address(extra.ipaddr))
        if addr in seen:
            raise RenderError(f"extra client {extra.name}: address {addr} is already used by {seen[addr]}")
        seen[addr] = extra.name
        out.append(
            {
                "name": extra.name,
                "ipaddr": addr,
                "secret": fr_string(extra.secret, f"extra client {extra.name}"),
                "shortname": extra.name,
            }
        )
    return out


def _context(spec: StackSpec, db: DbParams, options: RenderOptions) -> dict[str, object]:
    radius = spec.platform.radius
    prefix = spec.platform.tenant_schema_prefix
    auth_port = options.auth_port or radius.auth_port
    acct_port = options.acct_port or radius.acct_port
    if auth_port == acct_port:
        raise RenderError(f"auth port and acct port are both {auth_port}")
    resolution = options.resolution or radius.resolution
    stock_schema = options.stock_schema
    if stock_schema != naming.SYSTEM_SCHEMA:
        naming.validate_schema_name(stock_schema, prefix)
    return {
        "spec": spec,
        "resolution": resolution,
        "stock_schema": stock_schema,
        "system_schema": spec.platform.system_schema,
        # Prefix characters are [a-z0-9_] (naming.validate_prefix): nothing to escape in a regex.
        "schema_regex": f"^(public|{prefix}[a-z0-9_]+)$",
        "listen_address": str(IPv4Address(options.listen_address or str(spec.radius_listen_address))),
        "auth_port": auth_port,
        "acct_port": acct_port,
        "clients": _clients(spec, options),
        "require_message_authenticator": "yes" if radius.require_message_authenticator else "no",
        "pool": radius.pool,
        "radius_db": fr_string(_conninfo(db), "platform.database"),
        "db_password": fr_string(_db_password(db.password), "platform.radius.login_password"),
        "vendor_id": radius.vendor_id,
        "reject_delay": options.reject_delay,
        "mapping_cache_ttl": options.mapping_cache_ttl,
        "logdir": fr_string(options.logdir, "logdir"),
        "run_dir": fr_string(options.run_dir, "run_dir"),
        "run_user": options.run_user,
        "run_group": options.run_group,
        # A request that finds no free pooled connection fails at once (rlm_sql does not queue):
        # never run more worker threads than the pool has connections.
        "max_servers": min(options.max_servers, radius.pool.max),
        "internal_dictionary": (PACKAGE_DIR / "dictionary").read_text(),
    }


def render_files(
    spec: StackSpec, *, db: DbParams | None = None, options: RenderOptions | None = None
) -> dict[str, str]:
    """{path relative to the raddb dir: content} for every file we render. Pure."""
    options = options or RenderOptions()
    ctx = _context(spec, db or default_db(spec), options)
    env = _env()
    out: dict[str, str] = {}
    for tpl in sorted(TEMPLATES.rglob("*.j2")):
        rel = tpl.relative_to(TEMPLATES).as_posix()
        if rel == f"mods-available/{CACHE_MODULE}.j2" and not options.mapping_cache_ttl:
            continue
        try:
            out[rel.removesuffix(".j2")] = env.get_template(rel).render(ctx)
        except jinja2.TemplateError as e:
            raise RenderError(f"template {rel}: {e}") from e
    return out


def enabled_links(options: RenderOptions | None = None) -> dict[str, str]:
    """{symlink path: relative target} for the modules and sites that run."""
    options = options or RenderOptions()
    mods = ENABLED_MODULES + ((CACHE_MODULE,) if options.mapping_cache_ttl else ())
    links = {f"mods-enabled/{m}": f"../mods-available/{m}" for m in mods}
    links |= {f"sites-enabled/{s}": f"../sites-available/{s}" for s in ENABLED_SITES}
    return links


# ----------------------------------------------------------------------------- writer


def _chown(path: Path, user: str | None, group: str | None) -> None:
    if os.geteuid() != 0 or (user is None and group is None):
        return
    try:
        shutil.chown(path, user=user, group=group)
    except LookupError:  # no such user/group on this host (e.g. no freeradius package)
        pass


def write_tree(
    files: Mapping[str, str],
    links: Mapping[str, str],
    target: Path,
    *,
    raddb_base: Path = STOCK_RADDB,
    group: str | None = "freerad",
) -> Path:
    """Copy raddb_base, lay `files` over it, replace mods-enabled/ and sites-enabled/ with `links`,
    set modes, and swap the tree into `target` (rename; the old tree is removed after)."""
    if not (raddb_base / "radiusd.conf").is_file():
        raise RenderError(f"raddb base {raddb_base}: no radiusd.conf (is FreeRADIUS 3 installed?)")
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        tree = tmp / "raddb"
        shutil.copytree(raddb_base, tree, symlinks=True)
        for sub in ("mods-enabled", "sites-enabled"):
            shutil.rmtree(tree / sub, ignore_errors=True)
            (tree / sub).mkdir()
        for rel, content in files.items():
            path = tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                path.unlink()
            path.write_text(content)
        for rel, dest in links.items():
            if not (tree / rel).parent.joinpath(dest).exists():
                raise RenderError(f"{rel}: link target {dest} does not exist")
            os.symlink(dest, tree / rel)
        set_modes(tree, group=group)
        _swap_in(tree, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def set_modes(tree: Path, *, group: str | None = "freerad") -> None:
    """Files 0640, directories 0750 (owner root or the caller, group freerad when it exists)."""
    for dirpath, dirnames, filenames in os.walk(tree):
        d = Path(dirpath)
        os.chmod(d, DIR_MODE)
        _chown(d, None, group)
        for name in filenames:
            p = d / name
            if p.is_symlink():
                continue
            os.chmod(p, FILE_MODE)
            _chown(p, None, group)
        for name in dirnames:
            if (d / name).is_symlink():
                continue


def _swap_in(new: Path, target: Path) -> None:
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)


def prepare_runtime_dirs(options: RenderOptions) -> None:
    """logdir and run_dir must exist and be writable by the user FreeRADIUS runs as."""
    for d in (options.logdir, options.run_dir):
        p = Path(d)
        p.mkdir(parents=True, exist_ok=True)
        os.chmod(p, DIR_MODE)
        _chown(p, options.run_user, options.run_group)


def render_config(
    spec: StackSpec,
    out_dir: Path,
    *,
    raddb_base: Path = STOCK_RADDB,
    overrides: RenderOptions | None = None,
    db: DbParams | None = None,
) -> Path:
    """Write out_dir/freeradius, a complete raddb directory for `freeradius -d`. Unless overridden,
    logdir and run_dir are out_dir/log and out_dir/run so the result runs without root."""
    out_dir = Path(out_dir).resolve()
    options = overrides or RenderOptions(logdir=str(out_dir / "log"), run_dir=str(out_dir / "run"))
    files = render_files(spec, db=db, options=options)
    target = write_tree(files, enabled_links(options), out_dir / CONFIG_DIRNAME, raddb_base=raddb_base,
                        group=options.run_group)
    prepare_runtime_dirs(options)
    return target
