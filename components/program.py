"""The Pulumi program: stack config -> validated StackSpec -> Platform + one Tenant per tenant.

Nothing is declared until the whole spec is valid: an invalid stack file stops the program with
every issue listed (SpecError collects them all), so a preview never shows half a platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.errors import HotspotError, SpecError
from components.platform import Platform, PlatformArgs
from components.spec import StackSpec, build_spec
from components.tenant import Tenant, TenantArgs

PROJECT_DIR = Path(__file__).resolve().parent.parent


def stacks_dir() -> Path:
    """Where the stack files (and platform.tenants_dir) live: `stacks/` of the Pulumi project
    being run (the engine runs the program in the project directory), else of this checkout."""
    here = Path.cwd()
    if (here / "Pulumi.yaml").is_file():
        return here / "stacks"
    return PROJECT_DIR / "stacks"


CONFIG_NAMESPACE = "hotspot"
PLATFORM_NAME = "platform"


@dataclass(frozen=True)
class Declared:
    platform: Platform
    tenants: dict[str, Tenant]


def load_spec(stack: str, config: pulumi.Config, base_dir: Path | None = None) -> StackSpec:
    """The validated spec, or pulumi.RunError carrying every issue (one per line)."""
    base_dir = base_dir or stacks_dir()
    try:
        spec = build_spec(stack, config.get_object("platform"), config.get_object("tenants"), base_dir)
    except SpecError as e:
        raise pulumi.RunError(f"stack {stack}: invalid configuration, nothing was declared\n{e}") from None
    refuse_decommission(spec)
    return spec


def refuse_decommission(spec: StackSpec) -> None:
    doomed = [t for t in spec.tenants if t.spec.decommission]
    if doomed:
        lines = [
            f"{t.source}: tenant {t.slug!r} (schema {t.schema_name}) has decommission: true; "
            "decommissioning is not yet supported and nothing is dropped: remove the flag to keep "
            "the tenant, and keep it in the stack file until decommissioning lands"
            for t in doomed
        ]
        raise pulumi.RunError(f"stack {spec.stack}: nothing was declared\n" + "\n".join(lines))


def admin_password(config: pulumi.Config, spec: StackSpec) -> pulumi.Output[str]:
    value = config.get("dbAdminPassword")
    if value is None and spec.platform.database.admin_password is not None:
        value = spec.platform.database.admin_password.get_secret_value()
    if not value:
        raise pulumi.RunError(
            f"stack {spec.stack}: no database admin password; run "
            f"`pulumi config set --secret {CONFIG_NAMESPACE}:dbAdminPassword` "
            "(or set platform.database.admin_password to {env: NAME})"
        )
    return pulumi.Output.secret(value)


def declare(spec: StackSpec, password: pulumi.Input[str], *, base_dir: Path | None = None) -> Declared:
    """Declare the platform and every tenant of a validated spec."""
    base_dir = base_dir or stacks_dir()
    stack = spec.stack
    platform = Platform(PLATFORM_NAME, PlatformArgs(spec=spec, admin_password=password, stack=stack, base_dir=str(base_dir)))
    tenants = {
        t.slug: Tenant(t.slug, TenantArgs(spec=spec, tenant=t, platform=platform, stack=stack, base_dir=str(base_dir)))
        for t in spec.tenants
    }
    return Declared(platform, tenants)


def run() -> None:
    config = pulumi.Config(CONFIG_NAMESPACE)
    try:
        spec = load_spec(pulumi.get_stack(), config)
        password = admin_password(config, spec)
    except HotspotError as e:  # e.g. a {secure: ...} value read outside the engine
        raise pulumi.RunError(str(e)) from None
    declared = declare(spec, password)
    pulumi.export("database", declared.platform.database)
    pulumi.export("radiusRole", declared.platform.radius_role_name)
    pulumi.export(
        "tenants",
        {slug: {k: v for k, v in t.outputs.items() if k != "routerSecrets"} for slug, t in declared.tenants.items()},
    )
