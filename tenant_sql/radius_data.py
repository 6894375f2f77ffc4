"""A tenant's declared RADIUS data, converged idempotently: plan (pure) then apply.

What the spec declares and this module owns:
- the tenant's packages (rows of `packages`: the tenant schema's, or public.packages with
  tenant_id for a legacy shared tenant), keyed by name;
- each declared package's RADIUS group rows (radgroupcheck/radgroupreply), through the one rule
  `package_group_rows`;
- each declared user's Cleartext-Password radcheck row (cleartext because CHAP needs it), its
  radusergroup rows, and its radius_user_schema_mapping row (role and active flag follow the spec;
  in a tenant schema the radcheck trigger creates the row, for a shared tenant we write it).

Rows of users and packages the spec does not declare (the application creates them at runtime) are
never touched. A user removed from the spec is removed only when the caller names it in
`previously_declared` (the Pulumi provider keeps that set in its state).

Identifiers are composed with psycopg.sql.Identifier only; the schema is validated first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from components import naming
from components.errors import MappingConflict
from components.spec import PackageSpec, PlatformSpec, ResolvedTenant, StackSpec

MAPPING_TABLE = "radius_user_schema_mapping"
PASSWORD_ATTRIBUTE = "Cleartext-Password"

AttrRow = tuple[str, str, str]  # (attribute, op, value)


# ----------------------------------------------------------------------------- the package rule


def _rate(rate: str) -> str:
    """RouterOS rate syntax is already what Mikrotik-Rate-Limit wants (512k, 10M, 1G)."""
    return rate


def package_group_rows(package: PackageSpec, platform: PlatformSpec | None = None) -> tuple[list[AttrRow], list[AttrRow]]:
    """THE rule turning a package into RADIUS group rows: (check rows, reply rows).

    - Mikrotik-Rate-Limit is "rx/tx" from the router's view: the router receives what the
      subscriber uploads, so rx = rate_up and tx = rate_down.
    - The data cap is Mikrotik-Total-Limit (bytes, low 32 bits) plus Mikrotik-Total-Limit-Gigawords
      (the high bits): RouterOS ends the session when upload + download reaches it. The cap is per
      session (the router cannot see earlier sessions).
    - Simultaneous-Use (devices) is a check item: FreeRADIUS counts the user's open sessions in the
      tenant's radacct.
    """
    check: list[AttrRow] = [("Simultaneous-Use", ":=", str(package.devices))]
    reply: list[AttrRow] = [("Mikrotik-Rate-Limit", ":=", f"{_rate(package.rate_up)}/{_rate(package.rate_down)}")]
    if package.session_timeout:
        reply.append(("Session-Timeout", ":=", str(package.session_timeout)))
    if package.idle_timeout:
        reply.append(("Idle-Timeout", ":=", str(package.idle_timeout)))
    reply.append(("Acct-Interim-Interval", ":=", str(package.interim_interval)))
    if package.data_cap_mb:
        total = package.data_cap_mb * 1024 * 1024
        reply.append(("Mikrotik-Total-Limit", ":=", str(total & 0xFFFFFFFF)))
        if total >> 32:
            reply.append(("Mikrotik-Total-Limit-Gigawords", ":=", str(total >> 32)))
    return check, reply


def group_name(tenant: ResolvedTenant, package_name: str) -> str:
    """The package's RADIUS group. Shared tenants share the public group tables, so their groups
    carry the tenant slug as well."""
    return naming.radius_group(package_name, tenant.slug if tenant.shared else None)


# ----------------------------------------------------------------------------- desired state


def _human_duration(seconds: int) -> str:
    """The application's free-text duration ("1 hour", "7 days"), parsed by its regex."""
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds and seconds % size == 0:
            n = seconds // size
            if unit == "week":
                unit, n = "day", n * 7
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def _human_rate(rate: str) -> str:
    units = {"k": "Kbps", "M": "Mbps", "G": "Gbps"}
    if rate[-1] in units:
        return f"{rate[:-1]} {units[rate[-1]]}"
    return f"{rate} bps"


PACKAGE_COLUMNS = (
    "type", "description", "duration", "upload_speed", "download_speed", "price", "devices",
    "data_limit", "validity", "is_public", "status", "is_active",
)


def package_row(package: PackageSpec) -> dict[str, str | None]:
    """Normalised (strings or None) column values of the package's `packages` row."""
    return {
        "type": package.type,
        "description": package.description,
        "duration": _human_duration(package.validity),
        "upload_speed": _human_rate(package.rate_up),
        "download_speed": _human_rate(package.rate_down),
        "price": str(Decimal(package.price).quantize(Decimal("0.01"))),
        "devices": str(package.devices),
        "data_limit": f"{package.data_cap_mb} MB" if package.data_cap_mb else None,
        "validity": _human_duration(package.validity),
        "is_public": "true" if package.public else "false",
        "status": "active",
        "is_active": "true",
    }


@dataclass(frozen=True)
class DesiredUser:
    username: str
    password: str = field(repr=False)
    groups: tuple[str, ...]
    role: str
    active: bool


@dataclass(frozen=True)
class Desired:
    schema: str
    tenant_id: str
    shared: bool
    packages: dict[str, dict[str, str | None]]
    group_check: dict[str, list[AttrRow]]
    group_reply: dict[str, list[AttrRow]]
    users: dict[str, DesiredUser]


def desired_state(spec: StackSpec, tenant: ResolvedTenant) -> Desired:
    schema = naming.validate_schema_name(
        tenant.schema_name, spec.platform.tenant_schema_prefix, allow_system=tenant.shared
    )
    check: dict[str, list[AttrRow]] = {}
    reply: dict[str, list[AttrRow]] = {}
    for p in tenant.spec.packages:
        check[group_name(tenant, p.name)], reply[group_name(tenant, p.name)] = package_group_rows(p, spec.platform)
    users = {
        u.username: DesiredUser(
            username=u.username,
            password=u.password.get_secret_value(),
            groups=(group_name(tenant, u.package),) if u.package else (),
            role=u.role,
            active=u.active,
        )
        for u in tenant.spec.users
    }
    return Desired(
        schema=schema,
        tenant_id=str(tenant.spec.id),
        shared=tenant.shared,
        packages={p.name: package_row(p) for p in tenant.spec.packages},
        group_check=check,
        group_reply=reply,
        users=users,
    )


# ----------------------------------------------------------------------------- current state


@dataclass
class Current:
    packages: dict[str, list[tuple[Any, dict[str, str | None]]]] = field(default_factory=dict)  # name -> [(id, row)]
    group_check: dict[str, list[tuple[int, AttrRow]]] = field(default_factory=dict)
    group_reply: dict[str, list[tuple[int, AttrRow]]] = field(default_factory=dict)
    passwords: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # user -> [(id, op, value)]
    user_groups: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)  # user -> [(id, group, prio)]
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    other_rows: dict[str, int] = field(default_factory=dict)  # removed users: radcheck/radreply rows left


def _t(schema: str, table: str) -> sql.Identifier:
    return sql.Identifier(schema, table)


def _tenant_filter(d: Desired) -> sql.Composable:
    return sql.SQL(" AND tenant_id = {}").format(sql.Literal(d.tenant_id)) if d.shared else sql.SQL("")


def read_current(conn: psycopg.Connection, d: Desired, usernames: Iterable[str]) -> Current:
    names = sorted(set(usernames))
    cur = Current()
    s = d.schema
    rows = conn.execute(
        sql.SQL(
            "SELECT id, name, {cols} FROM {t} WHERE name = ANY(%s){tf} ORDER BY created_at NULLS LAST, id"
        ).format(
            cols=sql.SQL(", ").join(
                sql.SQL("{}::text").format(sql.Identifier(c)) for c in PACKAGE_COLUMNS
            ),
            t=_t(s, "packages"),
            tf=_tenant_filter(d),
        ),
        (list(d.packages),),
    ).fetchall()
    for r in rows:
        cur.packages.setdefault(r[1], []).append((r[0], dict(zip(PACKAGE_COLUMNS, r[2:], strict=True))))
    groups = sorted(set(d.group_check) | set(d.group_reply))
    for table, target in (("radgroupcheck", cur.group_check), ("radgroupreply", cur.group_reply)):
        for r in conn.execute(
            sql.SQL("SELECT id, groupname, attribute, op, value FROM {} WHERE groupname = ANY(%s) ORDER BY id").format(
                _t(s, table)
            ),
            (groups,),
        ):
            target.setdefault(r[1], []).append((r[0], (r[2], r[3].strip(), r[4])))
    for r in conn.execute(
        sql.SQL("SELECT id, username, op, value FROM {} WHERE username = ANY(%s) AND attribute = %s ORDER BY id").format(
            _t(s, "radcheck")
        ),
        (names, PASSWORD_ATTRIBUTE),
    ):
        cur.passwords.setdefault(r[1], []).append((r[0], r[2].strip(), r[3]))
    for r in conn.execute(
        sql.SQL("SELECT id, username, groupname, priority FROM {} WHERE username = ANY(%s) ORDER BY id").format(
            _t(s, "radusergroup")
        ),
        (names,),
    ):
        cur.user_groups.setdefault(r[1], []).append((r[0], r[2], r[3]))
    for r in conn.execute(
        sql.SQL(
            "SELECT username, schema_name, tenant_id::text, user_role, is_active FROM {} WHERE username = ANY(%s)"
        ).format(_t(naming.SYSTEM_SCHEMA, MAPPING_TABLE)),
        (names,),
    ):
        cur.mappings[r[0]] = {"schema_name": r[1], "tenant_id": r[2], "user_role": r[3], "is_active": r[4]}
    for table in ("radcheck", "radreply"):
        for r in conn.execute(
            sql.SQL("SELECT username, count(*) FROM {} WHERE username = ANY(%s) GROUP BY username").format(
                _t(s, table)
            ),
            (names,),
        ):
            cur.other_rows[r[0]] = cur.other_rows.get(r[0], 0) + int(r[1])
    return cur


# ----------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Op:
    description: str  # never carries a password
    statement: sql.Composable = field(repr=False)


@dataclass(frozen=True)
class Plan:
    ops: tuple[Op, ...]

    @property
    def changed(self) -> bool:
        return bool(self.ops)

    def descriptions(self) -> list[str]:
        return [o.description for o in self.ops]


def _now() -> sql.Composable:
    return sql.SQL("now()")


def _package_insert(d: Desired, name: str, want: dict[str, str | None], *, guarded: bool) -> sql.Composable:
    """INSERT of a declared package; `guarded` adds WHERE NOT EXISTS (render scripts)."""
    cols = ["name", *PACKAGE_COLUMNS, "created_at", "updated_at"]
    vals: list[sql.Composable] = [sql.Literal(name), *(sql.Literal(want[c]) for c in PACKAGE_COLUMNS), _now(), _now()]
    if d.shared:
        cols.insert(0, "tenant_id")
        vals.insert(0, sql.Literal(d.tenant_id))
    t = _t(d.schema, "packages")
    stmt = sql.SQL("INSERT INTO {} ({}) SELECT {}").format(
        t, sql.SQL(", ").join(map(sql.Identifier, cols)), sql.SQL(", ").join(vals)
    )
    if guarded:
        stmt = sql.SQL("{} WHERE NOT EXISTS (SELECT 1 FROM {} WHERE name = {}{})").format(
            stmt, t, sql.Literal(name), _tenant_filter(d)
        )
    return stmt


def _package_ops(d: Desired, cur: Current) -> list[Op]:
    ops: list[Op] = []
    t = _t(d.schema, "packages")
    for name, want in d.packages.items():
        have = cur.packages.get(name)
        if not have:
            ops.append(Op(f"{d.schema}.packages: add {name}", _package_insert(d, name, want, guarded=False)))
            continue
        pid, row = have[0]  # the oldest row of that name is the declared one
        diff = [c for c in PACKAGE_COLUMNS if row[c] != want[c]]
        if diff:
            ops.append(Op(
                f"{d.schema}.packages: update {name} ({', '.join(diff)})",
                sql.SQL("UPDATE {} SET {}, updated_at = now() WHERE id = {}").format(
                    t,
                    sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(want[c])) for c in diff),
                    sql.Literal(pid),
                ),
            ))
    return ops


def _attr_ops(d: Desired, table: str, want: dict[str, list[AttrRow]], have: dict[str, list[tuple[int, AttrRow]]]) -> list[Op]:
    ops: list[Op] = []
    t = _t(d.schema, table)
    for group, rows in want.items():
        missing = Counter(rows)
        for rid, row in have.get(group, []):
            if missing[row] > 0:
                missing[row] -= 1
            else:
                ops.append(Op(
                    f"{d.schema}.{table}: remove {group} {row[0]} {row[1]} {row[2]}",
                    sql.SQL("DELETE FROM {} WHERE id = {}").format(t, sql.Literal(rid)),
                ))
        for row in rows:
            if missing[row] > 0:
                missing[row] -= 1
                ops.append(Op(
                    f"{d.schema}.{table}: add {group} {row[0]} {row[1]} {row[2]}",
                    sql.SQL("INSERT INTO {} (groupname, attribute, op, value) VALUES ({}, {}, {}, {})").format(
                        t, *map(sql.Literal, (group, *row))
                    ),
                ))
    return ops


def _user_ops(d: Desired, cur: Current, removed: set[str]) -> list[Op]:
    ops: list[Op] = []
    s = d.schema
    mapping = _t(naming.SYSTEM_SCHEMA, MAPPING_TABLE)
    for name, u in d.users.items():
        m = cur.mappings.get(name)
        if m is not None and (m["schema_name"] != s or (d.shared and m["tenant_id"] not in (None, d.tenant_id))):
            owner = m["schema_name"] if m["schema_name"] != s else f"tenant {m['tenant_id']}"
            raise MappingConflict(f"user {name!r} of {s} (tenant {d.tenant_id}) is already mapped to {owner}")
        pw = cur.passwords.get(name, [])
        if not pw:
            ops.append(Op(
                f"{s}.radcheck: add {PASSWORD_ATTRIBUTE} of {name}",
                sql.SQL(
                    "INSERT INTO {} (username, attribute, op, value, created_at, updated_at) "
                    "VALUES ({}, {}, ':=', {}, now(), now())"
                ).format(_t(s, "radcheck"), sql.Literal(name), sql.Literal(PASSWORD_ATTRIBUTE), sql.Literal(u.password)),
            ))
        else:
            rid, op, value = pw[0]
            if op != ":=" or value != u.password:
                ops.append(Op(
                    f"{s}.radcheck: set {PASSWORD_ATTRIBUTE} of {name}",
                    sql.SQL("UPDATE {} SET op = ':=', value = {}, updated_at = now() WHERE id = {}").format(
                        _t(s, "radcheck"), sql.Literal(u.password), sql.Literal(rid)
                    ),
                ))
            for extra_id, _, _ in pw[1:]:
                ops.append(Op(
                    f"{s}.radcheck: remove a second {PASSWORD_ATTRIBUTE} of {name}",
                    sql.SQL("DELETE FROM {} WHERE id = {}").format(_t(s, "radcheck"), sql.Literal(extra_id)),
                ))
        have_groups = cur.user_groups.get(name, [])
        if [(g, p) for _, g, p in have_groups] != [(g, 1) for g in u.groups]:
            ops.append(Op(
                f"{s}.radusergroup: {name} -> {', '.join(u.groups) or '(no group)'}",
                sql.SQL("DELETE FROM {} WHERE username = {}").format(_t(s, "radusergroup"), sql.Literal(name)),
            ))
            for g in u.groups:
                ops.append(Op(
                    f"{s}.radusergroup: add {name} {g}",
                    sql.SQL("INSERT INTO {} (username, groupname, priority) VALUES ({}, {}, 1)").format(
                        _t(s, "radusergroup"), sql.Literal(name), sql.Literal(g)
                    ),
                ))
        want_map = {"schema_name": s, "tenant_id": d.tenant_id, "user_role": u.role, "is_active": u.active}
        if m != want_map:
            # In a tenant schema the radcheck trigger has just created the row (role hotspot_user,
            # active); the upsert sets role and flag, and never takes a row of another schema.
            ops.append(Op(
                f"{naming.SYSTEM_SCHEMA}.{MAPPING_TABLE}: {name} -> {s} role {u.role} "
                f"{'active' if u.active else 'inactive'}",
                sql.SQL(
                    "INSERT INTO {m} AS m (username, schema_name, tenant_id, user_role, is_active, created_at, updated_at) "
                    "VALUES ({u}, {s}, {t}, {r}, {a}, now(), now()) "
                    "ON CONFLICT (username) DO UPDATE SET tenant_id = excluded.tenant_id, "
                    "user_role = excluded.user_role, is_active = excluded.is_active, updated_at = now() "
                    "WHERE m.schema_name = excluded.schema_name"
                ).format(
                    m=mapping, u=sql.Literal(name), s=sql.Literal(s), t=sql.Literal(d.tenant_id),
                    r=sql.Literal(u.role), a=sql.Literal(u.active),
                ),
            ))
    for name in sorted(removed):
        if cur.other_rows.get(name) or cur.user_groups.get(name):
            ops += [
                Op(
                    f"{s}.{table}: remove user {name} (no longer declared)",
                    sql.SQL("DELETE FROM {} WHERE username = {}").format(_t(s, table), sql.Literal(name)),
                )
                for table in ("radusergroup", "radreply", "radcheck")
            ]
        m = cur.mappings.get(name)
        if d.shared and m is not None and m["schema_name"] == s and m["tenant_id"] == d.tenant_id:
            ops.append(Op(
                f"{naming.SYSTEM_SCHEMA}.{MAPPING_TABLE}: remove {name}",
                sql.SQL("DELETE FROM {} WHERE username = {} AND schema_name = {} AND tenant_id = {}").format(
                    mapping, sql.Literal(name), sql.Literal(s), sql.Literal(d.tenant_id)
                ),
            ))
    return ops


def plan(current: Current, desired: Desired, previously_declared: Iterable[str] = ()) -> Plan:
    """Pure: what must change to turn `current` into `desired`."""
    removed = set(previously_declared) - set(desired.users)
    ops = _package_ops(desired, current)
    ops += _attr_ops(desired, "radgroupcheck", desired.group_check, current.group_check)
    ops += _attr_ops(desired, "radgroupreply", desired.group_reply, current.group_reply)
    ops += _user_ops(desired, current, removed)
    return Plan(tuple(ops))


def apply(conn: psycopg.Connection, p: Plan) -> None:
    """Run the plan in one transaction (a failure leaves nothing half-applied)."""
    if not p.ops:
        return
    with conn.transaction():
        for op in p.ops:
            try:
                conn.execute(op.statement)
            except psycopg.errors.UniqueViolation as e:
                # The radcheck trigger refuses a username another schema owns.
                raise MappingConflict(f"{op.description}: {e.diag.message_primary}") from e


# ----------------------------------------------------------------------------- entry points


def converge_tenant(
    conn: psycopg.Connection,
    spec: StackSpec,
    tenant: ResolvedTenant,
    *,
    previously_declared: Iterable[str] = (),
) -> bool:
    """Bring the tenant's declared RADIUS data in step with the spec. Returns whether it changed."""
    d = desired_state(spec, tenant)
    previously = set(previously_declared)
    with conn.transaction():
        # Row locks are not enough against a concurrent converge of the same tenant: serialise.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (naming.advisory_lock_key(d.schema) ^ 0x5AD1,))
        cur = read_current(conn, d, set(d.users) | previously)
        p = plan(cur, d, previously)
        apply(conn, p)
    return p.changed


def read_tenant(conn: psycopg.Connection, spec: StackSpec, tenant: ResolvedTenant) -> dict[str, Any]:
    """What is there for the declared packages and users, normalised, plus `drift`: what a
    converge would change (readable lines, no passwords)."""
    d = desired_state(spec, tenant)
    cur = read_current(conn, d, d.users)
    return {
        "schema": d.schema,
        "tenant_id": d.tenant_id,
        "packages": {n: rows[0][1] for n, rows in sorted(cur.packages.items())},
        "groups": {
            g: {
                "check": sorted(r for _, r in cur.group_check.get(g, [])),
                "reply": sorted(r for _, r in cur.group_reply.get(g, [])),
            }
            for g in sorted(set(d.group_check) | set(d.group_reply))
        },
        "users": {
            n: {
                "password_set": bool(cur.passwords.get(n)),
                "password_matches": [v for _, _, v in cur.passwords.get(n, [])] == [d.users[n].password],
                "groups": [g for _, g, _ in cur.user_groups.get(n, [])],
                "mapping": cur.mappings.get(n),
            }
            for n in sorted(d.users)
        },
        "drift": plan(cur, d).descriptions(),
    }


def statements(spec: StackSpec, tenant: ResolvedTenant) -> list[sql.Composable]:
    """A script that converges the tenant from any state without reading it (for `hotspotctl
    render`): the owned rows are deleted and written again; undeclared rows are not touched.
    It contains the users' passwords: write it where only the operator can read it."""
    d = desired_state(spec, tenant)
    s = d.schema
    out: list[sql.Composable] = []
    for name, row in d.packages.items():
        sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(row[c])) for c in PACKAGE_COLUMNS)
        out.append(sql.SQL("UPDATE {} SET {}, updated_at = now() WHERE name = {}{}").format(
            _t(s, "packages"), sets, sql.Literal(name), _tenant_filter(d)))
    groups = sorted(set(d.group_check) | set(d.group_reply))
    for table in ("radgroupcheck", "radgroupreply"):
        out.append(sql.SQL("DELETE FROM {} WHERE groupname = ANY({})").format(_t(s, table), sql.Literal(groups)))
    users = sorted(d.users)
    out.append(sql.SQL("DELETE FROM {} WHERE username = ANY({})").format(_t(s, "radusergroup"), sql.Literal(users)))
    out.append(sql.SQL("DELETE FROM {} WHERE username = ANY({}) AND attribute = {}").format(
        _t(s, "radcheck"), sql.Literal(users), sql.Literal(PASSWORD_ATTRIBUTE)))
    out += [_package_insert(d, name, row, guarded=True) for name, row in d.packages.items()]
    # Every other owned row is absent now: what a converge from nothing would run.
    out += [op.statement for op in plan(Current(), d).ops if not op.description.startswith(f"{s}.packages:")]
    return out
