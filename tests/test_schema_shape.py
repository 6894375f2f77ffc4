"""The migration files create the schema the application and FreeRADIUS expect, and nothing else.

Each test gets a fresh database (pg_conn) with the system files applied and real tenant schemas
built as the migrator will build them (tests/sql_apply.py).
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import errors, sql

from tenant_sql.tables import LEGACY_SHARED_TABLES, RADIUS_TABLES, SYSTEM_TABLES, TENANT_TABLES
from tests.sql_apply import (  # noqa: F401 (fixture)
    ALPHA_ID,
    BRAVO_ID,
    SYSTEM_FILES,
    TENANT_FILES,
    add_tenant,
    apply_system,
    replay_tenant_files,
)

# Column names of the stock FreeRADIUS 3.2 PostgreSQL tables (mods-config/sql/main/postgresql).
STOCK_COLUMNS = {
    "radacct": {
        "radacctid",
        "acctsessionid",
        "acctuniqueid",
        "username",
        "realm",
        "nasipaddress",
        "nasportid",
        "nasporttype",
        "acctstarttime",
        "acctupdatetime",
        "acctstoptime",
        "acctinterval",
        "acctsessiontime",
        "acctauthentic",
        "connectinfo_start",
        "connectinfo_stop",
        "acctinputoctets",
        "acctoutputoctets",
        "calledstationid",
        "callingstationid",
        "acctterminatecause",
        "servicetype",
        "framedprotocol",
        "framedipaddress",
        "framedipv6address",
        "framedipv6prefix",
        "framedinterfaceid",
        "delegatedipv6prefix",
        "class",
    },
    "radcheck": {"id", "username", "attribute", "op", "value"},
    "radreply": {"id", "username", "attribute", "op", "value"},
    "radgroupcheck": {"id", "groupname", "attribute", "op", "value"},
    "radgroupreply": {"id", "groupname", "attribute", "op", "value"},
    "radusergroup": {"id", "username", "groupname", "priority"},
    "radpostauth": {
        "id",
        "username",
        "pass",
        "reply",
        "calledstationid",
        "callingstationid",
        "authdate",
        "class",
    },
    "nas": {"id", "nasname", "shortname", "type", "ports", "secret", "server", "community", "description"},
}
MONEY_COLUMNS = {
    ("packages", "price"),
    ("payments", "amount"),
    ("users", "account_balance"),
    ("departments", "budget"),
    ("positions", "min_salary"),
    ("positions", "max_salary"),
    ("employees", "salary"),
    ("expenses", "amount"),
    ("revenues", "amount"),
}


@pytest.fixture
def db(two_tenants: psycopg.Connection) -> psycopg.Connection:
    return two_tenants


def tables_in(conn: psycopg.Connection, schema: str) -> dict[str, str]:
    """table -> owner role."""
    rows = conn.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    return dict(rows)


def snapshot(conn: psycopg.Connection, schema: str) -> dict[str, set[tuple]]:
    """Catalog shape of one schema: tables, columns, indexes, constraints, triggers, functions."""
    q = {
        "tables": "SELECT c.relname, c.relkind::text, pg_get_userbyid(c.relowner) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s",
        "columns": "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
        " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " WHERE n.nspname = %(s)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s",
        "constraints": "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
        " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %(s)s",
        "triggers": "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %(s)s AND NOT t.tgisinternal",
        "functions": "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s",
    }
    return {k: set(conn.execute(v, {"s": schema}).fetchall()) for k, v in q.items()}


def test_table_constants_are_exactly_what_the_files_create(db: psycopg.Connection) -> None:
    for name, tup in [("SYSTEM", SYSTEM_TABLES), ("LEGACY", LEGACY_SHARED_TABLES), ("TENANT", TENANT_TABLES)]:
        assert len(tup) == len(set(tup)), f"{name}_TABLES has duplicates"
    assert set(RADIUS_TABLES) <= set(SYSTEM_TABLES) and set(RADIUS_TABLES) <= set(TENANT_TABLES)
    assert not set(SYSTEM_TABLES) & set(LEGACY_SHARED_TABLES)
    assert set(tables_in(db, "public")) == set(SYSTEM_TABLES) | set(LEGACY_SHARED_TABLES)
    assert set(tables_in(db, "tenant_alpha")) == set(TENANT_TABLES)


def test_each_tenant_owns_its_own_copy(db: psycopg.Connection) -> None:
    for schema in ("tenant_alpha", "tenant_bravo"):
        owner = f"{schema}_owner"
        assert tables_in(db, schema) == {t: owner for t in TENANT_TABLES}
        # Sequences, indexes and functions too: the owner can migrate them, nobody else owns any.
        others = db.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND pg_get_userbyid(c.relowner) <> %s",
            (schema, owner),
        ).fetchall()
        assert others == []
        funcs = db.execute(
            "SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
            (schema,),
        ).fetchall()
        assert sorted(funcs) == [
            ("radius_open_sessions", owner), ("set_updated_at", owner), ("update_hotspot_users_updated_at", owner),
        ]
    # The copies are distinct tables: a row in one tenant is not in the other.
    db.execute(
        "INSERT INTO tenant_alpha.routers (name, ip_address, username, password) VALUES ('r1', '0.0.0.0/32', 'u', 'p')"
    )
    assert db.execute("SELECT count(*) FROM tenant_bravo.routers").fetchone() == (0,)
    # Nothing tenant-only lands in public.
    tenant_only = set(TENANT_TABLES) - set(SYSTEM_TABLES) - set(LEGACY_SHARED_TABLES)
    assert "tenant_ip_pools" in tenant_only and "genieacs_devices" in tenant_only
    assert not tenant_only & set(tables_in(db, "public"))


def test_every_uuid_primary_key_has_a_default(db: psycopg.Connection) -> None:
    rows = db.execute(
        """
        SELECT n.nspname, c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (k.conkey)
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE k.contype = 'p' AND a.atttypid = 'uuid'::regtype
          AND n.nspname IN ('public', 'tenant_alpha', 'tenant_bravo')
        """
    ).fetchall()
    assert len(rows) > 60
    missing = [(s, t, c) for s, t, c, default in rows if default != "gen_random_uuid()"]
    assert missing == []


def test_money_is_numeric_and_no_float_columns(db: psycopg.Connection) -> None:
    types = {
        (s, t, c): ty
        for s, t, c, ty in db.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema IN ('public', 'tenant_alpha')"
        ).fetchall()
    }
    for table, column in MONEY_COLUMNS:
        schemas = ["public"] if table == "users" else ["tenant_alpha"]
        if table in ("packages", "payments"):
            schemas = ["public", "tenant_alpha"]
        for s in schemas:
            assert types[(s, table, column)] == "numeric", (s, table, column)
    floats = [k for k, ty in types.items() if ty in ("double precision", "real")]
    assert floats == []


def test_radius_tables_keep_stock_columns(db: psycopg.Connection) -> None:
    for schema in ("tenant_alpha", "public"):
        for table, stock in STOCK_COLUMNS.items():
            cols = {
                r[0]
                for r in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                    (schema, table),
                )
            }
            assert stock <= cols, (schema, table, stock - cols)
        extra = {
            r[0]: (r[1], r[2])
            for r in db.execute(
                "SELECT column_name, is_nullable, character_maximum_length FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = 'radacct'",
                (schema,),
            )
        }
        assert {"acctstartdelay", "acctstopdelay", "groupname"} <= set(extra)
        assert extra["calledstationid"][0] == "YES" and extra["callingstationid"][0] == "YES"
        assert extra["acctterminatecause"][0] == "YES"
        assert extra["nasportid"][1] is None or extra["nasportid"][1] >= 253
        pk = db.execute(
            "SELECT a.attname FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid"
            " AND a.attnum = ANY (k.conkey) WHERE k.contype = 'p' AND k.conrelid = %s::regclass",
            (f"{schema}.radacct",),
        ).fetchall()
        assert pk == [("radacctid",)]
        nullable_pass = db.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = 'radpostauth' AND column_name = 'pass'",
            (schema,),
        ).fetchone()
        assert nullable_pass == ("YES",)
        # components.access_policy grants USAGE on exactly these sequences.
        for seq in ("radacct_radacctid_seq", "radpostauth_id_seq"):
            assert db.execute("SELECT to_regclass(%s)", (f"{schema}.{seq}",)).fetchone()[0] is not None


def _strip(rows: set[tuple], schema: str) -> set[tuple]:
    return {tuple(v.replace(f"{schema}.", "") if isinstance(v, str) else v for v in r) for r in rows}


def test_public_and_tenant_radius_tables_are_identical(db: psycopg.Connection) -> None:
    """FreeRADIUS runs the same SQL against both, so the definitions must not drift apart."""
    pub, ten = snapshot(db, "public"), snapshot(db, "tenant_alpha")
    radius = set(RADIUS_TABLES)
    for kind in ("columns", "constraints"):
        left = {r for r in _strip(pub[kind], "public") if r[0] in radius}
        right = {r for r in _strip(ten[kind], "tenant_alpha") if r[0] in radius}
        assert left == right and left, kind
    tables = db.execute(
        "SELECT schemaname, indexname, tablename FROM pg_indexes WHERE schemaname IN ('public', 'tenant_alpha')"
    ).fetchall()
    on_radius = {(s, n) for s, n, t in tables if t in radius}
    left = {r for r in _strip(pub["indexes"], "public") if ("public", r[0]) in on_radius}
    right = {r for r in _strip(ten["indexes"], "tenant_alpha") if ("tenant_alpha", r[0]) in on_radius}
    assert left == right and len(left) >= 15


def test_public_and_tenant_open_sessions_functions_are_identical(db: psycopg.Connection) -> None:
    """system/0007 and tenant/0007 define radius_open_sessions twice (frozen, checksummed files, one
    per migration kind); FreeRADIUS calls both the same way, so the bodies must not drift apart."""
    defs = {
        schema: _strip({(d,)}, schema).pop()[0]
        for schema, d in db.execute(
            "SELECT n.nspname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'radius_open_sessions' AND n.nspname IN ('public', 'tenant_alpha')"
        )
    }
    assert set(defs) == {"public", "tenant_alpha"}
    assert defs["public"] == defs["tenant_alpha"]
    assert "radacct a" in defs["public"] and "force_generic_plan" in defs["public"]


def test_radacct_indexes_for_freeradius(db: psycopg.Connection) -> None:
    defs = {
        n: d
        for n, d in db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'tenant_alpha' AND tablename = 'radacct'"
        )
    }
    assert "WHERE (acctstoptime IS NULL)" in defs["radacct_active_session_idx"]
    assert defs["radacct_acctuniqueid_unique"].startswith("CREATE UNIQUE INDEX")
    assert "(nasipaddress, acctstoptime)" in defs["radacct_nasipaddress_acctstoptime_index"]
    assert "(username, acctstoptime)" in defs["radacct_username_acctstoptime_index"]


def test_no_foreign_key_leaves_the_tenant_schema(db: psycopg.Connection) -> None:
    """Tenant columns holding a public.users id have no foreign key: one per tenant table put two RI
    triggers on public.users each (28,000 at 1,000 tenants) and made provisioning O(n^2)."""
    rows = db.execute(
        """
        SELECT DISTINCT tn.nspname, t.relname FROM pg_constraint k
        JOIN pg_class s ON s.oid = k.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_class t ON t.oid = k.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
        WHERE k.contype = 'f' AND sn.nspname LIKE 'tenant\\_%' AND tn.nspname <> sn.nspname
        """
    ).fetchall()
    assert rows == []
    # Only public's own foreign keys put RI triggers on public.users; adding tenants adds none.
    ri = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.users'::regclass AND tgisinternal"
    before = db.execute(ri).fetchone()
    add_tenant(db, "charlie", str(uuid.uuid4()))
    assert db.execute(ri).fetchone() == before
    assert db.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.users'::regclass AND NOT tgisinternal"
    ).fetchall() == [("trigger_hotspot_user_deleted",)]


# The foreign keys tenant tables had on public.users, and their ON DELETE actions.
FORMER_USER_FOREIGN_KEYS = {
    ("payments", "user_id", "SET NULL"), ("user_subscriptions", "user_id", "CASCADE"),
    ("payment_reminders", "user_id", "CASCADE"), ("service_control_logs", "user_id", "SET NULL"),
    ("vouchers", "used_by", "SET NULL"), ("session_disconnections", "disconnected_by", "SET NULL"),
    ("todos", "user_id", "SET NULL"), ("todos", "created_by", "CASCADE"), ("todo_activities", "user_id", "CASCADE"),
    ("employees", "user_id", "SET NULL"), ("expenses", "submitted_by", "CASCADE"),
    ("expenses", "approved_by", "SET NULL"), ("revenues", "customer_id", "SET NULL"),
    ("revenues", "recorded_by", "CASCADE"),
}


def test_user_reference_columns_are_listed_typed_and_indexed(db: psycopg.Connection) -> None:
    listed = set(db.execute("SELECT table_name, column_name, on_delete FROM public.hotspot_user_references").fetchall())
    assert listed == FORMER_USER_FOREIGN_KEYS
    for table, column, action in sorted(listed):
        for schema in ("tenant_alpha", "tenant_bravo"):
            row = db.execute(
                "SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a"
                " WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped",
                (f"{schema}.{table}", column),
            ).fetchone()
            assert row is not None and row[0] == "uuid", (schema, table, column, row)
            if action == "SET NULL":
                assert row[1] is False, f"{table}.{column} is SET NULL on delete but NOT NULL"
            leading = db.execute(
                "SELECT count(*) FROM pg_index i JOIN pg_attribute a"
                " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                " WHERE i.indrelid = %s::regclass AND a.attname = %s",
                (f"{schema}.{table}", column),
            ).fetchone()[0]
            assert leading >= 1, f"{schema}.{table}.{column} has no index led by it"


def _user(conn: psycopg.Connection, name: str, tenant_id: str | None) -> str:
    return conn.execute(
        "INSERT INTO public.users (tenant_id, name, username, email, password) VALUES (%s, %s, %s, %s, 'x')"
        " RETURNING id::text",
        (tenant_id, name, name, f"{name}@example.test"),
    ).fetchone()[0]


def _rows_pointing_at(conn: psycopg.Connection, schema: str, user: str) -> dict[tuple[str, str], int]:
    out = {}
    for table, column, _ in sorted(FORMER_USER_FOREIGN_KEYS):
        q = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(sql.Identifier(schema, table), sql.Identifier(column))
        out[(table, column)] = conn.execute(q, (user,)).fetchone()[0]
    return out


def _tenant_data(conn: psycopg.Connection, schema: str, user: str, other: str) -> dict[str, str]:
    """Rows in `schema` pointing at `user` through each action, and rows pointing at `other`."""
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        pkg = conn.execute(
            "INSERT INTO packages (type, name, duration, upload_speed, download_speed, price, devices)"
            " VALUES ('hotspot', 'p', '1h', '1M', '1M', 10, 1) RETURNING id::text"
        ).fetchone()[0]
        ids = {}
        for who, tag in ((user, "u"), (other, "o")):
            ids[f"payment_{tag}"] = conn.execute(
                "INSERT INTO payments (user_id, mac_address, phone_number, amount, transaction_id)"
                " VALUES (%s, 'aa:bb:cc:dd:ee:ff', '0700', 10, %s) RETURNING id::text", (who, f"tx-{tag}"),
            ).fetchone()[0]
            ids[f"sub_{tag}"] = conn.execute(
                "INSERT INTO user_subscriptions (user_id, package_id, mac_address, start_time, end_time)"
                " VALUES (%s, %s, 'aa:bb:cc:dd:ee:ff', now(), now()) RETURNING id::text", (who, pkg),
            ).fetchone()[0]
            ids[f"voucher_{tag}"] = conn.execute(
                "INSERT INTO vouchers (code, package_id, used_by) VALUES (%s, %s, %s) RETURNING id::text",
                (f"v-{tag}", pkg, who),
            ).fetchone()[0]
            # created by `who`, assigned to the other user: CASCADE on one column, SET NULL on the other.
            assignee = other if who == user else user
            ids[f"todo_{tag}"] = conn.execute(
                "INSERT INTO todos (created_by, user_id, title) VALUES (%s, %s, 't') RETURNING id::text",
                (who, assignee),
            ).fetchone()[0]
            ids[f"activity_{tag}"] = conn.execute(
                "INSERT INTO todo_activities (todo_id, user_id, action) VALUES (%s, %s, 'a') RETURNING id::text",
                (ids[f"todo_{tag}"], assignee),
            ).fetchone()[0]
            ids[f"expense_{tag}"] = conn.execute(
                "INSERT INTO expenses (expense_number, category, amount, expense_date, submitted_by, approved_by)"
                " VALUES (%s, 'c', 1, now(), %s, %s) RETURNING id::text", (f"e-{tag}", assignee, who),
            ).fetchone()[0]
    return ids


def test_deleting_a_user_applies_the_former_foreign_key_actions_in_its_tenant_only(db: psycopg.Connection) -> None:
    u = _user(db, "ua", ALPHA_ID)
    o = _user(db, "oa", ALPHA_ID)
    alpha = _tenant_data(db, "tenant_alpha", u, o)
    _tenant_data(db, "tenant_bravo", u, o)  # bravo rows pointing at alpha's user: not bravo's business
    bravo_before = snapshot_rows(db, "tenant_bravo")
    db.execute("DELETE FROM public.users WHERE id = %s", (u,))
    assert set(_rows_pointing_at(db, "tenant_alpha", u).values()) == {0}
    one = sql.SQL("SELECT {} FROM tenant_alpha.{} WHERE id = %s")
    # SET NULL: the row stays, the column is NULL.
    assert db.execute(one.format(sql.Identifier("user_id"), sql.Identifier("payments")), (alpha["payment_u"],)).fetchone() == (None,)
    assert db.execute(one.format(sql.Identifier("used_by"), sql.Identifier("vouchers")), (alpha["voucher_u"],)).fetchone() == (None,)
    assert db.execute(one.format(sql.Identifier("user_id"), sql.Identifier("todos")), (alpha["todo_o"],)).fetchone() == (None,)
    assert db.execute(one.format(sql.Identifier("approved_by"), sql.Identifier("expenses")), (alpha["expense_u"],)).fetchone() == (None,)
    # CASCADE: the rows are gone, and what hung off them inside the schema too (todo_activities).
    for table, key in (("user_subscriptions", "sub_u"), ("todos", "todo_u"), ("todo_activities", "activity_u"),
                       ("todo_activities", "activity_o"), ("expenses", "expense_o")):
        assert db.execute(one.format(sql.Identifier("id"), sql.Identifier(table)), (alpha[key],)).fetchone() is None, table
    # The other user's rows are untouched (bar those the deleted user's cascade took with it).
    left = _rows_pointing_at(db, "tenant_alpha", o)
    assert left[("payments", "user_id")] == 1 and left[("user_subscriptions", "user_id")] == 1
    assert left[("vouchers", "used_by")] == 1 and left[("todos", "created_by")] == 1
    # Another tenant's schema is not visited at all, even where its rows hold the id.
    assert snapshot_rows(db, "tenant_bravo") == bravo_before


def test_deleting_a_system_admin_reaches_every_tenant_schema(db: psycopg.Connection) -> None:
    admin = _user(db, "admin", None)
    o = _user(db, "ob", BRAVO_ID)
    for schema in ("tenant_alpha", "tenant_bravo"):
        _tenant_data(db, schema, admin, o)
    db.execute("DELETE FROM public.users WHERE id = %s", (admin,))
    for schema in ("tenant_alpha", "tenant_bravo"):
        assert set(_rows_pointing_at(db, schema, admin).values()) == {0}, schema
        assert _rows_pointing_at(db, schema, o)[("payments", "user_id")] == 1


def snapshot_rows(conn: psycopg.Connection, schema: str) -> dict[str, list[tuple]]:
    out = {}
    for table in sorted({t for t, _, _ in FORMER_USER_FOREIGN_KEYS}):
        q = sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(schema, table))
        out[table] = conn.execute(q).fetchall()
    return out


def _fk(conn: psycopg.Connection, schema: str, name: str) -> tuple[str, str]:
    row = conn.execute(
        "SELECT k.confdeltype::text, k.confrelid::regclass::text FROM pg_constraint k"
        " JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = %s AND k.conname = %s",
        (schema, name),
    ).fetchone()
    assert row is not None, (schema, name)
    return row


def test_payments_keep_history_when_a_package_is_deleted(db: psycopg.Connection) -> None:
    assert _fk(db, "tenant_alpha", "payments_package_id_foreign") == ("n", "tenant_alpha.packages")
    assert _fk(db, "public", "payments_package_id_foreign") == ("n", "packages")


def test_router_configs_unique_and_upsert(db: psycopg.Connection) -> None:
    cons = db.execute(
        "SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace"
        " WHERE n.nspname = ANY (%s) AND k.conname = 'router_configs_router_id_config_type_unique'",
        (["tenant_alpha", "tenant_bravo", "public"],),
    ).fetchall()
    assert cons == [("UNIQUE (router_id, config_type)",)] * 3
    with db.transaction():
        db.execute("SET LOCAL search_path TO tenant_alpha, public")
        rid = db.execute(
            "INSERT INTO routers (name, ip_address, username, password) VALUES ('r', '0.0.0.0/32', 'u', 'p') RETURNING id"
        ).fetchone()[0]
        for content in ("a", "b"):
            db.execute(
                "INSERT INTO router_configs (router_id, config_type, config_content) VALUES (%s, 'vpn', %s)"
                " ON CONFLICT (router_id, config_type) DO UPDATE SET config_content = EXCLUDED.config_content",
                (rid, content),
            )
        assert db.execute("SELECT config_content FROM router_configs").fetchall() == [("b",)]


def test_mapping_table_is_the_seed_shape(db: psycopg.Connection) -> None:
    cols = db.execute(
        "SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = 'radius_user_schema_mapping' ORDER BY ordinal_position"
    ).fetchall()
    assert cols == [
        ("id", "bigint", None, "NO"),
        ("username", "character varying", 64, "NO"),
        ("schema_name", "character varying", 64, "NO"),
        ("tenant_id", "uuid", None, "YES"),
        ("user_role", "character varying", 32, "YES"),
        ("is_active", "boolean", None, "NO"),
        ("created_at", "timestamp without time zone", None, "YES"),
        ("updated_at", "timestamp without time zone", None, "YES"),
    ]
    idx = {
        n: d
        for n, d in db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'radius_user_schema_mapping'"
        )
    }
    assert set(idx) == {
        "radius_user_schema_mapping_pkey",
        "radius_user_schema_mapping_username_unique",
        "radius_user_schema_mapping_schema_name_index",
        "radius_user_schema_mapping_username_is_active_index",
        "radius_user_schema_mapping_tenant_id_index",
    }
    assert idx["radius_user_schema_mapping_username_unique"].startswith("CREATE UNIQUE INDEX")
    assert "(username, is_active)" in idx["radius_user_schema_mapping_username_is_active_index"]
    assert _fk(db, "public", "radius_user_schema_mapping_tenant_id_foreign") == ("c", "tenants")
    comment = db.execute(
        "SELECT obj_description('public.radius_user_schema_mapping'::regclass, 'pg_class')"
    ).fetchone()[0]
    assert comment and "FreeRADIUS" in comment


UNSAFE_SCHEMA_VALUES = (
    "public.radcheck --",
    "x; drop table y",
    "pg_catalog",
    "pg_temp_1",
    "information_schema",
    "Tenant_alpha",
    "tenant-alpha",
    "1tenant",
    "",
    "t" * 64,
    "tenant_\u00e4",
)


def test_mapping_check_refuses_unsafe_schema_names(pg_conn: psycopg.Connection) -> None:
    apply_system(pg_conn)
    insert = "INSERT INTO public.radius_user_schema_mapping (username, schema_name) VALUES ('u', %s)"
    for value in UNSAFE_SCHEMA_VALUES:
        try:
            with pg_conn.transaction():
                pg_conn.execute(insert, (value,))
        except errors.CheckViolation:
            continue
        pytest.fail(f"schema_name {value!r} was accepted")
    for i, value in enumerate(("public", "tenant_alpha", "t" * 63)):
        pg_conn.execute(insert.replace("'u'", f"'u{i}'"), (value,))
    assert pg_conn.execute("SELECT count(*) FROM public.radius_user_schema_mapping").fetchone() == (3,)


def test_replaying_every_file_changes_nothing(db: psycopg.Connection) -> None:
    before = {s: snapshot(db, s) for s in ("public", "tenant_alpha", "tenant_bravo")}
    apply_system(db)
    replay_tenant_files(db, "tenant_alpha", "tenant_alpha_owner")
    replay_tenant_files(db, "tenant_bravo", "tenant_bravo_owner")
    after = {s: snapshot(db, s) for s in before}
    for s in before:
        for kind in before[s]:
            assert before[s][kind] == after[s][kind], (s, kind)
    assert len(before["tenant_alpha"]["indexes"]) > 150


def test_replay_recreates_a_dropped_table(db: psycopg.Connection) -> None:
    before = snapshot(db, "tenant_alpha")
    db.execute("DROP TABLE tenant_alpha.vouchers")
    db.execute("DROP TABLE tenant_alpha.radacct")
    db.execute("DROP TABLE public.vouchers")
    assert "vouchers" not in tables_in(db, "tenant_alpha")
    apply_system(db)
    replay_tenant_files(db, "tenant_alpha", "tenant_alpha_owner")
    assert snapshot(db, "tenant_alpha") == before
    assert "vouchers" in tables_in(db, "public")


def referenced_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT t.relname FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE k.contype = 'f' AND n.nspname = %s",
        (schema,),
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_replay_restores_foreign_keys_lost_to_drop_cascade(db: psycopg.Connection) -> None:
    """Drop every referenced table (CASCADE drops the foreign keys pointing at it, in other tenant
    schemas too for public.users); replaying the files gives back the exact catalog."""
    schemas = ("public", "tenant_alpha", "tenant_bravo")
    before = {s: snapshot(db, s) for s in schemas}
    dropped = {s: referenced_tables(db, s) for s in ("public", "tenant_alpha")}
    assert {"routers", "packages", "hotspot_users", "payments"} <= set(dropped["tenant_alpha"])
    assert {"tenants", "users", "routers"} <= set(dropped["public"])
    for schema, tables in dropped.items():
        for table in tables:
            db.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(schema, table)))
    lost = db.execute(
        "SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace"
        " JOIN pg_class t ON t.oid = k.confrelid"
        " WHERE n.nspname = 'tenant_bravo' AND k.contype = 'f' AND t.relnamespace <> n.oid"
    )
    assert lost.fetchone() == (0,)
    apply_system(db)
    for schema in ("tenant_alpha", "tenant_bravo"):
        replay_tenant_files(db, schema, f"{schema}_owner")
    for s in schemas:
        after = snapshot(db, s)
        for kind in before[s]:
            assert before[s][kind] == after[kind], (s, kind, before[s][kind] ^ after[kind])


def test_application_statements_work_in_a_tenant_schema(db: psycopg.Connection) -> None:
    with db.transaction():
        db.execute("SET LOCAL search_path TO tenant_alpha, public")
        router = db.execute(
            "INSERT INTO routers (name, ip_address, username, password) VALUES ('hq', '0.0.0.0/32', 'traidnet_user', 'x')"
            " RETURNING id, status, port, snmp_version"
        ).fetchone()
        assert router[0] is not None and router[1:] == ("unknown", 8728, "v3")
        package = db.execute(
            "INSERT INTO packages (type, name, duration, upload_speed, download_speed, price, devices)"
            " VALUES ('hotspot', '1 hour', '1 hour', '3 Mbps', '3 Mbps', 19.99, 1) RETURNING id, price"
        ).fetchone()
        assert str(package[1]) == "19.99"
        user = db.execute(
            "INSERT INTO hotspot_users (username, password, phone_number, package_id)"
            " VALUES ('+254712345678', 'bcrypt', '+254712345678', %s) RETURNING id, updated_at",
            (package[0],),
        ).fetchone()
        db.execute("UPDATE hotspot_users SET data_used = 5 WHERE id = %s", (user[0],))
        assert (
            db.execute("SELECT updated_at FROM hotspot_users WHERE id = %s", (user[0],)).fetchone()[0]
            is not None
        )
        payment = db.execute(
            "INSERT INTO payments (mac_address, phone_number, package_id, router_id, amount, transaction_id)"
            " VALUES ('aa:bb:cc:dd:ee:ff', '+254712345678', %s, %s, 19.99, 'ws_CO_1') RETURNING id",
            (package[0], router[0]),
        ).fetchone()
        # Models that never fill ids: the database does.
        cred = db.execute(
            "INSERT INTO hotspot_credentials (hotspot_user_id, payment_id, username, plain_password, phone_number)"
            " VALUES (%s, %s, 'u', 'p', '+254712345678') RETURNING id",
            (user[0], payment[0]),
        ).fetchone()
        assert payment[0] is not None and cred[0] is not None
        db.execute("DELETE FROM packages WHERE id = %s", (package[0],))
        assert db.execute("SELECT package_id FROM payments WHERE id = %s", (payment[0],)).fetchone() == (
            None,
        )


def test_stock_freeradius_accounting_statements(db: psycopg.Connection) -> None:
    """The stock rlm_sql queries (as expanded for one session) against a tenant radacct."""
    t = "tenant_alpha.radacct"
    bridge = "bridge-hotspot-" + "x" * 32  # a generated 47-character port id
    start = sql.SQL(
        """
        INSERT INTO {t} (AcctSessionId, AcctUniqueId, UserName, Realm, NASIPAddress, NASPortId, NASPortType,
            AcctStartTime, AcctUpdateTime, AcctStopTime, AcctSessionTime, AcctAuthentic, ConnectInfo_start,
            ConnectInfo_Stop, AcctInputOctets, AcctOutputOctets, CalledStationId, CallingStationId,
            AcctTerminateCause, ServiceType, FramedProtocol, FramedIpAddress, FramedIpv6Address,
            FramedIpv6Prefix, FramedInterfaceId, DelegatedIpv6Prefix, Class)
        VALUES ('81a00001', 'f1e2d3c4b5a6978800112233445566ff', 'alice', NULLIF('', ''), '10.8.0.2',
            NULLIF(%(port)s, ''), 'Wireless-802.11', TO_TIMESTAMP(1700000000), TO_TIMESTAMP(1700000000), NULL,
            0, 'RADIUS', '', NULL, 0, 0, 'hotspot1', 'AA-BB-CC-DD-EE-FF', NULL, '', '',
            NULLIF('10.5.50.10', '')::inet, NULLIF('', '')::inet, NULLIF('', '')::inet, NULLIF('', ''),
            NULLIF('', '')::inet, '0x74656e616e74')
        ON CONFLICT (AcctUniqueId) DO UPDATE SET AcctStartTime = TO_TIMESTAMP(1700000000)
        WHERE {t}.AcctUniqueId = 'f1e2d3c4b5a6978800112233445566ff' AND {t}.AcctStopTime IS NULL
        """
    ).format(t=sql.SQL(t))
    db.execute(start, {"port": bridge})
    db.execute(start, {"port": bridge})  # a retransmitted Start upserts
    db.execute(
        sql.SQL(
            "UPDATE {t} SET FramedIPAddress = NULLIF('10.5.50.10', '')::inet, AcctSessionTime = 60,"
            " AcctInterval = (1700000060 - EXTRACT(EPOCH FROM (COALESCE(AcctUpdateTime, AcctStartTime)))),"
            " AcctUpdateTime = TO_TIMESTAMP(1700000060), AcctInputOctets = 10, AcctOutputOctets = 20"
            " WHERE AcctUniqueId = 'f1e2d3c4b5a6978800112233445566ff' AND AcctStopTime IS NULL"
        ).format(t=sql.SQL(t))
    )
    # The application's insert path sends NULL station ids.
    db.execute(
        sql.SQL(
            "INSERT INTO {t} (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime,"
            " calledstationid, callingstationid, acctstartdelay) VALUES ('s2', 'u2', 'bob', '10.8.0.2', now(), NULL, NULL, 0)"
        ).format(t=sql.SQL(t))
    )
    # Accounting-On from the NAS closes every open session of that NAS.
    closed = db.execute(
        sql.SQL(
            "UPDATE {t} SET AcctStopTime = TO_TIMESTAMP(1700000100), AcctUpdateTime = TO_TIMESTAMP(1700000100),"
            " AcctSessionTime = (1700000100 - EXTRACT(EPOCH FROM(AcctStartTime))), AcctTerminateCause = 'NAS-Reboot'"
            " WHERE AcctStopTime IS NULL AND NASIPAddress = '10.8.0.2' AND AcctStartTime <= TO_TIMESTAMP(1700000100)"
        ).format(t=sql.SQL(t))
    ).rowcount
    assert closed == 1
    row = db.execute(
        sql.SQL(
            "SELECT radacctid, nasportid, acctinputoctets, acctterminatecause FROM {t} WHERE username = 'alice'"
        ).format(t=sql.SQL(t))
    ).fetchone()
    assert row[0] is not None and row[1:] == (bridge, 10, "NAS-Reboot")
    db.execute(
        "INSERT INTO tenant_alpha.radpostauth (username, reply, authdate, class)"
        " VALUES ('alice', 'Access-Accept', now(), '0x01')"
    )
    assert db.execute("SELECT pass FROM tenant_alpha.radpostauth").fetchall() == [(None,)]


def test_legacy_public_tables_carry_tenant_id_with_an_index(db: psycopg.Connection) -> None:
    via_router = {"router_configs", "wireguard_peers"}
    for table in LEGACY_SHARED_TABLES:
        cols = {
            r[0]
            for r in db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
                (table,),
            )
        }
        if table in via_router:
            assert "tenant_id" not in cols and "router_id" in cols
            continue
        assert "tenant_id" in cols, table
        assert _fk(db, "public", f"{table}_tenant_id_foreign") == ("c", "tenants")
        leading = db.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
            " WHERE i.indrelid = %s::regclass AND a.attname = 'tenant_id'",
            (f"public.{table}",),
        ).fetchone()[0]
        assert leading >= 1, f"public.{table} has no index led by tenant_id"


def test_files_follow_the_migrator_contract() -> None:
    """Ordered 4-digit names; no transaction control, role or search_path changes, psql meta-commands."""
    assert SYSTEM_FILES and TENANT_FILES
    for files in (SYSTEM_FILES, TENANT_FILES):
        versions = [int(p.name[:4]) for p in files]
        assert versions == sorted(set(versions)) and versions[0] == 1
        for path in files:
            text = path.read_text().upper()
            code = "\n".join(line.split("--")[0] for line in text.splitlines())
            for banned in ("BEGIN;", "COMMIT", "ROLLBACK", "SET SEARCH_PATH TO", "SET ROLE", "SET LOCAL"):
                assert banned not in code, (path.name, banned)
            assert not any(line.lstrip().startswith("\\") for line in code.splitlines()), path.name
