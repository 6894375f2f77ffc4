"""`hotspotctl render STACK --out DIR`: what provisioning executes, for auditors and operators.

- DIR/sql/platform.sql, then DIR/sql/<slug>.sql per tenant: produced by
  tenant_sql.provision.render_sql, the same statements the dynamic providers run (roles,
  schemas, migrations, grants, registry rows and the declared RADIUS data), each applicable with
  `psql -v ON_ERROR_STOP=1 -1 -f FILE` by the platform admin;
- with raddb_base: DIR/freeradius, the complete FreeRADIUS tree (freeradius.render.render_config).

The files hold secrets (the FreeRADIUS role's password, users' passwords, router secrets), so
they are written 0600 in directories 0700. Secrets come from `secrets`, the environment
(HOTSPOT_RADIUS_PASSWORD) or the stack file; a value the stack keeps encrypted (`{secure: ...}`)
cannot be read outside the Pulumi engine, and the error lists every one of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from components.errors import HotspotError
from components.spec import EncryptedSecret, StackSpec

RADIUS_PASSWORD_ENV = "HOTSPOT_RADIUS_PASSWORD"
FILE_MODE = 0o600
DIR_MODE = 0o700


def _readable(secret: SecretStr | None) -> bool:
    return secret is not None and not isinstance(secret, EncryptedSecret)


def radius_password(spec: StackSpec, secrets: Mapping[str, str]) -> str | None:
    if secrets.get("radius_password"):
        return secrets["radius_password"]
    if os.environ.get(RADIUS_PASSWORD_ENV):
        return os.environ[RADIUS_PASSWORD_ENV]
    secret = spec.platform.radius.login_password
    return secret.get_secret_value() if _readable(secret) else None


def missing_secrets(spec: StackSpec, secrets: Mapping[str, str], *, freeradius: bool) -> list[str]:
    """Every secret the render needs but cannot read, named by its place in the stack file."""
    missing = []
    if radius_password(spec, secrets) is None:
        missing.append(
            f"platform.radius.login_password (encrypted in the stack file: set {RADIUS_PASSWORD_ENV})"
        )
    for t in spec.tenants:
        for i, u in enumerate(t.spec.users):
            if not _readable(u.password):
                missing.append(f"{t.source}.users[{i}].password (encrypted: give it as {{env: NAME}})")
        if freeradius:
            for i, r in enumerate(t.spec.routers):
                if not _readable(r.radius_secret):
                    missing.append(f"{t.source}.routers[{i}].radius_secret (encrypted: give it as {{env: NAME}})")
    return missing


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def render_sql_dir(spec: StackSpec, out_dir: Path, password: str) -> list[Path]:
    """Write out_dir/sql/*.sql (replacing a previous render whole, so a removed tenant's file
    does not linger)."""
    from tenant_sql.provision import render_sql

    scripts = render_sql(spec, radius_password=password, include_data=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "sql"
    tmp = Path(tempfile.mkdtemp(prefix=".sql.new-", dir=out_dir))
    try:
        os.chmod(tmp, DIR_MODE)
        for name, text in scripts.items():
            _write_private(tmp / name, text)
        if target.exists():
            old = out_dir / f".sql.old-{os.getpid()}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    order = ["platform.sql"] + [f"{t.slug}.sql" for t in spec.tenants]
    return [target / name for name in order]


def render_stack(
    spec: StackSpec,
    out_dir: Path | str,
    *,
    raddb_base: Path | str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> list[Path]:
    """Render the stack's SQL (and FreeRADIUS tree with raddb_base); returns the paths written,
    platform.sql first. Raises HotspotError naming every secret it cannot read."""
    secrets = dict(secrets or {})
    out = Path(out_dir)
    missing = missing_secrets(spec, secrets, freeradius=raddb_base is not None)
    if missing:
        raise HotspotError(f"cannot render stack {spec.stack}, secrets missing:\n" + "\n".join(missing))
    password = radius_password(spec, secrets)
    assert password is not None
    written = render_sql_dir(spec, out, password)
    if raddb_base is not None:
        written.append(_render_freeradius(spec, out, Path(raddb_base), password))
    return written


def _render_freeradius(spec: StackSpec, out: Path, raddb_base: Path, password: str) -> Path:
    try:
        from freeradius import render as fr
    except ImportError as e:  # pragma: no cover - the package ships it
        raise HotspotError(f"FreeRADIUS rendering is not available: {e}") from e
    db = fr.default_db(spec) if _readable(spec.platform.radius.login_password) else None
    if db is None or db.password != password:
        d = spec.platform.database
        r = spec.platform.radius
        db = fr.DbParams(
            host=d.host, port=d.port, dbname=d.dbname, user=r.login_role, password=password,
            sslmode=d.sslmode, connect_timeout=int(r.pool.connect_timeout),
        )
    return fr.render_config(spec, out, raddb_base=raddb_base, db=db)
