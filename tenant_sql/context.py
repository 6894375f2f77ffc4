"""TenantContext: run application code in one tenant's schema, or in the system schema, safely.

Only `SET LOCAL search_path` inside a transaction: the setting ends with the transaction, so a
connection handed back to a pool (or multiplexed by PgBouncer in transaction mode) never carries a
tenant's search_path to the next user. A session-level `SET search_path` is exactly the leak that
sent RADIUS requests to the wrong tenant (DESIGN.md 2, 3); this module never issues one.

    ctx = TenantContext(conn)
    with ctx.tenant("tenant_alpha"):      # BEGIN (or SAVEPOINT); SET LOCAL search_path TO tenant_alpha, public
        conn.execute("SELECT * FROM routers")
        with ctx.system():                # SAVEPOINT; SET LOCAL search_path TO public
            ...
        # back in tenant_alpha (re-issued: a released savepoint keeps SET LOCAL)

For pools: `ConnectionPool(..., check=check_search_path)` and/or `reset=reset_search_path`
refuse to hand out (or keep) a connection whose search_path differs from its session default.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from components import naming
from components.errors import HotspotError


class TenantContextError(HotspotError):
    """TenantContext used where it cannot be safe (no transaction, broken nesting, leaked path)."""


@dataclass(frozen=True)
class Scope:
    schema: str  # the tenant schema, or the system schema for the system context
    system: bool

    def search_path(self) -> sql.Composable:
        if self.system:
            return sql.Identifier(naming.SYSTEM_SCHEMA)
        return sql.SQL(", ").join([sql.Identifier(self.schema), sql.Identifier(naming.SYSTEM_SCHEMA)])


class TenantContext:
    """Tenant/system context for one psycopg 3 connection (not shared between threads)."""

    def __init__(self, conn: psycopg.Connection[Any], prefix: str = naming.DEFAULT_PREFIX) -> None:
        self.conn = conn
        self.prefix = naming.validate_prefix(prefix)
        self._stack: list[Scope] = []

    # -------------------------------------------------------------- blocks

    @contextmanager
    def tenant(self, schema: str) -> Iterator[psycopg.Connection[Any]]:
        """A transaction (a savepoint when nested) whose search_path is `<schema>, public`."""
        scope = Scope(naming.validate_schema_name(schema, self.prefix), system=False)
        with self._block(scope):
            yield self.conn

    @contextmanager
    def system(self) -> Iterator[psycopg.Connection[Any]]:
        """A transaction (a savepoint when nested) whose search_path is `public` only."""
        with self._block(Scope(naming.SYSTEM_SCHEMA, system=True)):
            yield self.conn

    @contextmanager
    def _block(self, scope: Scope) -> Iterator[None]:
        depth = len(self._stack)
        outer_path: str | None = None
        if depth == 0 and self.conn.info.transaction_status == TransactionStatus.INTRANS:
            # The outermost block is a savepoint inside the caller's transaction: remember the
            # caller's search_path so that it is back in force after the block.
            row = self.conn.execute("SELECT current_setting('search_path')").fetchone()
            outer_path = str(row[0]) if row else None
        with self.conn.transaction():
            self._set_local(scope)
            self._stack.append(scope)
            try:
                yield
            finally:
                if len(self._stack) != depth + 1:
                    raise TenantContextError("TenantContext blocks were not exited in order")
                self._stack.pop()
        # The savepoint is gone. RELEASE keeps a SET LOCAL made inside it, so put the outer
        # context back explicitly (after a rollback to the savepoint this is a harmless repeat).
        if self.conn.info.transaction_status == TransactionStatus.INTRANS:
            if self._stack:
                self._set_local(self._stack[-1])
            elif outer_path is not None:
                self.conn.execute("SELECT set_config('search_path', %s, true)", [outer_path])

    # -------------------------------------------------------------- set without a block

    def set_tenant(self, schema: str) -> None:
        """SET LOCAL the tenant's search_path in the transaction already open on the connection
        (the seed's setTenant). Refuses when no transaction would bound it."""
        self._require_transaction()
        scope = Scope(naming.validate_schema_name(schema, self.prefix), system=False)
        self._set_local(scope)
        self._replace_top(scope)

    def set_system(self) -> None:
        self._require_transaction()
        scope = Scope(naming.SYSTEM_SCHEMA, system=True)
        self._set_local(scope)
        self._replace_top(scope)

    def current(self) -> str | None:
        """The schema of the innermost active block (system: 'public'), None outside any."""
        return self._stack[-1].schema if self._stack else None

    def in_system(self) -> bool:
        return bool(self._stack) and self._stack[-1].system

    # -------------------------------------------------------------- internals

    def _replace_top(self, scope: Scope) -> None:
        if self._stack:
            self._stack[-1] = scope
        # Outside a block the setting lasts until the caller's transaction ends; nothing to track.

    def _require_transaction(self) -> None:
        status = self.conn.info.transaction_status
        if status == TransactionStatus.INTRANS:
            return
        if status == TransactionStatus.IDLE and not self.conn.autocommit:
            return  # psycopg opens the transaction with this very statement; commit/rollback ends it
        if status == TransactionStatus.INERROR:
            raise TenantContextError("the connection's transaction has failed: roll back first")
        raise TenantContextError(
            "refusing SET LOCAL search_path on an autocommit connection outside a transaction (it "
            "would be a no-op, and a session-level SET leaks the tenant to the next user of the "
            "connection): use `with ctx.tenant(schema):` or open conn.transaction() first"
        )

    def _set_local(self, scope: Scope) -> None:
        self.conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(scope.search_path()))


# ---------------------------------------------------------------- pool hygiene

_PATH_QUERY = "SELECT current_setting('search_path'), reset_val FROM pg_settings WHERE name = 'search_path'"


class SearchPathLeak(TenantContextError):
    """A pooled connection carries a search_path other than its session default."""


def check_search_path(conn: psycopg.Connection[Any]) -> None:
    """psycopg_pool `check=`/`reset=` hook: raise if the connection's search_path is not its
    session default. The pool then discards the connection instead of handing it out."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise SearchPathLeak("pooled connection is not idle")
    row = conn.execute(_PATH_QUERY).fetchone()
    if not conn.autocommit:
        conn.rollback()  # the check itself must not leave a transaction open
    if row is None or row[0] != row[1]:
        current = row[0] if row else "?"
        raise SearchPathLeak(
            f"pooled connection has search_path {current!r} (session default {row[1] if row else '?'!r}): "
            "someone ran a session-level SET search_path; the connection is discarded"
        )


def reset_search_path(conn: psycopg.Connection[Any]) -> None:
    """psycopg_pool `reset=` hook: same check as `check_search_path`; a failing reset makes the
    pool close the connection rather than return it to the pool."""
    check_search_path(conn)
