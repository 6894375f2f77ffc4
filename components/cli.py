"""hotspotctl: offline commands for operators, auditors and GitOps pipelines.

Exit codes: 0 success, 2 invalid input (every problem on its own line), 1 any other failure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from components.errors import HotspotError, SpecError
from components.spec import StackSpec, load_stack

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

EXIT_INVALID = 2
StackFile = Annotated[Path, typer.Argument(help="stacks/Pulumi.<stack>.yaml")]


def _load_or_exit(stack_file: Path) -> StackSpec:
    try:
        return load_stack(stack_file)
    except SpecError as e:
        for issue in e.issues:
            typer.echo(f"{stack_file}: {issue}", err=True)
        typer.echo(f"{stack_file}: invalid, {len(e.issues)} error(s)", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def summary(spec: StackSpec) -> str:
    tenants = spec.tenants
    shared = sum(1 for t in tenants if t.shared)
    routers = sum(len(t.spec.routers) for t in tenants)
    users = sum(len(t.spec.users) for t in tenants)
    packages = sum(len(t.spec.packages) for t in tenants)
    return (
        f"stack {spec.stack}: valid, {len(tenants)} tenants ({shared} shared), "
        f"{routers} routers, {packages} packages, {users} users"
    )


@app.command()
def validate(stack_file: StackFile) -> None:
    """Validate a stack file (and its tenants_dir); print a summary and what the PostgreSQL server
    needs for it, or every error."""
    spec = _load_or_exit(stack_file)
    typer.echo(summary(spec))
    typer.echo(sizing(spec))


def sizing(spec: StackSpec) -> str:
    from tenant_sql.server_sizing import capacity, open_files_limit, sized_settings

    schema_tenants = spec.schema_tenant_count
    want = sized_settings(schema_tenants)
    return (
        f"PostgreSQL for up to {capacity(schema_tenants)} tenant schemas: max_files_per_process >= "
        f"{want['max_files_per_process']} (open-files limit {open_files_limit(want)}), "
        f"shared_buffers >= {want['shared_buffers']}"
    )


@app.command()
def render(
    stack_file: StackFile,
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    raddb_base: Annotated[
        Path | None,
        typer.Option(help="stock raddb to overlay (e.g. /etc/freeradius/3.0); renders DIR/freeradius"),
    ] = None,
) -> None:
    """Write what provisioning executes (DIR/sql/*.sql) and, with --raddb-base, the FreeRADIUS tree."""
    spec = _load_or_exit(stack_file)
    from components.render import render_stack  # imported late: validate needs no SQL machinery

    try:
        written = render_stack(spec, out, raddb_base=raddb_base)
    except HotspotError as e:
        typer.echo(f"{stack_file}: {e}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(str(path))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
