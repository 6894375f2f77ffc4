"""PostgreSQL stopped under a running FreeRADIUS: no answer (the NAS fails over), not a mass reject;
service resumes by itself once the database is back."""

from __future__ import annotations

import time

import pytest
from pyrad import packet

from tests import radius_fixtures
from tests.radius_fixtures import RadiusEnv

radius_stack = radius_fixtures.radius_stack


@pytest.fixture(scope="module")
def env(radius_stack) -> RadiusEnv:
    return radius_stack.start_server("outage")


def test_database_outage_gives_no_answer_and_service_resumes(env):
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept
    env.cluster.stop("fast")
    try:
        for router, user, pw in (("alpha-r1", "alice", "alice-pass-1"), ("bravo-r1", "bob", "wrong-pass"),
                                 ("charlie-r1", "carol", "carol-pass-1")):
            assert env.auth(router, user, pw, timeout=1.5) is None, f"{user}: answered during the outage"
        assert env.acct("alpha-r1", "Start", "alice", "outage-1", timeout=1.5) is None
        assert env.server.proc is not None and env.server.proc.poll() is None  # still running
    finally:
        env.cluster.start()
    deadline = time.monotonic() + 20
    reply = None
    while time.monotonic() < deadline:
        reply = env.auth("alpha-r1", "alice", "alice-pass-1", timeout=1.0)
        if reply is not None:
            break
        time.sleep(0.2)
    assert reply is not None and reply.code == packet.AccessAccept
    assert env.auth("alpha-r1", "alice", "wrong-pass").code == packet.AccessReject
    assert env.acct("alpha-r1", "Start", "alice", "after-1").code == packet.AccountingResponse
    assert env.acct("alpha-r1", "Stop", "alice", "after-1").code == packet.AccountingResponse


def test_freeradius_starts_while_the_database_is_down(radius_stack):
    radius_stack.cluster.stop("fast")
    try:
        env = radius_stack.start_server("start-while-down")  # pool start = 0
        assert env.auth("alpha-r1", "alice", "alice-pass-1", timeout=2.0) is None
    finally:
        radius_stack.cluster.start()
    deadline = time.monotonic() + 20
    reply = None
    while time.monotonic() < deadline and reply is None:
        reply = env.auth("alpha-r1", "alice", "alice-pass-1", timeout=1.0)
    assert reply is not None and reply.code == packet.AccessAccept


def test_cached_mapping_lookup_never_keeps_a_failed_lookup(radius_stack):
    env = radius_stack.start_server("cache", mapping_cache_ttl=30)
    assert env.auth("bravo-r1", "bob", "bob-pass-1").code == packet.AccessAccept  # bob's lookup cached
    env.cluster.stop("fast")
    try:
        # alice's lookup fails (no answer) and must not be cached as empty.
        assert env.auth("alpha-r1", "alice", "alice-pass-1", timeout=1.5) is None
    finally:
        env.cluster.start()
    deadline = time.monotonic() + 15  # well inside the 30 s TTL
    reply = None
    while time.monotonic() < deadline and reply is None:
        reply = env.auth("alpha-r1", "alice", "alice-pass-1", timeout=1.0)
    assert reply is not None and reply.code == packet.AccessAccept
    assert env.auth("alpha-r1", "bob", "bob-pass-1").code == packet.AccessReject  # cached, still bound
