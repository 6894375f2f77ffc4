"""Shared fixtures: one throwaway PostgreSQL cluster per test session, a fresh database per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tenant_sql.devcluster import Cluster, start_cluster

# Shared fixtures of the SQL tests (two_tenants) live beside the raw applier they use.
pytest_plugins = ["tests.sql_apply"]

ROOT = Path(__file__).resolve().parent.parent
DEV_STACK = ROOT / "stacks" / "Pulumi.dev.yaml"
_db_counter = itertools.count(1)
_cluster: Cluster | None = None


def pytest_report_header(config: pytest.Config) -> str:
    return "postgresql: throwaway clusters started per session (runuser postgres when root)"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    print(f"\nthrowaway PostgreSQL {cluster.version()} on 127.0.0.1:{cluster.port}")
    try:
        yield cluster
    finally:
        cluster.destroy()


def drop_test_roles(cluster: Cluster) -> None:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        roles = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname <> current_user AND rolname !~ '^pg_'"
            )
        ]
        for role in roles:
            conn.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def pg_db(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh database (conninfo of the admin user); dropped, with every role the test made."""
    name = f"t{next(_db_counter)}"
    conninfo = pg_cluster.create_database(name)
    try:
        yield conninfo
    finally:
        with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        drop_test_roles(pg_cluster)


@pytest.fixture
def pg_conn(pg_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        yield conn
