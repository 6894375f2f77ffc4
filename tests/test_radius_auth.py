"""Authentication through a real FreeRADIUS, with routers played by pyrad from 127.0.0.x.

Each case asserts what the NAS sees (packet code, attributes, Message-Authenticator) and what lands
in the database (post-auth rows in the right schema, never a password)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from pyrad import packet

from tests import radius_fixtures
from tests.radius_fixtures import RadiusEnv, access_request_without_message_authenticator, send_raw

radius_stack = radius_fixtures.radius_stack  # module-scoped fixture: one database, servers on it

ALPHA_ID = "0b7f5a8e-3c2d-4e1f-9a6b-1c2d3e4f5a01"
CHARLIE_ID = "0b7f5a8e-3c2d-4e1f-9a6b-1c2d3e4f5a03"
DELTA_ID = str(uuid.UUID(int=0xD17A))


@pytest.fixture(scope="module")
def mapping_env(radius_stack) -> RadiusEnv:
    _add_second_shared_tenant(radius_stack.conninfo)
    return radius_stack.start_server("mapping", resolution="mapping")


@pytest.fixture(scope="module")
def nas_env(radius_stack, mapping_env) -> RadiusEnv:
    return radius_stack.start_server("nas", resolution="nas")


@pytest.fixture(params=["mapping", "nas"])
def env(request) -> RadiusEnv:
    return request.getfixturevalue(f"{request.param}_env")


def _add_second_shared_tenant(conninfo: str) -> None:
    """A user 'dave' of another legacy shared tenant (delta), in the same public tables as carol."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO public.tenants (id, name, slug, email) VALUES (%s, 'Delta', 'delta-legacy', 'd@x.invalid')",
            (DELTA_ID,),
        )
        conn.execute("INSERT INTO public.radcheck (username, attribute, op, value) "
                     "VALUES ('dave', 'Cleartext-Password', ':=', 'dave-pass-1')")
        conn.execute("INSERT INTO public.radius_user_schema_mapping (username, schema_name, tenant_id, user_role) "
                     "VALUES ('dave', 'public', %s, 'hotspot_user')", (DELTA_ID,))


def assert_valid_message_authenticator(env: RadiusEnv, router: str, reply: packet.Packet) -> None:
    assert reply.message_authenticator, "reply carries no Message-Authenticator"
    assert reply.verify_message_authenticator(
        secret=env.secrets[router].encode(), original_authenticator=reply.request_authenticator,
        original_code=packet.AccessRequest,
    )


def attrs(reply: packet.Packet) -> dict[str, list]:
    return {k: reply[k] for k in reply.keys()}


def postauth(env: RadiusEnv, schema: str, username: str) -> list[dict]:
    return env.table(schema, "radpostauth", "username = %s ORDER BY id", (username,))


# ----------------------------------------------------------------------------- accept


def test_accept_carries_package_tenant_and_message_authenticator(env):
    reply = env.auth("alpha-r1", "alice", "alice-pass-1")
    assert reply is not None and reply.code == packet.AccessAccept
    a = attrs(reply)
    assert a["Mikrotik-Rate-Limit"] == ["2M/5M"]  # rx/tx from the router's view
    assert a["Session-Timeout"] == [3600] and a["Idle-Timeout"] == [600]
    assert a["Acct-Interim-Interval"] == [300]
    assert a["Hotspot-Tenant-Id"] == [ALPHA_ID] and a["Hotspot-Tenant-Schema"] == ["tenant_alpha"]
    assert_valid_message_authenticator(env, "alpha-r1", reply)
    # Only what the NAS understands went on the wire: no attribute numbered above 255.
    assert all(isinstance(k, str) for k in reply.keys())
    rows = postauth(env, "tenant_alpha", "alice")
    assert rows and rows[-1]["reply"] == "Access-Accept" and rows[-1]["pass"] is None
    assert postauth(env, "public", "alice") == [] and postauth(env, "tenant_bravo", "alice") == []


def test_phone_number_username_with_plus_and_data_cap(env):
    reply = env.auth("alpha-r2", "+254712345678", "phone-pass-2")
    assert reply is not None and reply.code == packet.AccessAccept
    a = attrs(reply)
    assert a["Mikrotik-Rate-Limit"] == ["5M/10M"]
    assert a["Mikrotik-Total-Limit"] == [2048 * 1024 * 1024]
    assert postauth(env, "tenant_alpha", "+254712345678")[-1]["reply"] == "Access-Accept"


def test_chap(env):
    reply = env.auth("bravo-r2", "brian.o@bravo", "brian-pass-2", chap=True)
    assert reply is not None and reply.code == packet.AccessAccept
    assert attrs(reply)["Hotspot-Tenant-Schema"] == ["tenant_bravo"]
    bad = env.auth("bravo-r2", "brian.o@bravo", "not-the-password", chap=True)
    assert bad is not None and bad.code == packet.AccessReject


def test_legacy_shared_tenant_user_from_public_tables(env):
    reply = env.auth("charlie-r1", "carol", "carol-pass-1")
    assert reply is not None and reply.code == packet.AccessAccept
    a = attrs(reply)
    assert a["Hotspot-Tenant-Id"] == [CHARLIE_ID] and a["Hotspot-Tenant-Schema"] == ["public"]
    assert a["Mikrotik-Rate-Limit"] == ["1M/2M"]
    assert postauth(env, "public", "carol")[-1]["reply"] == "Access-Accept"


# ----------------------------------------------------------------------------- reject


def test_wrong_password_is_rejected_with_message_authenticator(env):
    reply = env.auth("alpha-r1", "alice", "wrong-password")
    assert reply is not None and reply.code == packet.AccessReject
    assert_valid_message_authenticator(env, "alpha-r1", reply)
    row = postauth(env, "tenant_alpha", "alice")[-1]
    assert row["reply"] == "Access-Reject" and row["pass"] is None


def test_unknown_user_is_rejected(env):
    reply = env.auth("alpha-r1", "nobody-here", "whatever-1")
    assert reply is not None and reply.code == packet.AccessReject
    assert postauth(env, "tenant_alpha", "nobody-here")[-1]["reply"] == "Access-Reject"


def test_user_of_another_tenant_through_this_router_is_rejected(env):
    bravo_before = len(postauth(env, "tenant_bravo", "bob"))
    reply = env.auth("alpha-r1", "bob", "bob-pass-1")  # bob is bravo's
    assert reply is not None and reply.code == packet.AccessReject
    assert len(postauth(env, "tenant_bravo", "bob")) == bravo_before  # nothing written into bravo's schema
    assert postauth(env, "tenant_alpha", "bob")[-1]["reply"] == "Access-Reject"
    assert env.auth("bravo-r1", "bob", "bob-pass-1").code == packet.AccessAccept


def test_shared_tenants_are_told_apart_by_tenant_id(env):
    # dave lives in the same public tables as carol, but belongs to another shared tenant.
    reply = env.auth("charlie-r1", "dave", "dave-pass-1")
    assert reply is not None and reply.code == packet.AccessReject
    assert env.auth("alpha-r1", "carol", "carol-pass-1").code == packet.AccessReject


def test_router_with_no_tenant_is_rejected(env):
    reply = env.auth("orphan-r1", "alice", "alice-pass-1")
    assert reply is not None and reply.code == packet.AccessReject
    assert "Hotspot-Tenant-Id" not in reply


@pytest.mark.parametrize("username", [
    "o'brien", "alice' OR '1'='1", "x'; DROP TABLE tenant_alpha.radcheck; --", 'a"b\\c', "alice%00",
    "public.radcheck --",
])
def test_usernames_with_quotes_or_sql_are_rejected_and_harmless(env, username):
    reply = env.auth("alpha-r1", username, "alice-pass-1")
    assert reply is not None and reply.code == packet.AccessReject
    assert env.rows("SELECT count(*) FROM tenant_alpha.radcheck")[0][0] >= 3
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept


def test_request_without_message_authenticator_is_dropped(mapping_env):
    env = mapping_env
    raw = access_request_without_message_authenticator(env.secrets["alpha-r1"].encode(), "alice", "alice-pass-1")
    assert 80 not in _attribute_types(raw[20:])
    assert send_raw(("127.0.0.1", env.server.auth_port), env.addresses["alpha-r1"], raw) is None


def _attribute_types(data: bytes) -> list[int]:
    out, i = [], 0
    while i < len(data):
        out.append(data[i])
        i += data[i + 1]
    return out


# ----------------------------------------------------------------------------- mapping mode only


def test_inactive_mapping_is_rejected(mapping_env):
    env = mapping_env
    with psycopg.connect(env.conninfo, autocommit=True) as conn:
        # Created at runtime by the application: the trigger maps it.
        conn.execute("INSERT INTO tenant_alpha.radcheck (username, attribute, op, value) "
                     "VALUES ('runtime-erin', 'Cleartext-Password', ':=', 'erin-pass-1')")
        assert env.auth("alpha-r1", "runtime-erin", "erin-pass-1").code == packet.AccessAccept
        conn.execute("UPDATE public.radius_user_schema_mapping SET is_active = false WHERE username = 'runtime-erin'")
        assert env.auth("alpha-r1", "runtime-erin", "erin-pass-1").code == packet.AccessReject
        conn.execute("UPDATE public.radius_user_schema_mapping SET is_active = true WHERE username = 'runtime-erin'")
        assert env.auth("alpha-r1", "runtime-erin", "erin-pass-1").code == packet.AccessAccept


def test_mapping_decides_in_mapping_mode_and_the_router_in_nas_mode(mapping_env, nas_env):
    with psycopg.connect(mapping_env.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO tenant_alpha.radcheck (username, attribute, op, value) "
                     "VALUES ('moved-fay', 'Cleartext-Password', ':=', 'fay-pass-1')")
        try:
            assert mapping_env.auth("alpha-r1", "moved-fay", "fay-pass-1").code == packet.AccessAccept
            # An operator points the user at another tenant: the mapping row is what mapping mode
            # trusts (the check row in alpha no longer counts); nas mode goes by the router alone.
            conn.execute("UPDATE public.radius_user_schema_mapping SET schema_name = 'tenant_bravo' "
                         "WHERE username = 'moved-fay'")
            assert mapping_env.auth("alpha-r1", "moved-fay", "fay-pass-1").code == packet.AccessReject
            assert nas_env.auth("alpha-r1", "moved-fay", "fay-pass-1").code == packet.AccessAccept
        finally:
            conn.execute("DELETE FROM tenant_alpha.radcheck WHERE username = 'moved-fay'")
            conn.execute("DELETE FROM public.radius_user_schema_mapping WHERE username = 'moved-fay'")


def test_mapping_to_a_schema_outside_the_tenant_prefix_is_refused(mapping_env):
    env = mapping_env
    with psycopg.connect(env.conninfo, autocommit=True) as conn:
        # The database CHECK admits any plain identifier; the unlang guard refuses it.
        conn.execute("INSERT INTO public.radius_user_schema_mapping (username, schema_name) VALUES ('mallory', 'information_schema2')")
    reply = env.auth("alpha-r1", "mallory", "whatever-1")
    assert reply is not None and reply.code == packet.AccessReject


# ----------------------------------------------------------------------------- Simultaneous-Use


def test_simultaneous_use_counts_open_sessions_in_the_tenant(mapping_env):
    env = mapping_env
    user, pw = "+254712345678", "phone-pass-2"  # day-1: devices 2
    for sid in ("su-1", "su-2"):
        assert env.auth("alpha-r2", user, pw).code == packet.AccessAccept
        assert env.acct("alpha-r2", "Start", user, sid) is not None
    third = env.auth("alpha-r2", user, pw)
    assert third is not None and third.code == packet.AccessReject
    assert env.acct("alpha-r2", "Stop", user, "su-1", Acct_Session_Time=60) is not None
    assert env.auth("alpha-r2", user, pw).code == packet.AccessAccept
    env.acct("alpha-r2", "Stop", user, "su-2", Acct_Session_Time=60)


def test_no_password_is_ever_stored_in_post_auth(mapping_env, nas_env):
    env = mapping_env
    assert env.auth("alpha-r1", "alice", "alice-pass-1", chap=True).code == packet.AccessAccept
    assert env.auth("alpha-r1", "alice", "typed-wrong-1").code == packet.AccessReject
    total = 0
    for schema in ("public", "tenant_alpha", "tenant_bravo"):
        rows = env.table(schema, "radpostauth")
        total += len(rows)
        assert [r for r in rows if r["pass"] is not None] == [], schema
        assert not [r for r in rows if "pass" in (r["username"] or "")]
    assert total > 20  # every case above logged its attempt
