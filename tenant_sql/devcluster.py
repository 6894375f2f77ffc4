"""Throwaway PostgreSQL clusters for tests, benchmarks and local trials.

Written by hand rather than with pytest-postgresql because PostgreSQL refuses to run as root and CI
runs as root: the cluster must be initialised and started as the `postgres` system user with its
directories owned by it, which pytest-postgresql (it runs pg_ctl as the invoking user) cannot do.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PG_BINDIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


def find_bindir() -> Path:
    env = os.environ.get("HOTSPOT_PG_BINDIR")
    for cand in ([env] if env else []) + list(PG_BINDIRS):
        if cand and (Path(cand) / "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries not found: install postgresql-15 or set HOTSPOT_PG_BINDIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    base: Path
    port: int
    bindir: Path
    admin_user: str = "postgres"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    host: str = "127.0.0.1"
    # Server settings over the defaults below (e.g. {"shared_buffers": "1GB"} for a benchmark).
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        return self.base / "postgres.log"

    def conninfo(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        user = user or self.admin_user
        password = self.admin_password if password is None and user == self.admin_user else password
        parts = [f"host={self.host}", f"port={self.port}", f"dbname={dbname}", f"user={user}"]
        if password:
            parts.append(f"password={password}")
        return " ".join(parts)

    def _run(self, *args: str) -> None:
        # The server may open as many files as the machine allows (runuser resets the soft limit to
        # 1024); max_files_per_process is then the one knob. Each tenant schema is dozens of files.
        cmd = ["sh", "-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', str(self.bindir / args[0]),
               *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.datadir), "-U", self.admin_user, "-E", "UTF8", "--locale=C.UTF-8",
            "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "--no-sync",
        )
        pwfile.unlink()

    def start(self) -> None:
        conf = {
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "400", "shared_buffers": "128MB", "max_locks_per_transaction": "1024",
            **self.settings,
        }
        opts = f"-c listen_addresses={self.host} -p {self.port} -k {self.base} " + " ".join(
            f"-c {name}={value}" for name, value in conf.items()
        )
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
        return self.conninfo(name)

    def version(self) -> str:
        with psycopg.connect(self.conninfo()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"


def start_cluster(port: int | None = None, settings: dict[str, str] | None = None) -> Cluster:
    base = Path(tempfile.mkdtemp(prefix="hotspot-pg-"))
    os.chmod(base, 0o755)
    cluster = Cluster(base=base, port=port or free_port(), bindir=find_bindir(), settings=dict(settings or {}))
    try:
        cluster.init()
        cluster.start()
    except subprocess.CalledProcessError as e:
        log = cluster.logfile.read_text() if cluster.logfile.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"throwaway PostgreSQL failed: {e.stderr or e.stdout}\n{log}") from e
    return cluster
