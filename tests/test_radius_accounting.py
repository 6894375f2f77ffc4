"""Accounting through a real FreeRADIUS: records land only in the router's (= user's) tenant."""

from __future__ import annotations

import psycopg
import pytest
from pyrad import packet

from tests import radius_fixtures
from tests.radius_fixtures import RadiusEnv

radius_stack = radius_fixtures.radius_stack


@pytest.fixture(scope="module")
def env(radius_stack) -> RadiusEnv:
    return radius_stack.start_server("acct")


def sessions(env: RadiusEnv, schema: str, where: str = "true", params=None) -> list[dict]:
    return env.table(schema, "radacct", where + " ORDER BY radacctid", params)


def test_start_interim_stop_land_only_in_the_users_tenant(env):
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept
    r = env.acct("alpha-r1", "Start", "alice", "acct-1", Framed_IP_Address="10.5.0.7",
                 Calling_Station_Id="AA-BB-CC-00-11-22")
    assert r is not None and r.code == packet.AccountingResponse
    [row] = sessions(env, "tenant_alpha", "acctsessionid = 'acct-1'")
    assert row["username"] == "alice" and row["acctstoptime"] is None
    assert str(row["nasipaddress"]) == "127.0.0.11" and str(row["framedipaddress"]) == "10.5.0.7"
    r = env.acct("alpha-r1", "Interim-Update", "alice", "acct-1", Acct_Session_Time=300,
                 Acct_Input_Octets=1000, Acct_Output_Octets=5000)
    assert r is not None and r.code == packet.AccountingResponse
    [row] = sessions(env, "tenant_alpha", "acctsessionid = 'acct-1'")
    assert (row["acctinputoctets"], row["acctoutputoctets"], row["acctsessiontime"]) == (1000, 5000, 300)
    r = env.acct("alpha-r1", "Stop", "alice", "acct-1", Acct_Session_Time=600, Acct_Input_Octets=2000,
                 Acct_Output_Octets=9000, Acct_Terminate_Cause=1)
    assert r is not None and r.code == packet.AccountingResponse
    [row] = sessions(env, "tenant_alpha", "acctsessionid = 'acct-1'")
    assert row["acctstoptime"] is not None and row["acctoutputoctets"] == 9000
    assert row["acctterminatecause"] == "User-Request"
    for other in ("tenant_bravo", "public"):
        assert sessions(env, other, "acctsessionid = 'acct-1'") == []


def test_accounting_response_carries_a_valid_message_authenticator(env):
    r = env.acct("bravo-r1", "Interim-Update", "bob", "ma-1", Acct_Session_Time=60)
    assert r is not None and r.code == packet.AccountingResponse
    assert r.message_authenticator
    assert r.verify_message_authenticator(secret=env.secrets["bravo-r1"].encode(),
                                          original_code=packet.AccountingRequest)
    wrong = r.verify_message_authenticator(secret=b"not-the-secret", original_code=packet.AccountingRequest)
    assert wrong is False
    env.acct("bravo-r1", "Stop", "bob", "ma-1")


def test_accounting_on_closes_only_that_routers_sessions(env):
    env.acct("alpha-r1", "Start", "alice", "on-1")
    env.acct("alpha-r2", "Start", "+254712345678", "on-2")
    env.acct("bravo-r1", "Start", "bob", "on-3")
    r = env.acct("alpha-r1", "Accounting-On")  # router reboot: no User-Name
    assert r is not None and r.code == packet.AccountingResponse
    [closed] = sessions(env, "tenant_alpha", "acctsessionid = 'on-1'")
    assert closed["acctstoptime"] is not None and closed["acctterminatecause"] == "NAS-Reboot"
    assert sessions(env, "tenant_alpha", "acctsessionid = 'on-2'")[0]["acctstoptime"] is None
    assert sessions(env, "tenant_bravo", "acctsessionid = 'on-3'")[0]["acctstoptime"] is None
    # Nothing left to close: the UPDATE is a noop, and the router still gets its answer.
    r = env.acct("alpha-r1", "Accounting-On")
    assert r is not None and r.code == packet.AccountingResponse
    env.acct("alpha-r2", "Stop", "+254712345678", "on-2")
    env.acct("bravo-r1", "Stop", "bob", "on-3")


def test_stop_of_a_user_deactivated_mid_session_is_recorded(env):
    env.acct("bravo-r2", "Start", "brian.o@bravo", "deact-1")
    with psycopg.connect(env.conninfo, autocommit=True) as conn:
        conn.execute("UPDATE public.radius_user_schema_mapping SET is_active = false WHERE username = 'brian.o@bravo'")
        try:
            r = env.acct("bravo-r2", "Stop", "brian.o@bravo", "deact-1", Acct_Session_Time=42)
            assert r is not None and r.code == packet.AccountingResponse
            assert sessions(env, "tenant_bravo", "acctsessionid = 'deact-1'")[0]["acctsessiontime"] == 42
        finally:
            conn.execute("UPDATE public.radius_user_schema_mapping SET is_active = true WHERE username = 'brian.o@bravo'")


def test_legacy_shared_tenant_accounting_goes_to_public(env):
    r = env.acct("charlie-r1", "Start", "carol", "legacy-1")
    assert r is not None and r.code == packet.AccountingResponse
    assert sessions(env, "public", "acctsessionid = 'legacy-1'")[0]["username"] == "carol"
    assert sessions(env, "tenant_alpha", "acctsessionid = 'legacy-1'") == []


def test_router_with_no_tenant_gets_no_accounting_response(env):
    assert env.acct("orphan-r1", "Start", "alice", "orphan-1", timeout=1.0) is None
    for schema in ("tenant_alpha", "tenant_bravo", "public"):
        assert sessions(env, schema, "acctsessionid = 'orphan-1'") == []


def test_a_router_cannot_write_into_another_tenant(env):
    # bravo's router reports a session for alpha's user: it is recorded under bravo's tenant (the
    # router's), never in alpha's schema.
    env.acct("bravo-r1", "Start", "alice", "cross-1")
    assert sessions(env, "tenant_alpha", "acctsessionid = 'cross-1'") == []
    assert len(sessions(env, "tenant_bravo", "acctsessionid = 'cross-1'")) == 1
