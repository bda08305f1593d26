"""`phananh province load PATH [--dry-run]`."""

from __future__ import annotations

from typing import Annotated

import typer

from phananh.cli_support import with_engine

province_app = typer.Typer(help="Province packs: a province's reference data as YAML files.", no_args_is_help=True)


@province_app.command("load")
def load_command(
    path: Annotated[str, typer.Argument(help="the pack's folder, or the name of a shipped pack (ca-mau, song-hau)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate and show the changes; write nothing")] = False,
) -> None:
    """Validate a province pack, show what changes in the database, and apply it (one transaction, idempotent).
    Entries missing from the pack are deactivated, never deleted."""
    from phananh.provinces import load, pack_path
    from phananh.provinces.schema import PackError, read_pack

    try:
        pack = read_pack(pack_path(path))
    except PackError as exc:
        typer.echo(f"The pack {path} is not valid; nothing was written:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2)

    diff = with_engine(lambda engine: load.load(engine, pack, dry_run=dry_run))
    p = pack.province
    typer.echo(f"{p.name} ({p.code}) pack v{p.version}" + (" — dry run, nothing written" if dry_run else ""))
    for line in diff.lines():
        typer.echo(line)
