"""Dynamic resource guarding against losing a tenant: `TenantInventory`, one per stack.

Its input is the declared tenants (slug -> schema). Removing a tenant from the stack file (or
changing the schema it maps to) makes `check` fail, before any step runs, with a message naming
the tenant and saying that decommissioning is not yet supported and nothing was dropped. A
failed check fails the whole preview/update, so Pulumi never reaches the deletions (it deletes
only after a successful program). The protected schema (`protect=True`) stays as the second
line of defence. `check` compares the old and new inputs only: no I/O.
"""

from __future__ import annotations

from typing import Any

from pulumi import ResourceOptions
from pulumi import dynamic as dyn

from components.providers.base import HotspotProvider, HotspotResource


def removal_failures(olds: dict[str, Any], news: dict[str, Any]) -> list[dyn.CheckFailure]:
    before: dict[str, Any] = olds.get("tenants") or {}
    after: dict[str, Any] = news.get("tenants") or {}
    failures = []
    for slug in sorted(set(before) - set(after)):
        failures.append(
            dyn.CheckFailure(
                "tenants",
                f"tenant {slug!r} (schema {before[slug]}) was removed from the stack file: decommissioning "
                "is not yet supported and nothing was dropped; put the tenant back in the stack file",
            )
        )
    for slug in sorted(set(before) & set(after)):
        if before[slug] != after[slug]:
            failures.append(
                dyn.CheckFailure(
                    "tenants",
                    f"tenant {slug!r} would move from schema {before[slug]} to {after[slug]}: renaming a "
                    "tenant schema is not supported and nothing was changed; restore its slug and isolation",
                )
            )
    return failures


class InventoryProvider(HotspotProvider):
    INPUTS = ("tenants",)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        return dyn.CheckResult(news, removal_failures(olds, news))

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult("tenants", self.inputs_of(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self.inputs_of(news))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        return dyn.ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Holds no data."""


class TenantInventory(HotspotResource, module="hotspot", name="TenantInventory"):
    """The declared tenants (slug -> schema); refuses an update that drops one."""

    def __init__(self, name: str, tenants: dict[str, str], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        super().__init__(InventoryProvider(stack, base_dir), name, {"tenants": tenants}, opts)
