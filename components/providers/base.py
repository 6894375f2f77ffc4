"""Base classes for every dynamic provider and dynamic resource of the package.

Contract (../shared/DESIGN.md section 1, STYLE.md item 12):
- credentials reach a provider only through `configure()`, which the Pulumi engine calls with the
  whole stack configuration (pulumi/pulumi#17673; checked in the installed 3.272 SDK) after it
  unpickles the provider; no credential is ever a resource input (where a secret must trigger an
  update, the input is a digest, itself kept secret) and no password is ever an output;
- `check` and `diff` do no I/O, so an auditor's `pulumi preview` needs no database;
- `read` (pulumi refresh) reports drift in the `drift` output; the next `diff` sees a non-empty
  `drift` and proposes an update, which repairs it;
- the provider object holds no connection (it is pickled into the state): every operation opens
  one connection and closes it;
- `HotspotResource` works around the `serialize_provider` RecursionError (DESIGN.md section 5).
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import psycopg
from psycopg.conninfo import make_conninfo
from pulumi import ResourceOptions
from pulumi import dynamic as dyn
from pulumi.runtime import rpc

from components.errors import HotspotError
from components.spec import ResolvedTenant, StackSpec, build_spec

CONFIG_NAMESPACE = "hotspot"
PLATFORM_KEY = f"{CONFIG_NAMESPACE}:platform"
TENANTS_KEY = f"{CONFIG_NAMESPACE}:tenants"
ADMIN_PASSWORD_KEY = f"{CONFIG_NAMESPACE}:dbAdminPassword"
APPLICATION_NAME = "hotspot-pulumi"
DRIFT = "drift"  # output listing what `read` found out of step with the desired state

# ------------------------------------------------------------------ RecursionError workaround

# serialize_provider() installs a wrapper around pickle._Pickler._batch_setitems that calls the
# method it found, and never restores it: every dynamic resource adds one more level, and a few
# hundred resources exceed the recursion limit (pulumi 3.150 and 3.272). Restoring the class
# attributes after each construction keeps the depth constant.
_PATCHED_PICKLER_ATTRS = ("_batch_setitems", "save_dict")
_MISSING = object()


def _save_pickler() -> dict[str, Any]:
    return {name: vars(pickle._Pickler).get(name, _MISSING) for name in _PATCHED_PICKLER_ATTRS}


def _restore_pickler(saved: dict[str, Any]) -> None:
    for name, value in saved.items():
        if value is _MISSING:
            if name in vars(pickle._Pickler):
                delattr(pickle._Pickler, name)
        else:
            setattr(pickle._Pickler, name, value)


class HotspotResource(dyn.Resource, module="hotspot", name="Resource"):
    """Every dynamic resource of the package derives from this (give each a meaningful
    `module=`/`name=`). Construct only inside the program, never at import time."""

    def __init__(
        self,
        provider: dyn.ResourceProvider,
        name: str,
        props: Mapping[str, Any],
        opts: ResourceOptions | None = None,
    ) -> None:
        saved = _save_pickler()
        try:
            super().__init__(provider, name, dict(props), opts)
        finally:
            _restore_pickler(saved)


# ------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class ProviderSettings:
    """What configure() learnt from the stack configuration. Never pickled: it is built in the
    provider process after the engine unpickles the provider."""

    raw_platform: Any
    raw_tenants: Any
    admin_password: str | None
    stack: str
    base_dir: Path

    def spec(self) -> StackSpec:
        return build_spec(self.stack, self.raw_platform, self.raw_tenants, self.base_dir)

    def conninfo(self, spec: StackSpec | None = None) -> str:
        spec = spec or self.spec()
        db = spec.platform.database
        password = self.admin_password
        if password is None and db.admin_password is not None:
            password = db.admin_password.get_secret_value()
        if password is None:
            raise HotspotError(
                f"no database admin password: set the secret config value {ADMIN_PASSWORD_KEY} "
                "or platform.database.admin_password"
            )
        host = db.host
        port = db.port
        if spec.platform.runtime == "docker":
            # The docker runtime publishes the PostgreSQL container on the loopback address.
            host, port = "127.0.0.1", spec.platform.docker.postgres_host_port
        return make_conninfo(
            host=host,
            port=port,
            dbname=db.dbname,
            user=db.admin_user,
            password=password,
            sslmode=db.sslmode,
            connect_timeout=db.connect_timeout,
            application_name=APPLICATION_NAME,
        )


def _config_value(value: Any) -> Any:
    """Structured config reaches providers as JSON text; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def settings_from_config(config: Mapping[str, Any], *, stack: str = "stack", base_dir: Path | None = None) -> ProviderSettings:
    """Build settings from a flat `namespace:key -> value` mapping (what the engine sends)."""
    admin = config.get(ADMIN_PASSWORD_KEY)
    return ProviderSettings(
        raw_platform=_config_value(config.get(PLATFORM_KEY)),
        raw_tenants=_config_value(config.get(TENANTS_KEY)),
        admin_password=None if admin in (None, "") else str(admin),
        stack=stack,
        base_dir=base_dir or Path.cwd() / "stacks",
    )


class HotspotProvider(dyn.ResourceProvider):
    """Base of every provider. Subclasses declare INPUTS (compared by diff) and REPLACES
    (identity: a change replaces the resource) and implement create/update/read/delete."""

    # The pickled provider holds no secret (credentials arrive through configure()), so the
    # state keeps it readable.
    serialize_as_secret_always = False
    INPUTS: ClassVar[tuple[str, ...]] = ()
    REPLACES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, stack: str = "stack", base_dir: str | None = None) -> None:
        super().__init__()
        # Plain, non-secret values only: this object is pickled into the state.
        self.stack = stack
        self.base_dir = base_dir
        self._settings: ProviderSettings | None = None
        self._spec: StackSpec | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Never pickle what configure() learnt (it holds credentials).
        state = dict(self.__dict__)
        state["_settings"] = None
        state["_spec"] = None
        return state

    # -- configuration
    def configure(self, req: dyn.ConfigureRequest) -> None:
        config = req.config
        raw = {key: config.get(key) for key in (PLATFORM_KEY, TENANTS_KEY, ADMIN_PASSWORD_KEY)}
        self._settings = settings_from_config(
            {k: v for k, v in raw.items() if v is not None},
            stack=self.stack,
            base_dir=Path(self.base_dir) if self.base_dir else None,
        )
        self._spec = None

    @property
    def settings(self) -> ProviderSettings:
        if self._settings is None:
            raise HotspotError(
                f"{type(self).__name__} was not configured: the Pulumi engine calls configure() with "
                f"the stack configuration ({PLATFORM_KEY}, {TENANTS_KEY}, {ADMIN_PASSWORD_KEY})"
            )
        return self._settings

    def spec(self) -> StackSpec:
        if self._spec is None:
            self._spec = self.settings.spec()
        return self._spec

    def tenant(self, slug: str) -> ResolvedTenant:
        try:
            return self.spec().tenant(slug)
        except KeyError:
            raise HotspotError(f"tenant {slug!r} is not declared in the stack configuration") from None

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.settings.conninfo(self.spec()), autocommit=True) as conn:
            yield conn

    # -- the no-I/O half of the contract
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        failures = [dyn.CheckFailure(k, "required input is missing") for k in self.REPLACES if k not in news]
        return dyn.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        changed = [k for k in self.INPUTS if not _same(olds.get(k), news.get(k))]
        replaces = [k for k in self.REPLACES if k in changed]
        drift = bool(olds.get(DRIFT))
        return dyn.DiffResult(
            changes=bool(changed) or drift,
            replaces=replaces,
            # Identity changed: the old object must go before the new one takes its name.
            delete_before_replace=bool(replaces) or None,
        )

    def inputs_of(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {k: props[k] for k in self.INPUTS if k in props}


def _same(old: Any, new: Any) -> bool:
    """Compare what the state returns (ints as floats, tuples as lists) with the new inputs."""
    if new == rpc.UNKNOWN:  # a preview with a value not known yet
        return False
    return _normal(old) == _normal(new)


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value
