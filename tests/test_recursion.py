"""Regression: pulumi.dynamic.serialize_provider leaks one pickle wrapper per resource, so a
program with a few hundred dynamic resources dies with RecursionError (DESIGN.md section 5).
HotspotResource restores the pickler around every construction."""

from __future__ import annotations

import pickle
import sys

import pytest
from pulumi import dynamic as dyn

from components.providers.base import HotspotProvider, HotspotResource, _restore_pickler, _save_pickler
from tests.pulumi_harness import run_program

COUNT = 1500


class EchoProvider(HotspotProvider):
    INPUTS = ("n",)

    def create(self, props):  # never called under mocks
        return dyn.CreateResult(str(props["n"]), props)


class Echo(HotspotResource, module="test", name="Echo"):
    pass


class PlainEcho(dyn.Resource, module="test", name="PlainEcho"):
    pass


def test_plain_dynamic_resources_hit_the_recursion_limit():
    """Proves the bug this module guards against is real in the installed SDK (else the
    regression test below would pass for the wrong reason)."""
    saved = _save_pickler()
    failed_at: list[int] = []
    # A lower limit reaches the failure sooner (the leak costs O(n^2)); the SDK's own frames fit.
    limit = 400

    def program() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(limit)
        try:
            for i in range(COUNT):
                try:
                    PlainEcho(EchoProvider(), f"plain-{i}", {"n": i})
                except RecursionError:
                    failed_at.append(i)
                    return
        finally:
            sys.setrecursionlimit(old)

    try:
        run_program(program)
    finally:
        _restore_pickler(saved)
    assert failed_at, f"the SDK no longer leaks pickle wrappers (limit {limit})"
    assert 0 < failed_at[0] < COUNT


def test_1500_dynamic_resources_register_under_mocks():
    before = _save_pickler()
    monitor = run_program(lambda: [Echo(EchoProvider(), f"echo-{i}", {"n": i}) for i in range(COUNT)])
    names = {r.name for r in monitor.registrations if r.type == "pulumi-python:dynamic/test:Echo"}
    assert len(names) == COUNT
    # The pickler is exactly as it was: no wrapper left behind.
    assert _save_pickler() == before
    assert pickle.Pickler is not pickle._Pickler  # the SDK put the C pickler back


def test_workaround_restores_the_pickler_when_construction_fails():
    before = _save_pickler()

    def program() -> None:
        with pytest.raises(Exception, match="__provider"):
            Echo(EchoProvider(), "bad", {"__provider": "x"})

    run_program(program)
    assert _save_pickler() == before


def test_1500_of_the_real_dynamic_resource_classes():
    from components.providers.migrations import TenantMigrations
    from components.providers.radius_data import TenantRadiusData
    from components.providers.registry import TenantRegistryRow

    def program() -> None:
        for i in range(COUNT // 3):
            slug = f"t{i}"
            TenantMigrations(f"{slug}-migrations", {"schema": f"tenant_{slug}", "kind": "tenant", "migrations": []})
            TenantRegistryRow(f"{slug}-registry", {"tenant_id": str(i), "slug": slug, "row": {}})
            TenantRadiusData(f"{slug}-radius", {"tenant_id": str(i), "slug": slug, "schema": f"tenant_{slug}"})

    before = _save_pickler()
    monitor = run_program(program)
    assert len(monitor.registrations) == COUNT
    assert _save_pickler() == before
