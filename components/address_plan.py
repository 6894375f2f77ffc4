"""The one module that owns the WireGuard address plan.

The platform has one IPv4 pool; the hub holds one address in it; each tenant owns a declared,
non-overlapping prefix of the pool (declared, not allocated by position, so adding or removing a
tenant never renumbers another); every router holds one /32 inside its tenant's prefix, which is
also its RADIUS source address (src-address pinning identifies the router).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network


@dataclass(frozen=True)
class PlanIssue:
    where: str
    reason: str


def hub_interface_address(pool: IPv4Network, hub: IPv4Address) -> str:
    """The hub's address with the pool's mask: one interface reaches every tenant prefix."""
    return f"{hub}/{pool.prefixlen}"


def router_interface_address(tunnel_ip: IPv4Address) -> str:
    return f"{tunnel_ip}/32"


def router_allowed_address(tunnel_ip: IPv4Address) -> str:
    """What the hub peer for a router may source: that router's /32 only (anti-spoofing)."""
    return f"{tunnel_ip}/32"


def hub_allowed_address(hub: IPv4Address) -> str:
    """What a router accepts from the hub over the tunnel."""
    return f"{hub}/32"


def check_pool(pool: IPv4Network, hub: IPv4Address) -> list[PlanIssue]:
    if hub not in pool:
        return [PlanIssue("hub_address", f"{hub} is not inside the pool {pool}")]
    if pool.num_addresses > 2 and hub in (pool.network_address, pool.broadcast_address):
        return [PlanIssue("hub_address", f"{hub} is the network or broadcast address of {pool}")]
    return []


def check_tenant_prefixes(
    pool: IPv4Network, hub: IPv4Address, prefixes: Iterable[tuple[str, IPv4Network]]
) -> list[PlanIssue]:
    """Each prefix inside the pool, clear of the hub, and overlapping no other tenant's."""
    issues: list[PlanIssue] = []
    seen: list[tuple[str, IPv4Network]] = []
    for where, prefix in prefixes:
        if not prefix.subnet_of(pool):
            issues.append(PlanIssue(where, f"{prefix} is not inside the platform pool {pool}"))
        elif hub in prefix:
            issues.append(PlanIssue(where, f"{prefix} contains the hub address {hub}"))
        for other_where, other in seen:
            if prefix.overlaps(other):
                issues.append(PlanIssue(where, f"{prefix} overlaps {other} of {other_where}"))
        seen.append((where, prefix))
    return issues


def check_router_address(prefix: IPv4Network, hub: IPv4Address, ip: IPv4Address) -> str | None:
    """Why `ip` cannot be a router tunnel address in `prefix`, or None."""
    if ip not in prefix:
        return f"{ip} is not inside the tenant prefix {prefix}"
    if ip == hub:
        return f"{ip} is the hub address"
    if prefix.num_addresses > 2 and ip in (prefix.network_address, prefix.broadcast_address):
        return f"{ip} is the network or broadcast address of {prefix}"
    return None
