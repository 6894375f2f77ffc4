"""The migrator: ordered, checksummed SQL files applied in one transaction per schema.

Shape (plan, then apply):
- `plan_all` answers "what is pending in each of N schemas" with ONE query (ledger and catalog
  compared with the files server-side), so a no-op over a thousand tenants costs milliseconds
  rather than a connection and a migration-table read per schema.
- `schema_statements` is pure: exactly the statements `migrate` executes for one schema, in order.
  `hotspotctl render` writes the same list, so the rendered file is the truth.
- `migrate` runs each schema in its own transaction under the schema's advisory lock (with a
  lock timeout), re-reads that schema's ledger once it holds the lock (a concurrent migrator may
  have done the work), and sends the schema's statements in one round trip. A failure rolls that
  schema back, is reported with the file and statement, and does not stop the other schemas unless
  keep_going=False.

Ledger: public.hotspot_schema_migrations(schema_name, version, name, checksum, applied_at),
written as the admin after RESET ROLE (tenant owners cannot touch it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.pq import TransactionStatus

from components import access_policy, naming
from components.errors import ChecksumMismatch, HotspotError, MigrationError, MigrationLockTimeout
from tenant_sql.files import KINDS, Kind, MigrationFile, load_migrations, split_statements

LEDGER_SCHEMA = "public"
LEDGER_TABLE = "hotspot_schema_migrations"
LEDGER = sql.Identifier(LEDGER_SCHEMA, LEDGER_TABLE)
# Serialises concurrent CREATE TABLE IF NOT EXISTS of the ledger (which can otherwise fail with a
# unique violation on pg_type when two migrators start on a fresh database).
LEDGER_LOCK_KEY = naming.advisory_lock_key("hotspot:ledger")

Files = Mapping[Kind, Sequence[MigrationFile]]
Progress = Callable[[str], None]


# ---------------------------------------------------------------- targets and plans


@dataclass(frozen=True)
class Target:
    schema: str
    kind: Kind
    owner_role: str | None = None  # tenant files run as this role; default naming.owner_role(schema)
    prefix: str = naming.DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise HotspotError(f"target {self.schema!r}: kind must be one of {KINDS}, not {self.kind!r}")
        naming.validate_schema_name(self.schema, self.prefix, allow_system=(self.kind == "system"))
        if self.kind == "system":
            if self.schema != naming.SYSTEM_SCHEMA:
                raise HotspotError(f"target {self.schema!r}: system migrations run in {naming.SYSTEM_SCHEMA!r} only")
            if self.owner_role is not None:
                raise HotspotError("system migrations run as the admin; owner_role must be None")
        elif self.owner_role is None:
            object.__setattr__(self, "owner_role", naming.owner_role(self.schema))

    @property
    def owner(self) -> str:
        """The tenant's owner role (tenant targets only)."""
        if self.owner_role is None:
            raise HotspotError(f"target {self.schema!r} has no owner role")
        return self.owner_role


SYSTEM_TARGET = Target(naming.SYSTEM_SCHEMA, "system")


@dataclass
class SchemaPlan:
    target: Target
    pending: tuple[MigrationFile, ...]
    changed: tuple[tuple[MigrationFile, str], ...]  # (file, checksum recorded when it was applied)
    unknown: tuple[int, ...]  # applied versions that no file has any more
    schema_exists: bool
    applied: tuple[int, ...] = ()

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.changed and not self.unknown

    @property
    def stale_ledger(self) -> bool:
        """Ledger rows for a schema that is gone (dropped by hand): everything must run again."""
        return bool(self.applied) and not self.schema_exists

    def refusal(self) -> ChecksumMismatch | None:
        """The error that forbids migrating this schema, if any."""
        if self.changed:
            f, old = self.changed[0]
            return ChecksumMismatch(
                self.target.schema, f.name, "",
                f"file changed after it was applied (applied sha256 {old[:12]}..., file now {f.checksum[:12]}...);"
                " never edit an applied migration, add a new file",
            )
        if self.unknown:
            v = self.unknown[0]
            return ChecksumMismatch(
                self.target.schema, f"{v:04d}_*.sql", "",
                f"version {v:04d} is recorded as applied but no migration file has it (files deleted or renamed?)",
            )
        return None


def load_files(kinds: Sequence[Kind] = KINDS) -> dict[Kind, tuple[MigrationFile, ...]]:
    return {k: load_migrations(k) for k in kinds}


def _files_for(files: Files | None, kinds: set[Kind]) -> Files:
    if files is None:
        return load_files(sorted(kinds))  # type: ignore[arg-type]
    missing = kinds - set(files)
    if missing:
        raise HotspotError(f"no migration files given for kind(s) {sorted(missing)}")
    return files


# ---------------------------------------------------------------- the ledger


def ledger_statements() -> list[sql.Composable]:
    return [
        sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(LEDGER_LOCK_KEY)),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " schema_name varchar(63) NOT NULL,"
            " version integer NOT NULL CHECK (version > 0),"
            " name text NOT NULL,"
            " checksum char(64) NOT NULL CHECK (checksum ~ '^[0-9a-f]{{64}}$'),"
            " applied_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (schema_name, version))"
        ).format(LEDGER),
        sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC").format(LEDGER),
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            LEDGER, sql.Literal("Migration files applied per schema (tenant_sql.migrator); do not edit")
        ),
    ]


def ensure_ledger(conn: psycopg.Connection[Any]) -> None:
    """Create the ledger if absent (one cheap catalog read when it exists)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{LEDGER_SCHEMA}.{LEDGER_TABLE}"]).fetchone()
    if row and row[0]:
        return
    with conn.transaction():
        for stmt in ledger_statements():
            conn.execute(stmt)


# ---------------------------------------------------------------- plan: one query for all schemas

_PLAN_QUERY = sql.SQL(
    """
    SELECT s.schema_name,
           EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s.schema_name),
           COALESCE(array_agg(l.version ORDER BY l.version) FILTER (WHERE l.version IS NOT NULL), '{{}}'),
           COALESCE(array_agg(l.version ORDER BY l.version)
                    FILTER (WHERE l.version IS NOT NULL AND f.checksum IS DISTINCT FROM l.checksum), '{{}}'),
           COALESCE(array_agg(l.checksum::text ORDER BY l.version)
                    FILTER (WHERE l.version IS NOT NULL AND f.checksum IS DISTINCT FROM l.checksum), '{{}}')
    FROM unnest(%(schemas)s::text[], %(kinds)s::text[]) AS s(schema_name, kind)
    LEFT JOIN {ledger} l ON l.schema_name = s.schema_name
    LEFT JOIN unnest(%(fkinds)s::text[], %(fversions)s::int[], %(fsums)s::text[]) AS f(kind, version, checksum)
           ON f.kind = s.kind AND f.version = l.version
    GROUP BY s.schema_name
    """
).format(ledger=LEDGER)

_PLAN_QUERY_NO_LEDGER = sql.SQL(
    """
    SELECT s.schema_name,
           EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s.schema_name),
           '{}'::int[], '{}'::int[], '{}'::text[]
    FROM unnest(%(schemas)s::text[], %(kinds)s::text[]) AS s(schema_name, kind)
    """
)


def _guarded_query(conn: psycopg.Connection[Any], query: sql.Composable, params: Mapping[str, Any]) -> list[Any] | None:
    """Run a read; None if the ledger does not exist, leaving the caller's transaction usable."""
    status = conn.info.transaction_status
    try:
        if status == TransactionStatus.INTRANS:
            with conn.transaction():  # a savepoint: an error must not abort the caller's transaction
                return conn.execute(query, params).fetchall()
        return conn.execute(query, params).fetchall()
    except pg_errors.UndefinedTable:
        if status == TransactionStatus.IDLE and not conn.autocommit:
            conn.rollback()
        return None


def plan_all(
    conn: psycopg.Connection[Any], targets: Sequence[Target], files: Files | None = None
) -> dict[str, SchemaPlan]:
    """What is pending in every target schema: one query, whatever the number of schemas."""
    targets = list(targets)
    seen: set[str] = set()
    for t in targets:
        if t.schema in seen:
            raise HotspotError(f"schema {t.schema} is listed twice")
        seen.add(t.schema)
    if not targets:
        return {}
    files = _files_for(files, {t.kind for t in targets})
    params = {
        "schemas": [t.schema for t in targets],
        "kinds": [t.kind for t in targets],
        "fkinds": [k for k, fs in files.items() for _ in fs],
        "fversions": [f.version for fs in files.values() for f in fs],
        "fsums": [f.checksum for fs in files.values() for f in fs],
    }
    rows = _guarded_query(conn, _PLAN_QUERY, params)
    if rows is None:
        rows = conn.execute(_PLAN_QUERY_NO_LEDGER, params).fetchall()
    by_schema = {r[0]: r for r in rows}
    out: dict[str, SchemaPlan] = {}
    for t in targets:
        _, exists, applied, odd_versions, odd_sums = by_schema[t.schema]
        out[t.schema] = _make_plan(t, files[t.kind], bool(exists), applied, dict(zip(odd_versions, odd_sums, strict=True)))
    return out


def _make_plan(
    target: Target, files: Sequence[MigrationFile], exists: bool, applied: Sequence[int], odd: Mapping[int, str]
) -> SchemaPlan:
    by_version = {f.version: f for f in files}
    applied_set = set(applied)
    return SchemaPlan(
        target=target,
        pending=tuple(f for f in files if f.version not in applied_set),
        changed=tuple((by_version[v], s.strip()) for v, s in sorted(odd.items()) if v in by_version),
        unknown=tuple(sorted(v for v in odd if v not in by_version)),
        schema_exists=exists,
        applied=tuple(sorted(applied_set)),
    )


# ---------------------------------------------------------------- statements (pure)


@dataclass(frozen=True)
class _Part:
    label: str  # what a failure names as "file": the migration file or "(policy grants)" etc.
    stmt: sql.Composable
    file: MigrationFile | None = None


def _lock_parts(target: Target, lock_timeout: str) -> list[_Part]:
    return [
        _Part("(lock)", sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(lock_timeout))),
        _Part(
            "(lock)",
            sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(naming.advisory_lock_key(target.schema))),
        ),
    ]


def _body_parts(
    target: Target,
    files_to_run: Sequence[MigrationFile],
    *,
    radius_role: str | None,
    system_schema: str,
    reapply_policy: bool,
    hybrid: bool,
    preamble: Sequence[sql.Composable],
    fresh: bool = False,
) -> list[_Part]:
    parts = [_Part("(provisioning)", s) for s in preamble]
    schema = sql.Identifier(target.schema)
    tenant = target.kind == "tenant"
    if files_to_run:
        if tenant:
            parts.append(_Part("(set role)", sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(target.owner))))
        parts.append(_Part("(search_path)", sql.SQL("SET LOCAL search_path TO {}").format(schema)))
        parts += [_Part(f.name, sql.SQL(f.sql), f) for f in files_to_run]  # type: ignore[arg-type]
        if tenant:
            parts.append(_Part("(reset role)", sql.SQL("RESET ROLE")))
        rows = sql.SQL(", ").join(
            sql.SQL("({}, {}, {}, {})").format(
                sql.Literal(target.schema), sql.Literal(f.version), sql.Literal(f.name), sql.Literal(f.checksum)
            )
            for f in files_to_run
        )
        parts.append(
            _Part(
                "(ledger)",
                sql.SQL(
                    "INSERT INTO {} (schema_name, version, name, checksum) VALUES {} "
                    "ON CONFLICT (schema_name, version) DO UPDATE SET applied_at = now()"
                ).format(LEDGER, rows),
            )
        )
    if radius_role is not None and (files_to_run or reapply_policy):
        if tenant:
            grants = access_policy.tenant_grants(target.schema, target.owner, radius_role, fresh=fresh)
        else:
            grants = access_policy.radius_system_grants(radius_role, system_schema, hybrid=hybrid)
        parts += [_Part("(policy grants)", s) for s in grants]
    return parts


def schema_statements(
    target: Target,
    files_to_run: Sequence[MigrationFile],
    *,
    radius_role: str | None,
    system_schema: str = naming.SYSTEM_SCHEMA,
    reapply_policy: bool = False,
    lock_timeout: str = "10s",
    hybrid: bool = False,
    preamble: Sequence[sql.Composable] = (),
    fresh: bool = False,
) -> list[sql.Composable]:
    """Exactly what `migrate` executes for one schema, in order (pure, no I/O).

    lock_timeout and the schema's advisory lock; `preamble` (provisioning: role, schema, registry
    row); for tenants SET LOCAL ROLE owner (the owner holds nothing in the system schema); SET
    LOCAL search_path; the file bodies; RESET ROLE; the ledger rows; the access policy (tenant
    grants, or the RADIUS role's system grants) when files ran or reapply_policy. With
    radius_role=None no policy grants are rendered (for callers with no FreeRADIUS role).
    fresh=True: the schema's first migrations (empty ledger, not a replay): the tenant policy
    skips the schema-wide REVOKEs (access_policy.tenant_grants says why); `migrate` decides it
    from the ledger it re-reads under the lock."""
    parts = _lock_parts(target, lock_timeout) + _body_parts(
        target, files_to_run, radius_role=radius_role, system_schema=system_schema,
        reapply_policy=reapply_policy, hybrid=hybrid, preamble=preamble, fresh=fresh,
    )
    return [p.stmt for p in parts]


# ---------------------------------------------------------------- apply


@dataclass
class MigrateReport:
    applied: dict[str, list[str]] = field(default_factory=dict)  # schema -> files run
    failed: dict[str, MigrationError] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    planned: dict[str, list[str]] = field(default_factory=dict)  # schema -> files the plan said to run
    seconds: dict[str, float] = field(default_factory=dict)  # schema -> wall time of its transaction
    skipped: list[str] = field(default_factory=list)  # not attempted (keep_going=False after a failure)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    def raise_for_errors(self) -> None:
        if self.failed:
            first = next(iter(self.failed.values()))
            if len(self.failed) > 1:
                others = ", ".join(list(self.failed)[1:6])
                raise type(first)(first.schema, first.file, first.statement, f"{first.cause} (also failed: {others})")
            raise first

    def summary(self) -> str:
        n = sum(len(v) for v in self.applied.values())
        parts = [f"{n} file(s) applied in {len(self.applied)} schema(s)", f"{len(self.up_to_date)} up to date"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if not self.applied and not self.failed and not self.skipped:
            return f"nothing to do: {len(self.up_to_date)} schema(s) up to date"
        return ", ".join(parts)


def _prefix(i: int, n: int, schema: str) -> str:
    return f"[{i}/{n} ({i * 100 // n}%) {schema}]"


def migrate(
    conn_or_conninfo: psycopg.Connection[Any] | str,
    targets: Sequence[Target],
    *,
    radius_role: str | None,
    lock_timeout: str = "10s",
    keep_going: bool = True,
    dry_run: bool = False,
    replay: bool = False,
    progress: Progress | None = None,
    files: Files | None = None,
    hybrid: bool = False,
    reapply_policy: bool = False,
    preambles: Mapping[str, Sequence[sql.Composable]] | None = None,
) -> MigrateReport:
    """Bring every target schema up to date; see the module docstring.

    replay=True re-runs every file of each schema (files are idempotent: repairs a dropped table)
    and re-applies the policy grants. `preambles` maps a schema to provisioning statements that
    run in the same transaction, after the lock and before the files (role, schema, registry)."""
    if isinstance(conn_or_conninfo, str):
        with psycopg.connect(conn_or_conninfo, autocommit=True) as conn:
            return migrate(
                conn, targets, radius_role=radius_role, lock_timeout=lock_timeout, keep_going=keep_going,
                dry_run=dry_run, replay=replay, progress=progress, files=files, hybrid=hybrid,
                reapply_policy=reapply_policy, preambles=preambles,
            )
    conn = conn_or_conninfo
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise HotspotError(
            "migrate needs a connection outside a transaction: it runs one transaction per schema "
            "(commit or roll back first)"
        )
    targets = list(targets)
    files = _files_for(files, {t.kind for t in targets})
    preambles = preambles or {}
    report = MigrateReport()
    if not dry_run:
        ensure_ledger(conn)
    plans = plan_all(conn, targets, files)
    n = len(targets)

    def fail(i: int, target: Target, err: MigrationError, verb: str = "FAILED") -> bool:
        """Record a schema's failure; True when the run must stop (keep_going=False)."""
        report.failed[target.schema] = err
        _say(progress, f"{_prefix(i, n, target.schema)} {verb}: {err}")
        if not keep_going:
            report.skipped = [t.schema for t in targets[i:]]
        return not keep_going

    for i, target in enumerate(targets, 1):
        where = _prefix(i, n, target.schema)
        plan = plans[target.schema]
        refusal = plan.refusal()
        if refusal is not None:
            if fail(i, target, refusal, "REFUSED"):
                break
            continue
        to_run = tuple(files[target.kind]) if (replay or plan.stale_ledger) else plan.pending
        policy = reapply_policy or replay
        if not to_run and not policy:
            report.up_to_date.append(target.schema)
            _say(progress, f"{where} up to date")
            continue
        report.planned[target.schema] = [f.name for f in to_run]
        if dry_run:
            _say(progress, f"{where} would apply {', '.join(f.name for f in to_run) or '(policy grants)'}")
            continue
        if not plan.schema_exists and target.schema not in preambles:
            missing = MigrationError(
                target.schema, to_run[0].name if to_run else "", "", "schema does not exist (provision it first)"
            )
            if fail(i, target, missing):
                break
            continue
        t0 = time.perf_counter()
        try:
            ran = _apply_one(
                conn, target, files[target.kind], replay=replay, policy=policy, radius_role=radius_role,
                lock_timeout=lock_timeout, hybrid=hybrid, preamble=preambles.get(target.schema, ()),
            )
        except (MigrationError, psycopg.Error) as e:
            # psycopg.Error: a safety net, whatever escaped _apply_one still names the schema
            err = e if isinstance(e, MigrationError) else MigrationError(target.schema, "?", "", _cause(e))
            if fail(i, target, err):
                break
            continue
        report.seconds[target.schema] = time.perf_counter() - t0
        if ran is None:
            report.up_to_date.append(target.schema)  # another migrator did it while we waited
            _say(progress, f"{where} up to date (applied concurrently)")
            continue
        report.applied[target.schema] = [f.name for f in ran]
        for f in ran:
            _say(progress, f"{where} applied {f.name}")
        if not ran:
            _say(progress, f"{where} re-applied policy grants")
    return report


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)


def _recheck_query(target: Target) -> sql.Composable:
    # `relations`: does the schema hold any table, sequence, view...? Read through pg_depend's
    # index on the referenced object (each relation depends on its namespace), not a pg_class scan.
    return sql.SQL(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {s}),"
        " COALESCE(array_agg(version ORDER BY version), '{{}}'),"
        " COALESCE(array_agg(checksum::text ORDER BY version), '{{}}'),"
        " EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_namespace n ON n.oid = d.refobjid"
        " WHERE n.nspname = {s} AND d.refclassid = 'pg_catalog.pg_namespace'::regclass"
        " AND d.classid = 'pg_catalog.pg_class'::regclass)"
        " FROM {ledger} WHERE schema_name = {s}"
    ).format(ledger=LEDGER, s=sql.Literal(target.schema))


def _apply_one(
    conn: psycopg.Connection[Any],
    target: Target,
    files: Sequence[MigrationFile],
    *,
    replay: bool,
    policy: bool,
    radius_role: str | None,
    lock_timeout: str,
    hybrid: bool,
    preamble: Sequence[sql.Composable],
) -> tuple[MigrationFile, ...] | None:
    """One schema, one transaction. Returns the files run, or None if nothing was left to do once
    the lock was held. Raises MigrationError (the transaction rolled back)."""
    lock = _lock_parts(target, lock_timeout)
    body: list[_Part] = []
    sums = {f.version: f.checksum for f in files}
    try:
        with conn.transaction():
            # The lock and the ledger re-read in one round trip: the plan may be stale by now.
            cur = conn.execute(_join([p.stmt for p in lock] + [_recheck_query(target)], conn))
            while cur.nextset():  # to the last result: the ledger row
                pass
            row = cur.fetchone()
            assert row is not None
            exists, versions, checksums, relations = row
            recorded = {int(v): str(c).strip() for v, c in zip(versions, checksums, strict=True)}
            odd = {v: c for v, c in recorded.items() if sums.get(v) != c}
            fresh = _make_plan(target, files, bool(exists) or bool(preamble), list(recorded), odd)
            refusal = fresh.refusal()
            if refusal is not None:
                raise refusal
            to_run = tuple(files) if (replay or fresh.stale_ledger) else fresh.pending
            if not to_run and not policy:
                return None
            # Nothing recorded, no relation in the schema yet and not a replay: these are the
            # schema's first files, its tables are created in this transaction and hold no grant
            # to revoke yet (a schema adopted with objects in it still gets the full REVOKEs).
            fresh = not replay and not recorded and not relations
            body = _body_parts(
                target, to_run, radius_role=radius_role, system_schema=naming.SYSTEM_SCHEMA,
                reapply_policy=policy, hybrid=hybrid, preamble=preamble, fresh=fresh,
            )
            conn.execute(_join([p.stmt for p in body], conn))
        return to_run
    except MigrationError:
        raise
    except pg_errors.LockNotAvailable as e:
        if not body:
            raise MigrationLockTimeout(
                target.schema, "", "SELECT pg_advisory_xact_lock(...)",
                f"another migrator holds the schema's lock (waited lock_timeout={lock_timeout})",
            ) from e
        raise _locate(conn, target, lock, body, e) from e
    except psycopg.Error as e:
        if conn.closed or not body:
            raise MigrationError(target.schema, "(lock)", "", _cause(e)) from e
        raise _locate(conn, target, lock, body, e) from e


def _join(stmts: Sequence[sql.Composable], conn: psycopg.Connection[Any]) -> bytes:
    """Statements as one simple-protocol query. The separator survives a trailing `--` comment."""
    return "\n;\n".join(s.as_string(conn) for s in stmts).encode()


def _cause(e: psycopg.Error) -> str:
    d = e.diag
    msg = d.message_primary or str(e).splitlines()[0]
    extra = f" ({d.message_detail})" if d.message_detail else ""
    return f"{msg}{extra} [SQLSTATE {e.sqlstate}]"


def _locate(
    conn: psycopg.Connection[Any], target: Target, lock: list[_Part], body: list[_Part], e: psycopg.Error
) -> MigrationError:
    """Name the failing part and statement: from the server's error position when it gave one,
    otherwise by re-running the statements one by one in a transaction that is rolled back."""
    texts = [p.stmt.as_string(conn) for p in body]
    pos = e.diag.statement_position
    if pos:
        offset = int(pos) - 1
        for part, text in zip(body, texts, strict=True):
            if offset <= len(text):
                return _error_at(target, part, text, offset, e)
            offset -= len(text) + 3  # the "\n;\n" separator
    try:
        with conn.transaction():
            for p in lock:
                conn.execute(p.stmt)
            for part, text in zip(body, texts, strict=True):
                pieces = split_statements(text) if part.file else None
                for piece in pieces or [None]:
                    try:
                        conn.execute(piece.text.encode() if piece else text.encode())
                    except psycopg.Error as e2:
                        err = _error_at(target, part, text, piece.start if piece else 0, e2)
                        raise _Found(err) from None
            raise psycopg.Rollback()
    except _Found as found:
        return found.err
    except psycopg.Error:
        pass
    return MigrationError(target.schema, "?", "", _cause(e))


class _Found(Exception):
    def __init__(self, err: MigrationError) -> None:
        self.err = err


def _error_at(target: Target, part: _Part, text: str, offset: int, e: psycopg.Error) -> MigrationError:
    if part.file is None:
        return MigrationError(target.schema, part.label, text, _cause(e))
    stmts = split_statements(text)
    chosen = None
    for s in stmts:
        if s.start <= offset:
            chosen = s
    if chosen is None and stmts:
        chosen = stmts[0]
    if chosen is None:
        return MigrationError(target.schema, part.label, text, _cause(e))
    return MigrationError(target.schema, part.label, chosen.text, f"line {chosen.line}: {_cause(e)}")


# ---------------------------------------------------------------- read (drift detection)


@dataclass
class SchemaState:
    exists: bool
    applied: dict[int, str]  # version -> checksum recorded in the ledger
    missing_tables: set[str]
    privileges_missing: set[access_policy.Privilege]
    privileges_extra: set[access_policy.Privilege]

    @property
    def drifted(self) -> bool:
        return not self.exists or bool(self.missing_tables or self.privileges_missing or self.privileges_extra)


def expected_tables(kind: Kind) -> set[str]:
    """Tables the migrations create (tenant_sql/tables.py); empty until that module exists."""
    try:
        from tenant_sql import tables  # type: ignore[attr-defined]
    except ImportError:
        return set()
    return set(tables.SYSTEM_TABLES if kind == "system" else tables.TENANT_TABLES)


def inspect_schema(
    conn: psycopg.Connection[Any],
    target: Target,
    *,
    radius_role: str | None,
    hybrid: bool = False,
    expected: set[str] | None = None,
) -> SchemaState:
    """What the live database holds for one schema, compared with what the migrator converges to:
    for the Pulumi provider's `read` (a dropped table, a revoked or an extra grant is drift)."""
    exists = bool(conn.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", [target.schema]).fetchone())
    rows = _guarded_query(
        conn,
        sql.SQL("SELECT version, checksum::text FROM {} WHERE schema_name = %(s)s ORDER BY version").format(LEDGER),
        {"s": target.schema},
    )
    applied = {int(v): str(c) for v, c in rows or []}
    live_tables = {
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            [target.schema],
        )
    }
    missing = (expected_tables(target.kind) if expected is None else set(expected)) - live_tables
    live = {
        access_policy.Privilege(g, t, p)
        for g, t, p in conn.execute(access_policy.TABLE_GRANTS_QUERY, {"schema": target.schema})
    }
    if radius_role is None:
        want: set[access_policy.Privilege] = set()
    elif target.kind == "tenant":
        want = access_policy.expected_tenant_privileges(radius_role)
    else:
        want = {access_policy.Privilege(radius_role, t, "SELECT") for t in access_policy.SYSTEM_TABLES_READ_BY_RADIUS}
        if hybrid:
            want |= access_policy.radius_table_privileges(radius_role)
        # In the system schema only the RADIUS role's privileges are ours to judge.
        live = {p for p in live if p.grantee == radius_role}
    miss, extra = access_policy.diff_privileges(live, want)
    return SchemaState(exists, applied, missing, miss, extra)
