"""Dynamic resource for `runtime: external`: the rendered FreeRADIUS configuration delivered into
`platform.radius.config_dir` on the machine that runs `pulumi up` (the RADIUS host).

The input `fingerprint` (a secret: the rendered files hold router secrets and the database
password) is a digest of freeradius.render.render_files, computed at program time, so a new
router or a changed secret shows in `pulumi preview` without touching the host. create/update
render the complete tree (freeradius.render.render_config) and hand it to freeradius.deliver,
which checks it with `freeradius -XC` before an atomic symlink swap. `read` renders again and
reports the live files that differ (names only). `delete` leaves the live configuration alone:
removing it would stop RADIUS for every tenant.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from pulumi import ResourceOptions
from pulumi import dynamic as dyn

from components.providers.base import DRIFT, HotspotProvider, HotspotResource
from components.spec import StackSpec


def config_fingerprint(spec: StackSpec) -> str:
    from freeradius.render import render_files

    h = hashlib.sha256()
    for rel, content in sorted(render_files(spec).items()):
        h.update(rel.encode() + b"\0" + content.encode() + b"\0")
    return h.hexdigest()


def stock_base(live_dir: Path) -> Path:
    """The stock raddb tree to overlay: the packaged tree deliver() set aside on the first
    delivery, the live directory itself before that, else the package default."""
    from freeradius.deliver import _releases_dir
    from freeradius.render import STOCK_RADDB

    original = _releases_dir(live_dir) / "original"
    if original.is_dir():
        return original
    if live_dir.is_dir() and not live_dir.is_symlink():
        return live_dir
    return STOCK_RADDB


class FreeradiusConfigProvider(HotspotProvider):
    INPUTS = ("live_dir", "fingerprint")
    REPLACES = ("live_dir",)

    # Tests point these at a scratch tree; production uses the package defaults.
    def __init__(self, stack: str = "stack", base_dir: str | None = None, *, raddb_base: str | None = None,
                 check_cmd: tuple[str, ...] | None = None) -> None:
        super().__init__(stack, base_dir)
        self.raddb_base = raddb_base
        self.check_cmd = check_cmd

    def _render(self, live_dir: Path, out: Path) -> Path:
        from freeradius.render import RenderOptions, render_config

        base = Path(self.raddb_base) if self.raddb_base else stock_base(live_dir)
        return render_config(self.spec(), out, raddb_base=base, overrides=RenderOptions())

    def _converge(self, props: dict[str, Any]) -> dict[str, Any]:
        from freeradius.deliver import DEFAULT_CHECK, deliver

        live = Path(props["live_dir"])
        radius = self.spec().platform.radius
        with tempfile.TemporaryDirectory(prefix="hotspot-raddb-") as tmp:
            rendered = self._render(live, Path(tmp))
            result = deliver(rendered, live, check_cmd=self.check_cmd or DEFAULT_CHECK, reload_cmd=radius.reload_command,
                             restart_cmd=radius.restart_command)
        return {
            **self.inputs_of(props),
            "changed": result.changed,
            "restart_required": result.restart_required,
            "release": str(result.release) if result.release else None,
            DRIFT: [],
        }

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        return dyn.CreateResult(props["live_dir"], self._converge(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult(self._converge(news))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        from freeradius.deliver import changed_paths, tree_entries

        live = Path(props["live_dir"])
        if not live.exists():
            return dyn.ReadResult(id_, {**props, DRIFT: [f"{live} does not exist"]})
        with tempfile.TemporaryDirectory(prefix="hotspot-raddb-") as tmp:
            rendered = tree_entries(self._render(live, Path(tmp)))
        live_entries = tree_entries(live.resolve())
        # Modes and links are deliver()'s business; compare content.
        want = {k: (v[0], v[2]) for k, v in rendered.items()}
        have = {k: (v[0], v[2]) for k, v in live_entries.items()}
        paths = changed_paths(have, want)  # type: ignore[arg-type]
        return dyn.ReadResult(id_, {**props, DRIFT: [f"{live}/{p} differs from the rendered configuration" for p in paths]})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """The live configuration stays: without it RADIUS stops for every tenant."""


class FreeradiusConfig(HotspotResource, module="hotspot", name="FreeradiusConfig"):
    """The rendered FreeRADIUS tree, delivered into the live raddb directory."""

    def __init__(self, name: str, props: dict[str, Any], opts: ResourceOptions | None = None,
                 *, stack: str = "stack", base_dir: str | None = None) -> None:
        opts = ResourceOptions.merge(opts, ResourceOptions(additional_secret_outputs=["fingerprint"]))
        super().__init__(FreeradiusConfigProvider(stack, base_dir), name, props, opts)
