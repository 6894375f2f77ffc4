"""The rendered FreeRADIUS tree: what it contains, and that `freeradius -XC` accepts it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from components.errors import RenderError
from components.spec import load_stack
from freeradius.render import (
    DbParams,
    ExtraClient,
    RenderOptions,
    enabled_links,
    fr_string,
    render_config,
    render_files,
)
from tests.conftest import DEV_STACK

DB = DbParams(host="127.0.0.1", port=5999, dbname="hotspot", user="freeradius", password='pw"with-dquote')


@pytest.fixture(scope="module")
def spec():
    return load_stack(DEV_STACK)


def _opts(tmp: Path, **kw) -> RenderOptions:
    base = dict(
        listen_address="127.0.0.1", auth_port=31812, acct_port=31813, logdir=str(tmp / "log"),
        run_dir=str(tmp / "run"), run_user=None, run_group=None,
    )
    return RenderOptions(**(base | kw))


def _xc(raddb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["freeradius", "-XC", "-d", str(raddb)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("resolution", ["mapping", "nas", "stock"])
@pytest.mark.parametrize("cache_ttl", [0, 30])
def test_rendered_tree_passes_freeradius_check(spec, tmp_path, resolution, cache_ttl):
    opts = _opts(tmp_path, resolution=resolution, mapping_cache_ttl=cache_ttl)
    raddb = render_config(spec, tmp_path, overrides=opts, db=DB)
    proc = _xc(raddb)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "Configuration appears to be OK" in proc.stdout
    assert "Please change" not in proc.stdout  # no deprecated unlang forms


def test_only_listed_modules_and_sites_are_enabled(spec, tmp_path):
    raddb = render_config(spec, tmp_path, overrides=_opts(tmp_path), db=DB)
    assert sorted(os.listdir(raddb / "sites-enabled")) == ["hotspot"]
    assert sorted(os.listdir(raddb / "mods-enabled")) == ["always", "chap", "expr", "pap", "sql"]
    for link in (raddb / "mods-enabled").iterdir():
        assert link.is_symlink() and not os.readlink(link).startswith("/")  # relative, like stock
    assert not list(raddb.rglob("*.j2"))  # a stray sql.j2 in an included directory would load
    conf = (raddb / "radiusd.conf").read_text()
    assert re.search(r"^proxy_requests = no$", conf, re.M)
    assert "eap" not in os.listdir(raddb / "mods-enabled")


def test_modes_keep_secrets_from_other_users(spec, tmp_path):
    raddb = render_config(spec, tmp_path, overrides=_opts(tmp_path), db=DB)
    for path in [raddb, *raddb.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o750 if path.is_dir() else 0o640), path


def test_one_client_per_router_with_its_tenant_and_secret(spec, tmp_path):
    files = render_files(spec, db=DB, options=_opts(tmp_path, router_addresses={"alpha-r1": "127.0.0.21"}))
    clients = files["clients.conf"]
    blocks = dict(re.findall(r"^client (\S+) \{(.*?)^\}", clients, re.M | re.S))
    routers = {r.name: (t, r) for t in spec.tenants for r in t.spec.routers}
    assert set(blocks) == set(routers)
    for name, (tenant, router) in routers.items():
        body = blocks[name]
        assert f'secret = "{router.radius_secret.get_secret_value()}"' in body
        assert f"tenant_schema = {tenant.schema_name}\n" in body
        assert f'tenant_id = "{tenant.spec.id}"' in body
        assert "nas_type = mikrotik" in body
        assert "require_message_authenticator = yes" in body
    assert "ipaddr = 127.0.0.21" in blocks["alpha-r1"]
    assert "ipaddr = 10.100.2.2" in blocks["bravo-r1"]
    assert "tenant_schema = public\n" in blocks["charlie-r1"]


def test_sql_module_qualifies_every_table_and_never_sets_search_path(spec, tmp_path):
    files = render_files(spec, db=DB, options=_opts(tmp_path))
    sql_mod = files["mods-available/sql"]
    for item in ("authcheck_table", "authreply_table", "groupcheck_table", "groupreply_table",
                 "usergroup_table", "acct_table1", "acct_table2", "postauth_table"):
        assert re.search(rf'^\s*{item} = "%{{control:Tenant-Schema}}\.\w+"$', sql_mod, re.M), item
    assert "+" in re.search(r'safe_characters = "(.*)"', sql_mod).group(1)
    assert not [ln for ln in sql_mod.splitlines() if "auto_escape" in ln and not ln.lstrip().startswith("#")]
    code = [ln for f in files.values() for ln in f.splitlines() if not ln.lstrip().startswith("#")]
    assert not [ln for ln in code if "search_path" in ln.lower()]
    # The password is its own item (rlm_sql logs radius_db), quoted for FreeRADIUS's parser.
    assert 'password = "pw\\"with-dquote"' in sql_mod
    assert "pw" not in re.search(r"radius_db = (.*)", sql_mod).group(1)
    queries = files["mods-config/sql/main/postgresql/queries.conf"]
    assert not [ln for ln in queries.splitlines() if "nasreload" in ln and not ln.lstrip().startswith("#")]
    post_auth = queries.split("\npost-auth {", 1)[1]
    assert "User-Password" not in post_auth and "Chap-Password" not in post_auth
    assert "NULL" in post_auth


def test_policy_guards_schema_with_the_spec_prefix(spec, tmp_path):
    policy = render_files(spec, db=DB, options=_opts(tmp_path))["policy.d/hotspot"]
    assert "/^(public|tenant_[a-z0-9_]+)$/" in policy
    assert "radius_user_schema_mapping WHERE username = '%{User-Name}' AND is_active" in policy
    assert "COALESCE(" in policy and "do_not_respond" in policy
    assert "&Message-Authenticator := 0x00" in policy


def test_dictionary_keeps_tenant_id_internal_and_sends_a_vendor_attribute(spec, tmp_path):
    d = render_files(spec, db=DB, options=_opts(tmp_path))["dictionary"]
    assert re.search(r"^ATTRIBUTE\s+Tenant-ID\s+3100\s+string$", d, re.M)
    assert re.search(r"^VENDOR\s+Hotspot-Tenancy\s+32473$", d, re.M)
    vendor_block = d.split("BEGIN-VENDOR", 1)[1]
    assert "Hotspot-Tenant-Id" in vendor_block and "Hotspot-Tenant-Schema" in vendor_block


def test_render_is_deterministic_and_links_are_listed(spec, tmp_path):
    opts = _opts(tmp_path)
    assert render_files(spec, db=DB, options=opts) == render_files(spec, db=DB, options=opts)
    assert enabled_links(RenderOptions(mapping_cache_ttl=5))["mods-enabled/cache_mapping"] == (
        "../mods-available/cache_mapping"
    )


def test_bad_values_are_refused_naming_the_field(spec, tmp_path):
    with pytest.raises(RenderError, match="router_addresses: no router named nope"):
        render_files(spec, db=DB, options=_opts(tmp_path, router_addresses={"nope": "127.0.0.9"}))
    with pytest.raises(RenderError, match="already used by"):
        render_files(spec, db=DB, options=_opts(
            tmp_path, router_addresses={"alpha-r1": "127.0.0.9", "alpha-r2": "127.0.0.9"}))
    with pytest.raises(RenderError, match="extra client x"):
        render_files(spec, db=DB, options=_opts(tmp_path, extra_clients=(ExtraClient("x", "127.0.0.8", "a${b}"),)))
    with pytest.raises(RenderError, match="both 5"):
        render_files(spec, db=DB, options=_opts(tmp_path, auth_port=5, acct_port=5))
    assert fr_string('a"b\\c', "f") == '"a\\"b\\\\c"'
    with pytest.raises(RenderError, match="login_password"):
        render_files(spec, db=DbParams("h", 1, "d", "u", "it's"), options=_opts(tmp_path))


def test_swap_replaces_an_existing_tree(spec, tmp_path):
    opts = _opts(tmp_path)
    first = render_config(spec, tmp_path, overrides=opts, db=DB)
    (first / "stray-file").write_text("left over")
    second = render_config(spec, tmp_path, overrides=opts, db=DB)
    assert first == second and not (second / "stray-file").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_default_render_is_runnable_as_hotspotctl_writes_it(spec, tmp_path):
    # What `hotspotctl render STACK --out DIR` does: spec database, logdir/run_dir beside the tree.
    raddb = render_config(spec, tmp_path)
    assert raddb == tmp_path / "freeradius"
    assert (tmp_path / "log").is_dir() and (tmp_path / "run").is_dir()
    conf = (raddb / "radiusd.conf").read_text()
    assert f"logdir = \"{tmp_path / 'log'}\"" in conf and "user = freerad" in conf
    listen = (raddb / "sites-available" / "hotspot").read_text()
    assert "ipaddr = 10.100.0.1" in listen and "port = 1812" in listen and "port = 1813" in listen
    proc = _xc(raddb)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr


def test_worker_threads_never_outnumber_pooled_connections(spec, tmp_path):
    # rlm_sql fails a module call at once when no pooled connection is free; a failed post-auth
    # insert would then turn an Access-Accept into a reject (seen under load before this rule).
    radius = spec.platform.radius.model_copy(update={"pool": spec.platform.radius.pool.model_copy(update={"max": 3})})
    small = spec.model_copy(update={"platform": spec.platform.model_copy(update={"radius": radius})})
    conf = render_files(small, db=DB, options=_opts(tmp_path, max_servers=32))["radiusd.conf"]
    assert re.search(r"^\tmax_servers = 3$", conf, re.M) and re.search(r"^\tstart_servers = 3$", conf, re.M)
    site = render_files(spec, db=DB, options=_opts(tmp_path))["sites-available/hotspot"]
    post_auth = site.split("post-auth {", 1)[1]
    assert "Do-Not-Respond" in post_auth and post_auth.count("fail = 1") == 2
