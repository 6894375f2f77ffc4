"""One root error and a small domain tree; every message names where the fault is."""

from __future__ import annotations

from dataclasses import dataclass


class HotspotError(Exception):
    """Root of every error this package raises on purpose."""


@dataclass(frozen=True)
class SpecIssue:
    path: str  # e.g. "tenants[1].routers[0].tunnel_ip" or "tenants/alpha.yaml: slug"
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class SpecError(HotspotError):
    """An invalid stack spec; carries every issue found, not only the first."""

    def __init__(self, issues: list[SpecIssue], source: str = "") -> None:
        self.issues = issues
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + f"{len(issues)} error(s)\n" + "\n".join(str(i) for i in issues))


class NamingError(HotspotError, ValueError):
    """A name (schema, role, identifier) that the platform refuses."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{value!r}: {reason}")


class MigrationError(HotspotError):
    """A migration failed in one schema; names the schema, file and statement."""

    def __init__(self, schema: str, file: str, statement: str, cause: str) -> None:
        self.schema = schema
        self.file = file
        self.statement = statement
        self.cause = cause
        short = " ".join(statement.split())[:200]
        super().__init__(f"schema {schema}, file {file}: {cause} (statement: {short})")


class ChecksumMismatch(MigrationError):
    """An applied migration file was edited after it ran."""


class MigrationLockTimeout(MigrationError):
    """Another migrator holds the schema's advisory lock."""


class MappingConflict(HotspotError):
    """A RADIUS username is already mapped to another tenant schema."""


class RouterError(HotspotError):
    """A RouterOS API operation failed; names the router, menu and entry id."""

    def __init__(self, router: str, menu: str, entry_id: str | None, cause: str) -> None:
        self.router = router
        self.menu = menu
        self.entry_id = entry_id
        where = f"router {router} {menu}" + (f" {entry_id}" if entry_id else "")
        super().__init__(f"{where}: {cause}")


class RenderError(HotspotError):
    """A configuration could not be rendered or checked (names the file)."""
