"""The `runtime: external` path: render, deliver with freeradius/deliver.py, run, and check the host
with pytest-testinfra (modes, listening ports, `freeradius -XC`)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import testinfra
from pyrad import packet

from components.errors import RenderError
from freeradius.deliver import deliver, tree_entries
from freeradius.render import ExtraClient, RenderOptions, render_config
from tests import radius_fixtures
from tests.radius_fixtures import (
    ORPHAN,
    ROUTER_ADDRESSES,
    RadiusEnv,
    RadiusServer,
    free_udp_ports,
    pyrad_dictionary,
)

radius_stack = radius_fixtures.radius_stack


@dataclass
class Delivered:
    env: RadiusEnv
    live: Path
    base: Path
    options: RenderOptions


@pytest.fixture(scope="module")
def host():
    return testinfra.get_host("local://")


@pytest.fixture(scope="module")
def delivered(radius_stack, tmp_path_factory) -> Delivered:
    base = tmp_path_factory.mktemp("external")
    auth_port, acct_port = free_udp_ports(2)
    options = RenderOptions(
        listen_address="127.0.0.1", auth_port=auth_port, acct_port=acct_port, router_addresses=ROUTER_ADDRESSES,
        extra_clients=(ORPHAN,), reject_delay=0, logdir=str(base / "log"), run_dir=str(base / "run"),
        run_user=None, run_group=None,
    )
    rendered = render_config(radius_stack.spec, base / "render", overrides=options, db=radius_stack.db_params())
    live = base / "etc" / "raddb"
    live.parent.mkdir()
    result = deliver(rendered, live)
    assert result.changed and live.is_symlink()
    server = RadiusServer(raddb=live, logdir=base / "log", auth_port=auth_port, acct_port=acct_port)
    server.start()
    radius_stack.servers.append(server)
    spec = radius_stack.spec
    secrets = {r.name: r.radius_secret.get_secret_value() for t in spec.tenants for r in t.spec.routers}
    env = RadiusEnv(spec=spec, cluster=radius_stack.cluster, conninfo=radius_stack.conninfo, server=server,
                    dictionary=pyrad_dictionary(spec.platform.radius.vendor_id),
                    secrets=secrets | {ORPHAN.name: ORPHAN.secret},
                    addresses=dict(ROUTER_ADDRESSES) | {ORPHAN.name: ORPHAN.ipaddr})
    return Delivered(env=env, live=live, base=base, options=options)


def _render(d: Delivered, name: str, stack, **changes) -> Path:
    opts = RenderOptions(**{**d.options.__dict__, **changes})
    return render_config(stack.spec, d.base / name, overrides=opts, db=stack.db_params())


# ----------------------------------------------------------------------------- testinfra host checks


def test_files_keep_secrets_from_other_users(host, delivered):
    live = delivered.live
    for rel in ("clients.conf", "mods-available/sql", "radiusd.conf", "policy.d/hotspot"):
        f = host.file(str(live / rel))
        assert f.exists and f.is_file, rel
        assert f.mode == 0o640, f"{rel}: {oct(f.mode)}"
        assert f.user == "root" and f.group in ("freerad", "root")
    for rel in ("", "mods-enabled", "sites-enabled"):
        d = host.file(os.path.realpath(live / rel))
        assert d.is_directory and d.mode == 0o750, rel
    # Nothing in the tree is readable by other users.
    for path in Path(os.path.realpath(live)).rglob("*"):
        if not path.is_symlink():
            assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path
    assert host.file(str(live / "clients.conf")).contains("require_message_authenticator = yes")


def test_process_listens_on_the_configured_ports(host, delivered):
    env = delivered.env
    assert host.socket(f"udp://127.0.0.1:{env.server.auth_port}").is_listening
    assert host.socket(f"udp://127.0.0.1:{env.server.acct_port}").is_listening
    assert not host.socket("udp://127.0.0.1:18120").is_listening  # stock inner-tunnel stays off
    assert any(p.pid == env.server.proc.pid for p in host.process.filter(comm="freeradius"))
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept


def test_live_tree_passes_freeradius_check(host, delivered):
    cmd = host.run("freeradius -XC -d %s", str(delivered.live))
    assert cmd.rc == 0, cmd.stdout[-2000:] + cmd.stderr
    assert "Configuration appears to be OK" in cmd.stdout


# ----------------------------------------------------------------------------- delivery semantics


def test_identical_delivery_changes_nothing(delivered, radius_stack, tmp_path):
    again = _render(delivered, "render-again", radius_stack)
    before = os.readlink(delivered.live)
    marker = tmp_path / "ran"
    result = deliver(again, delivered.live, check_cmd=["false"], reload_cmd=["touch", str(marker)],
                     restart_cmd=["touch", str(marker)])
    assert result.changed is False and not marker.exists()  # no check, no reload: nothing to do
    assert os.readlink(delivered.live) == before


def test_failing_check_leaves_the_live_tree_untouched(delivered, radius_stack):
    broken = _render(delivered, "render-broken", radius_stack, reject_delay=0)
    policy = broken / "policy.d" / "hotspot"
    policy.write_text(policy.read_text() + "\nthis is { not unlang\n")
    live_before = tree_entries(delivered.live.resolve())
    link_before = os.readlink(delivered.live)
    with pytest.raises(RenderError, match="failed; live .* left as it was"):
        deliver(broken, delivered.live)
    assert os.readlink(delivered.live) == link_before
    assert tree_entries(delivered.live.resolve()) == live_before
    assert delivered.env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept


def test_module_change_reloads_with_hup(delivered, radius_stack):
    env = delivered.env
    changed = _render(delivered, "render-module", radius_stack)
    sql_mod = changed / "mods-available" / "sql"
    sql_mod.write_text(sql_mod.read_text().replace("retry_delay = 1", "retry_delay = 2"))
    result = deliver(changed, delivered.live, reload_cmd=["kill", "-HUP", str(env.server.proc.pid)],
                     restart_cmd=["false"])
    assert result.changed and result.reloaded and not result.restarted
    assert result.changed_paths == ("mods-available/sql",)
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept


def test_failed_reload_rolls_back_to_the_previous_tree(delivered, radius_stack, tmp_path):
    env = delivered.env
    changed = _render(delivered, "render-reload-fails", radius_stack)
    sql_mod = changed / "mods-available" / "sql"
    sql_mod.write_text(sql_mod.read_text().replace("retry_delay = 1", "retry_delay = 3"))
    link_before = os.readlink(delivered.live)
    tree_before = tree_entries(delivered.live.resolve())
    calls = tmp_path / "calls"  # the reload fails the first time only: on the rolled-back tree it works
    reload_cmd = ["sh", "-c", f'echo x >> {calls}; test "$(wc -l < {calls})" -ge 2']
    with pytest.raises(RenderError, match=r"failed on the new configuration.*\n.*previous configuration is running"):
        deliver(changed, delivered.live, reload_cmd=reload_cmd, restart_cmd=["false"])
    assert os.readlink(delivered.live) == link_before
    assert tree_entries(delivered.live.resolve()) == tree_before
    assert len(calls.read_text().splitlines()) == 2  # the reload ran again on the previous tree
    assert env.auth("alpha-r1", "alice", "alice-pass-1").code == packet.AccessAccept


def test_client_change_restarts(delivered, radius_stack, tmp_path):
    env = delivered.env
    newcomer = ExtraClient("new-r1", "127.0.0.51", "new-router-Secret-9f2c1")
    changed = _render(delivered, "render-clients", radius_stack, extra_clients=(ORPHAN, newcomer))
    sql_mod = changed / "mods-available" / "sql"
    sql_mod.write_text((delivered.live / "mods-available" / "sql").read_text())
    marker = tmp_path / "hup"
    result = deliver(changed, delivered.live, reload_cmd=["touch", str(marker)],
                     restart_cmd=["kill", "-TERM", str(env.server.proc.pid)])
    assert result.changed and result.restarted and not marker.exists()
    assert "clients.conf" in result.changed_paths
    env.server.proc.wait(10)
    env.server.start()  # what the service manager does after the restart command
    env.secrets = {**env.secrets, newcomer.name: newcomer.secret}  # type: ignore[misc]
    env.addresses = {**env.addresses, newcomer.name: newcomer.ipaddr}  # type: ignore[misc]
    reply = env.auth("new-r1", "alice", "alice-pass-1")
    assert reply is not None and reply.code == packet.AccessReject  # known client, no tenant
    without = deliver(changed, delivered.live, restart_cmd=None)
    assert without.changed is False


def _tiny_tree(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "radiusd.conf").write_text(text)
    return path


def test_failed_restart_restores_the_packaged_tree(tmp_path):
    live = _tiny_tree(tmp_path / "etc" / "raddb", "packaged\n")
    new = _tiny_tree(tmp_path / "render", "rendered\n")
    with pytest.raises(RenderError, match="rolled back to original; the restart on the previous configuration "
                                          "failed too"):
        deliver(new, live, check_cmd=["true"], restart_cmd=["false"], group=None)
    assert live.is_symlink() and (live / "radiusd.conf").read_text() == "packaged\n"


def test_failed_first_restart_has_nothing_to_roll_back_to(tmp_path):
    new = _tiny_tree(tmp_path / "render", "rendered\n")
    live = tmp_path / "etc" / "raddb"
    live.parent.mkdir()
    with pytest.raises(RenderError, match="nothing to roll back to"):
        deliver(new, live, check_cmd=["true"], restart_cmd=["false"], group=None)
    assert (live / "radiusd.conf").read_text() == "rendered\n"
