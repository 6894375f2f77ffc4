"""The stack spec: the dev stack is valid; dozens of bad stack files are each rejected, naming the
field path at fault, all errors at once; the CLI's exit codes and lines."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.errors import SpecError
from components.spec import load_stack

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "stacks" / "Pulumi.dev.yaml"
Doc = dict[str, Any]


def dev_doc() -> Doc:
    return yaml.safe_load(DEV.read_text())


def write_stack(tmp_path: Path, doc: Doc, name: str = "Pulumi.t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def plat(doc: Doc) -> Doc:
    return doc["config"]["hotspot:platform"]


def ten(doc: Doc, i: int) -> Doc:
    return doc["config"]["hotspot:tenants"][i]


def issues_of(tmp_path: Path, mutate: Callable[[Doc], None]) -> list[tuple[str, str]]:
    doc = dev_doc()
    mutate(doc)
    with pytest.raises(SpecError) as exc:
        load_stack(write_stack(tmp_path, doc))
    return [(i.path, i.reason) for i in exc.value.issues]


def test_dev_stack_is_valid():
    spec = load_stack(DEV)
    assert [t.schema_name for t in spec.tenants] == ["tenant_alpha", "tenant_bravo", "public"]
    assert [t.owner_role for t in spec.tenants] == ["tenant_alpha_owner", "tenant_bravo_owner", None]
    assert spec.tenant("alpha").limits.max_users == 500  # tenant override
    assert spec.tenant("bravo").limits.max_users == 10000  # platform default
    assert spec.tenant("alpha").spec.packages[0].session_timeout == 3600


def _walk(doc: Doc, path: str) -> tuple[Any, Any]:
    """(parent node, key) of a dotted path with [i] indexes inside config."""
    node: Any = doc["config"]
    parts = path.replace("[", ".[").split(".")
    keys = [int(p[1:-1]) if p.startswith("[") else p for p in parts]
    for key in keys[:-1]:
        node = node[key]
    return node, keys[-1]


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        node, key = _walk(doc, path)
        node[key] = value

    return mutate


def _del(path: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        node, key = _walk(doc, path)
        del node[key]

    return mutate


def _dup_tenant(field: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        ten(doc, 1)[field] = ten(doc, 0)[field]

    return mutate


def _copy_router(src: tuple[int, int], dst: tuple[int, int], field: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        ten(doc, dst[0])["routers"][dst[1]][field] = ten(doc, src[0])["routers"][src[1]][field]

    return mutate


def _many_packages(n: int) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        first = ten(doc, 0)["packages"][0]
        ten(doc, 0)["packages"] = [{**first, "name": f"p{i}"} for i in range(n)]
        ten(doc, 0)["users"] = []
        ten(doc, 0)["limits"] = {"max_packages": 1}

    return mutate


T0 = "hotspot:tenants"
BAD_CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    # (id, mutation, expected path, expected words in the reason)
    ("slug-uppercase", _set(f"{T0}[0].slug", "Alpha"), "tenants[0].slug", "lower-case"),
    ("slug-space", _set(f"{T0}[0].slug", "al pha"), "tenants[0].slug", "lower-case"),
    ("slug-leading-digit", _set(f"{T0}[0].slug", "1alpha"), "tenants[0].slug", "lower-case"),
    ("slug-too-long", _set(f"{T0}[0].slug", "a" * 60), "tenants[0].slug", "longer than"),
    ("slug-unicode", _set(f"{T0}[0].slug", "alphä"), "tenants[0].slug", "lower-case"),
    ("slug-sql", _set(f"{T0}[0].slug", "a;drop"), "tenants[0].slug", "lower-case"),
    ("slug-duplicate", _dup_tenant("slug"), "tenants[1].slug", "already used by tenants[0].slug"),
    ("id-duplicate", _dup_tenant("id"), "tenants[1].id", "already used by tenants[0].id"),
    ("id-not-uuid", _set(f"{T0}[0].id", "tenant-1"), "tenants[0].id", "UUID"),
    ("schema-collision", _set(f"{T0}[1].slug", "alpha"), "tenants[1].slug", "already used"),
    ("prefix-invalid", _set("hotspot:platform.tenant_schema_prefix", "Tenant"), "platform.tenant_schema_prefix", "prefix"),
    ("prefix-pg", _set("hotspot:platform.tenant_schema_prefix", "pg_"), "platform.tenant_schema_prefix", "reserved"),
    ("isolation-unknown", _set(f"{T0}[0].isolation", "database"), "tenants[0].isolation", "'schema' or 'shared'"),
    ("shared-without-hybrid", _set("hotspot:platform.hybrid_mode", False), "tenants[2].isolation", "hybrid_mode"),
    ("unknown-tenant-field", _set(f"{T0}[0].colour", "red"), "tenants[0].colour", "unknown field"),
    ("missing-name", _del(f"{T0}[0].name"), "tenants[0].name", "required"),
    ("missing-radius-password", _del("hotspot:platform.radius.login_password"), "platform.radius.login_password", "required"),
    ("weak-radius-password", _set("hotspot:platform.radius.login_password", "short"), "platform.radius.login_password", "shorter than 16"),
    ("repetitive-radius-password", _set("hotspot:platform.radius.login_password", "aaaaaaaaaaaaaaaaaaaa"), "platform.radius.login_password", "distinct"),
    ("same-auth-acct-port", _set("hotspot:platform.radius.acct_port", 1812), "platform.radius.acct_port", "differ"),
    ("resolution-unknown", _set("hotspot:platform.radius.resolution", "realm"), "platform.radius.resolution", "'mapping' or 'nas'"),
    ("port-out-of-range", _set("hotspot:platform.radius.auth_port", 70000), "platform.radius.auth_port", "less than or equal"),
    ("hub-outside-pool", _set("hotspot:platform.wireguard.hub_address", "10.200.0.1"), "platform.wireguard.hub_address", "not inside the pool"),
    ("pool-not-network", _set("hotspot:platform.wireguard.pool", "10.100.0.1/16"), "platform.wireguard.pool", "not a valid IPv4 network"),
    ("prefix-outside-pool", _set(f"{T0}[0].tunnel_prefix", "10.200.1.0/24"), "tenants[0].tunnel_prefix", "not inside the platform pool"),
    ("prefix-overlap", _set(f"{T0}[1].tunnel_prefix", "10.100.1.128/25"), "tenants[1].tunnel_prefix", "overlaps 10.100.1.0/24 of tenants[0]"),
    ("prefix-contains-hub", _set(f"{T0}[0].tunnel_prefix", "10.100.0.0/23"), "tenants[0].tunnel_prefix", "hub address"),
    ("router-ip-outside-prefix", _set(f"{T0}[0].routers[0].tunnel_ip", "10.100.2.9"), "tenants[0].routers[0].tunnel_ip", "not inside the tenant prefix"),
    ("router-ip-network", _set(f"{T0}[0].routers[0].tunnel_ip", "10.100.1.0"), "tenants[0].routers[0].tunnel_ip", "network or broadcast"),
    ("router-ip-broadcast", _set(f"{T0}[0].routers[0].tunnel_ip", "10.100.1.255"), "tenants[0].routers[0].tunnel_ip", "network or broadcast"),
    ("router-ip-invalid", _set(f"{T0}[0].routers[0].tunnel_ip", "10.100.1.300"), "tenants[0].routers[0].tunnel_ip", "IPv4"),
    ("router-ip-duplicate", _copy_router((0, 0), (0, 1), "tunnel_ip"), "tenants[0].routers[1].tunnel_ip", "already used by tenants[0].routers[0].tunnel_ip"),
    ("router-name-duplicate", _copy_router((0, 0), (0, 1), "name"), "tenants[0].routers[1].name", "already used"),
    ("router-name-bad", _set(f"{T0}[0].routers[0].name", "R 1"), "tenants[0].routers[0].name", "pattern"),
    ("nas-duplicate-across-tenants", _copy_router((0, 0), (1, 0), "nas_identifier"), "tenants[1].routers[0].nas_identifier", "already used by tenants[0].routers[0].nas_identifier"),
    ("wg-key-duplicate", _copy_router((0, 0), (1, 0), "wireguard_public_key"), "tenants[1].routers[0].wireguard_public_key", "already used"),
    ("wg-key-malformed", _set(f"{T0}[0].routers[0].wireguard_public_key", "not-a-key"), "tenants[0].routers[0].wireguard_public_key", "pattern"),
    ("radius-secret-short", _set(f"{T0}[0].routers[0].radius_secret", "secret"), "tenants[0].routers[0].radius_secret", "shorter than 16"),
    ("radius-secret-reused", _copy_router((0, 0), (1, 1), "radius_secret"), "tenants[1].routers[1].radius_secret", "reuses the RADIUS secret of tenants[0].routers[0]"),
    ("radius-secret-missing", _del(f"{T0}[0].routers[0].radius_secret"), "tenants[0].routers[0].radius_secret", "required"),
    ("api-missing", _del(f"{T0}[0].routers[0].api"), "tenants[0].routers[0].api", "needs api credentials"),
    ("api-password-short", _set(f"{T0}[0].routers[0].api.password", "abc"), "tenants[0].routers[0].api.password", "shorter than 8"),
    ("management-unknown", _set(f"{T0}[0].routers[0].management", "ssh"), "tenants[0].routers[0].management", "'api' or 'script'"),
    ("package-rate-bad", _set(f"{T0}[0].packages[0].rate_up", "fast"), "tenants[0].packages[0].rate_up", "pattern"),
    ("package-duration-bad", _set(f"{T0}[0].packages[0].session_timeout", "1 fortnight"), "tenants[0].packages[0].session_timeout", "duration"),
    ("package-price-negative", _set(f"{T0}[0].packages[0].price", "-1"), "tenants[0].packages[0].price", "greater than or equal"),
    ("package-price-cents", _set(f"{T0}[0].packages[0].price", "1.005"), "tenants[0].packages[0].price", "decimal places"),
    ("package-group-too-long", _set(f"{T0}[2].packages[0].name", "p" * 60), "tenants[2].packages[0].name", "RADIUS group name is longer"),
    ("package-duplicate", _set(f"{T0}[0].packages[1].name", "hour-1"), "tenants[0].packages[1].name", "duplicate package"),
    ("user-package-unknown", _set(f"{T0}[0].users[0].package", "month-1"), "tenants[0].users[0].package", "no package 'month-1'"),
    ("user-without-package", _del(f"{T0}[0].users[0].package"), "tenants[0].users[0].package", "needs a package"),
    ("username-quote", _set(f"{T0}[0].users[0].username", "o'neil"), "tenants[0].users[0].username", "pattern"),
    ("username-space", _set(f"{T0}[0].users[0].username", "a b"), "tenants[0].users[0].username", "pattern"),
    ("username-too-long", _set(f"{T0}[0].users[0].username", "u" * 65), "tenants[0].users[0].username", "pattern"),
    ("username-across-tenants", _set(f"{T0}[1].users[0].username", "alice"), "tenants[1].users[0].username", "already used by tenants[0].users[0].username"),
    ("user-password-short", _set(f"{T0}[0].users[0].password", "abc"), "tenants[0].users[0].password", "shorter than 6"),
    ("user-role-unknown", _set(f"{T0}[0].users[0].role", "root"), "tenants[0].users[0].role", "'hotspot_user'"),
    ("limit-users", _set(f"{T0}[0].limits", {"max_users": 2}), "tenants[0].users", "3 declared, limit is 2"),
    ("limit-packages", _many_packages(3), "tenants[0].packages", "3 declared, limit is 1"),
    ("limit-routers", _set(f"{T0}[1].limits", {"max_routers": 1}), "tenants[1].routers", "2 declared, limit is 1"),
    ("limit-negative", _set(f"{T0}[0].limits", {"max_users": -1}), "tenants[0].limits.max_users", "greater than or equal"),
    ("limit-unknown", _set(f"{T0}[0].limits", {"max_cats": 1}), "tenants[0].limits.max_cats", "unknown field"),
    ("secret-env-missing", _set(f"{T0}[0].routers[0].radius_secret", {"env": "HOTSPOT_TEST_SURELY_UNSET"}), "tenants[0].routers[0].radius_secret", "HOTSPOT_TEST_SURELY_UNSET"),
    ("secret-bad-shape", _set(f"{T0}[0].routers[0].radius_secret", {"vault": "x"}), "tenants[0].routers[0].radius_secret", "{env: NAME}"),
    ("runtime-unknown", _set("hotspot:platform.runtime", "k8s"), "platform.runtime", "'external' or 'docker'"),
    ("max-connections", _set("hotspot:platform.database.max_connections", 100), "platform.database.max_connections", "less than or equal to 20"),
    ("tenants-not-list", _set(T0, {"alpha": {}}), "tenants", "must be a list"),
    ("unknown-config-key", _set("hotspot:tenantz", []), "hotspot:tenantz", "unknown config key"),
]


@pytest.mark.parametrize(("mutate", "path", "words"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_stack_is_rejected_naming_the_field(tmp_path, mutate, path, words):
    issues = issues_of(tmp_path, mutate)
    matching = [reason for p, reason in issues if p == path]
    assert matching, f"no issue at {path}; got {issues}"
    assert any(words in reason for reason in matching), f"{path}: {matching}"


def test_all_errors_are_reported_at_once(tmp_path):
    def mutate(doc: Doc) -> None:
        ten(doc, 0)["slug"] = "Bad Slug"
        ten(doc, 0)["routers"][0]["tunnel_ip"] = "10.100.9.9"
        ten(doc, 1)["users"][0]["package"] = "nope"
        plat(doc)["radius"]["login_password"] = "short"

    paths = {p for p, _ in issues_of(tmp_path, mutate)}
    assert {
        "tenants[0].slug",
        "tenants[0].routers[0].tunnel_ip",
        "tenants[1].users[0].package",
        "platform.radius.login_password",
    } <= paths


def test_secret_from_environment(tmp_path, monkeypatch):
    doc = dev_doc()
    ten(doc, 0)["routers"][0]["radius_secret"] = {"env": "HOTSPOT_TEST_R1_SECRET"}
    monkeypatch.setenv("HOTSPOT_TEST_R1_SECRET", "from-the-env-Secret-42x")
    spec = load_stack(write_stack(tmp_path, doc))
    assert spec.tenant("alpha").spec.routers[0].radius_secret.get_secret_value() == "from-the-env-Secret-42x"
    assert "from-the-env" not in repr(spec)  # secrets never show in reprs or logs


def test_pulumi_encrypted_secret_is_accepted_but_unreadable_offline(tmp_path):
    doc = dev_doc()
    ten(doc, 0)["routers"][0]["radius_secret"] = {"secure": "AAABAJ+cipher"}
    spec = load_stack(write_stack(tmp_path, doc))
    secret = spec.tenant("alpha").spec.routers[0].radius_secret
    with pytest.raises(Exception, match="encrypted with the stack's secrets provider"):
        secret.get_secret_value()


def test_tenants_dir_one_file_per_tenant(tmp_path):
    doc = dev_doc()
    tenants = doc["config"].pop("hotspot:tenants")
    plat(doc)["tenants_dir"] = "tenants/t"
    folder = tmp_path / "tenants" / "t"
    folder.mkdir(parents=True)
    for t in tenants:
        (folder / f"{t['slug']}.yaml").write_text(yaml.safe_dump(t))
    spec = load_stack(write_stack(tmp_path, doc))
    assert sorted(t.slug for t in spec.tenants) == ["alpha", "bravo", "charlie-legacy"]

    bad = copy.deepcopy(tenants[1])
    bad["routers"][0]["tunnel_ip"] = "10.100.1.2"  # alpha-r1's address
    (folder / "bravo.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(SpecError) as exc:
        load_stack(write_stack(tmp_path, doc))
    assert sorted(str(i) for i in exc.value.issues) == [
        "tenants/t/bravo.yaml: routers[0].tunnel_ip: 10.100.1.2 is not inside the tenant prefix 10.100.2.0/24",
        "tenants/t/bravo.yaml: routers[0].tunnel_ip: tunnel address '10.100.1.2' is already used by "
        "tenants/t/alpha.yaml: routers[0].tunnel_ip",
    ]


def test_tenants_dir_missing_is_an_error(tmp_path):
    doc = dev_doc()
    plat(doc)["tenants_dir"] = "no/such/folder"
    with pytest.raises(SpecError, match="platform.tenants_dir"):
        load_stack(write_stack(tmp_path, doc))


def test_unreadable_yaml_names_the_file(tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config: [unclosed")
    with pytest.raises(SpecError, match="Pulumi.x.yaml"):
        load_stack(path)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_cli_validate_valid_stack_prints_a_summary_and_the_server_sizing():
    r = _cli("validate", str(DEV))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines() == [
        "stack dev: valid, 3 tenants (1 shared), 5 routers, 4 packages, 6 users",
        "PostgreSQL for up to 256 tenant schemas: max_files_per_process >= 11240 (open-files limit 12240), "
        "shared_buffers >= 256MB",
    ]


def test_cli_validate_invalid_stack_exits_2_with_one_line_per_error(tmp_path):
    doc = dev_doc()
    ten(doc, 0)["slug"] = "Bad"
    ten(doc, 1)["routers"][0]["tunnel_ip"] = "10.100.1.2"
    path = write_stack(tmp_path, doc)
    r = _cli("validate", str(path))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert any("tenants[0].slug:" in line for line in lines)
    assert any("tenants[1].routers[0].tunnel_ip:" in line for line in lines)
    assert lines[-1].endswith("invalid, 3 error(s)")  # slug, and the address outside bravo's prefix + reuse
    assert r.stdout == ""
