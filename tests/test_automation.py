"""The real engine through pulumi.automation: preview, up, a second up that changes nothing, and
destroy of a stack with no protected resources (platform + one shared tenant), against a
throwaway PostgreSQL, with a file backend and the passphrase secrets provider.

Skipped only when the `pulumi` CLI is not on PATH (the Python SDK drives the CLI). The
pulumi-postgresql plugin is installed by the workspace when missing.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from tests.pulumi_engine import stack_config

ROOT = Path(__file__).resolve().parent.parent
DEV = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
PASSPHRASE = "automation-test-passphrase"

pytestmark = pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="the pulumi CLI is not on PATH (pulumi.automation drives the CLI); install it to run this test",
)


def _project(tmp: Path) -> Path:
    """A copy of the project's entry point whose stack files live in tmp (the repo stays clean)."""
    project = tmp / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "hotspot-tenancy",
                "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(ROOT / ".venv")}},
                "stackConfigDir": "stacks",
            }
        )
    )
    (project / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    return project


def _plugin_version() -> str:
    from importlib.metadata import version

    return "v" + version("pulumi_postgresql")


def test_preview_up_noop_up_destroy(pg_db: str, tmp_path: Path):
    from pulumi import automation as auto

    raddb = tmp_path / "raddb"
    shutil.copytree("/etc/freeradius/3.0", raddb, symlinks=True)
    cfg: dict[str, Any] = stack_config(DEV, pg_db)
    cfg["hotspot:platform"]["radius"]["config_dir"] = str(raddb)
    cfg["hotspot:tenants"] = [copy.deepcopy(t) for t in cfg["hotspot:tenants"] if t["isolation"] == "shared"]
    project = _project(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    env = {"PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "PULUMI_SKIP_UPDATE_CHECK": "1"}
    ws = auto.LocalWorkspace(work_dir=str(project), env_vars=env, secrets_provider="passphrase")
    ws.install_plugin("postgresql", _plugin_version())
    stack = auto.Stack.create("auto", ws)
    try:
        stack.set_config("hotspot:platform", auto.ConfigValue(json.dumps(cfg["hotspot:platform"])))
        stack.set_config("hotspot:tenants", auto.ConfigValue(json.dumps(cfg["hotspot:tenants"])))
        stack.set_config("hotspot:dbAdminPassword", auto.ConfigValue(cfg["hotspot:dbAdminPassword"], secret=True))
        stack_file = (project / "stacks" / "Pulumi.auto.yaml").read_text()
        assert cfg["hotspot:dbAdminPassword"] not in stack_file  # encrypted by the passphrase provider

        preview = stack.preview()
        assert preview.change_summary.get("create", 0) >= 6

        up = stack.up()
        assert up.summary.result == "succeeded"
        assert up.outputs["radiusRole"].value == "freeradius"
        assert up.outputs["tenants"].value["charlie-legacy"]["schemaName"] == "public"
        assert "routerSecrets" not in up.outputs["tenants"].value["charlie-legacy"]  # stays in the component
        with psycopg.connect(pg_db) as conn:
            rows = conn.execute("SELECT slug, schema_name FROM public.tenants").fetchall()
            assert rows == [("charlie-legacy", None)]
            assert conn.execute(
                "SELECT schema_name FROM public.radius_user_schema_mapping WHERE username = 'carol'"
            ).fetchall() == [("public",)]

        again = stack.up()
        changes = again.summary.resource_changes or {}
        assert set(changes) == {"same"}, changes

        refreshed = stack.refresh()
        assert refreshed.summary.result == "succeeded"
        assert set(stack.preview().change_summary) == {"same"}

        down = stack.destroy()
        assert down.summary.result == "succeeded"
        with psycopg.connect(pg_db) as conn:
            # Nothing that holds data was dropped by the destroy.
            assert conn.execute("SELECT count(*) FROM public.tenants").fetchone() == (1,)
            assert conn.execute("SELECT count(*) FROM public.radcheck WHERE username = 'carol'").fetchone() == (1,)
    finally:
        ws.remove_stack("auto", force=True)
