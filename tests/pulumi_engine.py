"""A small stand-in for the Pulumi engine, to run the program's own resources against a real
PostgreSQL without the `pulumi` CLI:

- the program runs under mocks (tests/pulumi_harness.py); its registrations (type, inputs,
  dependencies) are then applied in dependency order;
- dynamic resources go through the real providers exactly as the engine drives them: the
  pickled `__provider` input is unpickled, `configure()` receives the flat stack config, then
  check -> create, or check -> diff -> update; every props/outs crosses the gRPC property
  serialisation (ints become floats, None members vanish) as in a real deployment;
- pulumi_postgresql Role and Schema cannot run here (no plugin binary): the stand-in executes
  the SQL that provider issues (CREATE ROLE ... NOLOGIN / LOGIN PASSWORD, CREATE SCHEMA ...
  AUTHORIZATION, refusing an existing schema as if_not_exists=false does).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dill
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from pulumi import dynamic as dyn
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from components.providers.base import HotspotProvider
from tests.pulumi_harness import PROJECT, Registration, reveal

ROLE = "postgresql:index/role:Role"
SCHEMA = "postgresql:index/schema:Schema"
FREERADIUS_CONFIG = "pulumi-python:dynamic/hotspot:FreeradiusConfig"


def wire(props: Mapping[str, Any]) -> dict[str, Any]:
    """props as the provider receives them after the gRPC round trip."""
    struct = _sync_await(rpc.serialize_properties(dict(props), {}))
    return dict(rpc.deserialize_properties(struct))


def flat_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """What the engine's Configure call carries: every key, structured values as JSON text."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def load_provider(blob: str, config: Mapping[str, Any]) -> HotspotProvider:
    provider = dill.loads(base64.b64decode(blob))
    provider.configure(dyn.ConfigureRequest(dyn.Config(flat_config(config), PROJECT)))
    return provider


@dataclass
class Step:
    name: str
    op: str  # create, update, same, replace


@dataclass
class MiniEngine:
    conninfo: str
    config: Mapping[str, Any]
    state: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # name -> (id, outs)
    providers: dict[str, HotspotProvider] = field(default_factory=dict)
    deliver_freeradius: bool = False
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> last applied inputs

    # -------------------------------------------------------------- plan and apply
    def up(self, registrations: list[Registration]) -> list[Step]:
        steps = []
        for r in order(registrations):
            if r.type == FREERADIUS_CONFIG and not self.deliver_freeradius:
                continue  # would deliver into the host's /etc/freeradius (tested on its own)
            if r.type == ROLE:
                steps.append(Step(r.name, self._role(r)))
            elif r.type == SCHEMA:
                steps.append(Step(r.name, self._schema(r)))
            elif r.type.startswith("pulumi-python:dynamic"):
                steps.append(Step(r.name, self._dynamic(r)))
        return steps

    def _news(self, r: Registration) -> tuple[HotspotProvider, dict[str, Any]]:
        inputs = {k: reveal(v) for k, v in r.inputs.items()}
        provider = load_provider(inputs["__provider"], self.config)
        self.providers[r.name] = provider
        news = wire({k: v for k, v in inputs.items() if k != "__provider"})
        return provider, news

    def _dynamic(self, r: Registration) -> str:
        provider, news = self._news(r)
        old = self.state.get(r.name)
        # The engine passes the old inputs to check; the stand-in keeps them with the outputs.
        checked = provider.check(self.inputs.get(r.name, {}), news)
        if checked.failures:
            raise CheckFailed(r.name, [f"{f.property}: {f.reason}" for f in checked.failures])
        self.inputs[r.name] = news
        news = checked.inputs
        if old is None:
            result = provider.create(news)
            self.state[r.name] = (result.id, wire(result.outs or {}))
            return "create"
        diff = provider.diff(old[0], old[1], news)
        if diff.replaces:
            provider.delete(old[0], old[1])
            result = provider.create(news)
            self.state[r.name] = (result.id, wire(result.outs or {}))
            return "replace"
        if not diff.changes:
            return "same"
        updated = provider.update(old[0], old[1], news)
        self.state[r.name] = (old[0], wire(updated.outs or {}))
        return "update"

    def refresh(self) -> dict[str, list[str]]:
        """pulumi refresh: read every dynamic resource; returns the drift each reported."""
        drift = {}
        for name, (id_, outs) in list(self.state.items()):
            provider = self.providers.get(name)
            if provider is None:
                continue
            result = provider.read(id_, outs)
            self.state[name] = (result.id or id_, wire(result.outs or {}))
            drift[name] = list(self.state[name][1].get("drift") or [])
        return drift

    # -------------------------------------------------------------- pulumi_postgresql stand-ins
    def _role(self, r: Registration) -> str:
        if r.name in self.state:
            return "same"
        name = r.inputs["name"]
        login = bool(r.inputs.get("login"))
        password = reveal(r.inputs["password"]) if "password" in r.inputs else None
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            stmt = sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(name), sql.SQL("LOGIN" if login else "NOLOGIN"))
            if password is not None:
                stmt = sql.SQL("{} PASSWORD {}").format(stmt, sql.Literal(password))
            if r.inputs.get("inherit") is False:
                stmt = sql.SQL("{} NOINHERIT").format(stmt)
            conn.execute(stmt)
        self.state[r.name] = (name, {"name": name})
        return "create"

    def _schema(self, r: Registration) -> str:
        if r.name in self.state:
            return "same"
        assert r.inputs["ifNotExists"] is False and r.inputs["dropCascade"] is False
        name, owner = r.inputs["name"], r.inputs["owner"]
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            # if_not_exists=false: an existing schema is an error, never adopted.
            conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(name), sql.Identifier(owner)))
        self.state[r.name] = (name, {"name": name, "owner": owner})
        return "create"


class CheckFailed(Exception):
    def __init__(self, name: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(f"{name}: " + "; ".join(reasons))


def order(registrations: list[Registration]) -> list[Registration]:
    """Dependency order (the engine's): a resource after everything it depends on, and after
    its parent's dependencies (component dependencies are inherited by children)."""
    by_urn = {r.urn: r for r in registrations}
    done: set[str] = set()
    out: list[Registration] = []

    def visit(r: Registration, path: tuple[str, ...] = ()) -> None:
        if r.urn in done:
            return
        assert r.urn not in path, f"dependency cycle through {r.name}"
        for dep in r.dependencies:
            if dep in by_urn:
                visit(by_urn[dep], (*path, r.urn))
        done.add(r.urn)
        out.append(r)

    for r in registrations:
        visit(r)
    return out


def stack_config(base: Mapping[str, Any], conninfo: str, **platform: Any) -> dict[str, Any]:
    """A stack config whose database is the throwaway one behind `conninfo` (admin user)."""
    params = conninfo_to_dict(conninfo)
    cfg = {k: copy.deepcopy(v) for k, v in base.items()}
    cfg["hotspot:platform"]["database"].update(
        host=params.get("host", "127.0.0.1"),
        port=int(params["port"]),
        dbname=params["dbname"],
        admin_user=params["user"],
        sslmode="disable",
    )
    cfg["hotspot:platform"].update(platform)
    cfg["hotspot:dbAdminPassword"] = params["password"]
    return cfg
