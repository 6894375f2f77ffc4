"""Run Pulumi programs under mocks and record every registration (type, name, parent,
dependencies, provider, protect, inputs with secrets still marked).

pulumi's MockMonitor hands `Mocks.new_resource` only the type, name and inputs; the options that
matter here (parent, protect, dependencies) live on the gRPC request, so this monitor records
the request itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as psettings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

PROJECT = "hotspot-tenancy"


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    parent: str
    dependencies: list[str]
    provider: str
    protect: bool
    custom: bool
    inputs: dict[str, Any]  # secrets are still wrapped (see is_secret)
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def reveal(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value)


class _Mocks(pmocks.Mocks):
    def new_resource(self, args: pmocks.MockResourceArgs) -> tuple[str | None, dict]:
        state = {k: rpc.unwrap_rpc_secret(v) for k, v in args.inputs.items()}
        state.pop("__provider", None)
        return f"{args.name}-id", state

    def call(self, args: pmocks.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


class RecordingMonitor(pmocks.MockMonitor):
    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.registrations: list[Registration] = []
        self.outputs: dict[str, dict[str, Any]] = {}  # component urn -> registered outputs

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC name
        # MockMonitor.RegisterResource, recording the request's options as well (one
        # deserialisation: the benchmark runs through here).
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        pmocks._ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        args = pmocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        obj = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pmocks.MockMonitor.ResourceRegistration(urn, id_, state)
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                dependencies=list(request.dependencies),
                provider=request.provider,
                protect=bool(request.protect),
                custom=bool(request.custom),
                inputs=dict(inputs),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                delete_before_replace=bool(request.deleteBeforeReplace),
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC name
        self.outputs[request.urn] = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)


def set_config(values: Mapping[str, Any], secret_keys: tuple[str, ...] = ()) -> None:
    """Stack config as the engine hands it to the program: JSON text for structured values."""
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()},
        list(secret_keys),
    )


def run_program(
    program: Callable[[], Any],
    *,
    config: Mapping[str, Any] | None = None,
    secret_keys: tuple[str, ...] = (),
    stack: str = "dev",
    preview: bool = False,
) -> RecordingMonitor:
    """Run `program` under mocks and wait until every registration has been answered."""
    monitor = RecordingMonitor()
    pulumi.runtime.set_mocks(_Mocks(), project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    set_config(config or {}, secret_keys)
    psettings.SETTINGS.rpc_manager.clear()
    psettings.SETTINGS.outputs.clear()

    _sync_await(run_pulumi_func(program))
    return monitor
