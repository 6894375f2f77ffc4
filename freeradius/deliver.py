"""Deliver a rendered raddb tree to a live FreeRADIUS (`runtime: external`).

Plan, then apply:
- the plan compares a content digest of the rendered tree with the live one: identical content is
  no change (no copy, no reload);
- the candidate is copied next to the live tree and checked with `freeradius -XC` BEFORE it
  replaces anything: a failing check leaves the live tree untouched;
- the swap is one rename of a symlink (`live_dir -> .<name>.releases/<digest>`), so FreeRADIUS
  never reads a half-written tree; the previous release is kept for rollback;
- then the reload command, or the restart command when something changed that SIGHUP does not
  reload. FreeRADIUS 3's HUP re-reads module configuration only: clients (a new router),
  virtual servers, policies, the dictionary and radiusd.conf need a restart.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from components.errors import RenderError
from freeradius.render import set_modes

DEFAULT_CHECK = ("freeradius", "-XC", "-d", "{raddb}")
# Paths whose changes a HUP picks up (module configuration); anything else needs a restart.
HUP_RELOADABLE = ("mods-available/", "mods-config/", "mods-enabled/")
KEEP_RELEASES = 2  # the live one and the previous one


@dataclass(frozen=True)
class DeliveryResult:
    changed: bool
    restarted: bool = False
    reloaded: bool = False
    restart_required: bool = False  # a restart was needed but no restart command was given
    changed_paths: tuple[str, ...] = ()
    release: Path | None = None


def tree_entries(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """{relative path: (kind, mode, content or link target)} of a directory tree."""
    out: dict[str, tuple[str, int, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        for name in sorted(dirnames + filenames):
            p = d / name
            rel = p.relative_to(root).as_posix()
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", 0, os.readlink(p).encode())
            elif p.is_dir():
                out[rel] = ("dir", st.st_mode & 0o7777, b"")
            else:
                out[rel] = ("file", st.st_mode & 0o7777, p.read_bytes())
    return out


def digest(entries: dict[str, tuple[str, int, bytes]]) -> str:
    h = hashlib.sha256()
    for rel in sorted(entries):
        kind, mode, data = entries[rel]
        h.update(f"{rel}\0{kind}\0{mode:o}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


def changed_paths(old: dict[str, tuple[str, int, bytes]], new: dict[str, tuple[str, int, bytes]]) -> list[str]:
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


def needs_restart(paths: Sequence[str]) -> bool:
    return any(not p.startswith(HUP_RELOADABLE) for p in paths)


def _run(cmd: Sequence[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RenderError(f"{what} {' '.join(cmd)}: {e}") from e


def _releases_dir(live_dir: Path) -> Path:
    return live_dir.parent / f".{live_dir.name}.releases"


def deliver(
    rendered_dir: Path,
    live_dir: Path,
    *,
    check_cmd: Sequence[str] = DEFAULT_CHECK,
    reload_cmd: Sequence[str] | None = None,
    restart_cmd: Sequence[str] | None = None,
    group: str | None = "freerad",
) -> DeliveryResult:
    """Make `live_dir` hold the content of `rendered_dir`. `{raddb}` in check_cmd is replaced by
    the candidate directory."""
    rendered_dir = Path(rendered_dir)
    live_dir = Path(live_dir)
    if not (rendered_dir / "radiusd.conf").is_file():
        raise RenderError(f"{rendered_dir}: not a rendered raddb tree (no radiusd.conf)")
    new = tree_entries(rendered_dir)
    live_exists = live_dir.exists()
    old = tree_entries(live_dir.resolve()) if live_exists else {}
    # Compare content as it will be delivered: modes are normalised on the copy.
    new_norm = {k: (v[0], (0o750 if v[0] == "dir" else 0o640) if v[0] != "link" else 0, v[2]) for k, v in new.items()}
    paths = changed_paths(old, new_norm)
    if live_exists and not paths:
        return DeliveryResult(changed=False, release=live_dir.resolve())

    releases = _releases_dir(live_dir)
    releases.mkdir(mode=0o750, parents=True, exist_ok=True)
    release = releases / digest(new_norm)[:20]
    if live_exists and live_dir.resolve() == release:
        # The live tree was edited in place (drift): never delete what is live; stage it apart.
        release = releases / f"{release.name}-{os.getpid()}"
    if release.exists():
        shutil.rmtree(release)
    staging = releases / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(rendered_dir, staging, symlinks=True)
    set_modes(staging, group=group)
    os.rename(staging, release)
    os.utime(release)  # release age orders pruning

    check = [str(release) if a == "{raddb}" else a for a in check_cmd]
    proc = _run(check, "config check")
    if proc.returncode != 0:
        shutil.rmtree(release, ignore_errors=True)
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise RenderError(f"{rendered_dir}: `{' '.join(check)}` failed; live {live_dir} left as it was:\n{tail}")

    previous = _previous_tree(live_dir, releases, release)
    _swap_symlink(live_dir, release, releases)

    restart = needs_restart(paths) or not live_exists
    result = DeliveryResult(changed=True, changed_paths=tuple(paths), release=release)
    cmd, what = (restart_cmd, "restart") if restart else (reload_cmd, "reload")
    if cmd is not None:
        failure = _run_quiet(cmd, what)
        if failure is not None:
            _roll_back(live_dir, release, releases, previous, cmd, what, failure)
    _prune(releases, keep={release.name})
    if cmd is None:
        return replace(result, restart_required=restart and live_exists)
    return replace(result, restarted=restart, reloaded=not restart)


def _previous_tree(live_dir: Path, releases: Path, release: Path) -> Path | None:
    """Where the live link points before the swap: the tree to roll back to."""
    if not live_dir.exists():
        return None
    if not live_dir.is_symlink():
        return releases / "original"  # the swap moves the packaged tree there
    return live_dir.resolve()


def _run_quiet(cmd: Sequence[str], what: str) -> str | None:
    """Run a reload or restart command; its failure text, or None when it succeeded."""
    try:
        proc = _run(cmd, what)
    except RenderError as e:
        return str(e)
    return None if proc.returncode == 0 else (proc.stdout + proc.stderr)[-1000:] or f"exit {proc.returncode}"


def _roll_back(live_dir: Path, release: Path, releases: Path, previous: Path | None, cmd: Sequence[str],
               what: str, failure: str) -> None:
    """The server refused the new tree: point the live link back at the previous tree and run the
    same command again, so the server runs what it ran before. Always raises."""
    shown = " ".join(cmd)
    if previous is None or not previous.is_dir():
        raise RenderError(f"{live_dir}: new configuration is live (nothing to roll back to) but `{shown}` "
                          f"failed: {failure}")
    _swap_symlink(live_dir, previous, releases)
    shutil.rmtree(release, ignore_errors=True)
    again = _run_quiet(cmd, what)
    state = "the previous configuration is running again" if again is None else (
        f"the {what} on the previous configuration failed too: {again}")
    raise RenderError(f"{live_dir}: `{shown}` failed on the new configuration: {failure}\n"
                      f"rolled back to {previous.name}; {state}")


def _swap_symlink(live_dir: Path, release: Path, releases: Path) -> None:
    target = os.path.relpath(release, live_dir.parent)
    if live_dir.exists() and not live_dir.is_symlink():
        # First delivery over a real directory (e.g. the packaged /etc/freeradius/3.0): keep it.
        os.rename(live_dir, releases / "original")
    tmp = live_dir.parent / f".{live_dir.name}.link-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, live_dir)  # atomic: readers see the old tree or the new one


def _prune(releases: Path, keep: set[str]) -> None:
    """Keep the live release, the previous one and the packaged original."""
    candidates = sorted(
        (p for p in releases.iterdir() if p.is_dir() and p.name not in keep and p.name != "original"
         and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime, reverse=True,
    )
    for old in candidates[KEEP_RELEASES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
