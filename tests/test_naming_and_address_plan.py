"""Property tests of the pure planning modules: naming and the address plan."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import address_plan, naming
from components.errors import NamingError

slugs = st.from_regex(r"[a-z][a-z0-9]{0,10}(?:[-_][a-z0-9]{1,8}){0,3}", fullmatch=True)


@given(slugs)
def test_every_valid_slug_gives_a_valid_schema_and_role_within_63_bytes(slug):
    schema = naming.schema_name(slug)
    assert naming.validate_schema_name(schema) == schema
    assert schema.startswith("tenant_") and "-" not in schema
    assert len(naming.owner_role(schema).encode()) <= 63


@given(st.text(min_size=1, max_size=80))
def test_schema_validator_accepts_only_safe_tenant_identifiers(name):
    try:
        naming.validate_schema_name(name)
    except NamingError:
        return
    assert name.isascii() and name.startswith("tenant_") and len(name) <= 63
    assert all(c.islower() or c.isdigit() or c == "_" for c in name)


@pytest.mark.parametrize(
    "name",
    ["public", "pg_catalog", "pg_temp_1", "information_schema", "tenant_", "Tenant_a", "tenant_a b",
     "tenant_a;drop", "tenant_a.radcheck", "public.radcheck --", "tenant_" + "a" * 57, "tenant_é", "other_a"],
)
def test_schema_validator_refuses(name):
    with pytest.raises(NamingError):
        naming.validate_schema_name(name)


def test_system_schema_allowed_only_when_asked():
    assert naming.validate_schema_name("public", allow_system=True) == "public"
    with pytest.raises(NamingError):
        naming.validate_schema_name("public")


def test_advisory_lock_keys_are_stable_and_distinct():
    keys = {naming.advisory_lock_key(f"tenant_t{i}") for i in range(5000)}
    assert len(keys) == 5000
    assert naming.advisory_lock_key("tenant_alpha") == naming.advisory_lock_key("tenant_alpha")


POOL = IPv4Network("10.100.0.0/16")
HUB = IPv4Address("10.100.0.1")


@given(st.lists(st.integers(min_value=1, max_value=255), min_size=1, max_size=40, unique=True))
def test_distinct_slash24_prefixes_never_conflict(octets):
    prefixes = [(f"t{i}", IPv4Network(f"10.100.{o}.0/24")) for i, o in enumerate(octets)]
    assert address_plan.check_tenant_prefixes(POOL, HUB, prefixes) == []


@given(st.integers(min_value=1, max_value=254), st.integers(min_value=25, max_value=30))
def test_a_prefix_inside_another_is_reported_as_overlap(octet, sub_len):
    outer = IPv4Network(f"10.100.{octet}.0/24")
    inner = next(outer.subnets(new_prefix=sub_len))
    issues = address_plan.check_tenant_prefixes(POOL, HUB, [("a", outer), ("b", inner)])
    assert [(i.where, "overlaps" in i.reason) for i in issues] == [("b", True)]


@given(st.integers(min_value=0, max_value=255))
def test_router_address_rules(last):
    prefix = IPv4Network("10.100.7.0/24")
    why = address_plan.check_router_address(prefix, HUB, IPv4Address(f"10.100.7.{last}"))
    assert (why is None) == (0 < last < 255)
    assert address_plan.check_router_address(prefix, HUB, IPv4Address("10.100.8.1")) is not None


def test_interface_addresses():
    assert address_plan.hub_interface_address(POOL, HUB) == "10.100.0.1/16"
    assert address_plan.router_interface_address(IPv4Address("10.100.7.2")) == "10.100.7.2/32"
    assert address_plan.router_allowed_address(IPv4Address("10.100.7.2")) == "10.100.7.2/32"
