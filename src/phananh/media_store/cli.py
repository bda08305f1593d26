"""`phananh media …`: the media store."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from phananh.config import get_settings

media_app = typer.Typer(help="Photos and videos: where they are stored (PHANANH_MEDIA_URL).", no_args_is_help=True)


@media_app.command("migrate")
def migrate_command(
    to: Annotated[str, typer.Option("--to", help="the target store, e.g. s3://bucket/prefix (endpoint and keys: "
                                                 "PHANANH_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")],
    source: Annotated[str | None, typer.Option("--from", help="the source store; default: the configured one "
                                                                 "(PHANANH_MEDIA_URL, else PHANANH_MEDIA_DIR)")] = None,
    verify_hashes: Annotated[bool, typer.Option(help="check each file's sha256 against its name on the way")] = True,
) -> None:
    """Copy every photo and video (and public copy) into another store, keeping their keys; files already there
    with the same size are skipped, so it can be re-run. Then set PHANANH_MEDIA_URL to the target."""
    from phananh.media_store import StoreUnavailable, media_url, open_store
    from phananh.media_store.migrate import migrate

    settings = get_settings()
    source_url = source or media_url(settings)
    if source_url.rstrip("/") == to.rstrip("/"):
        typer.echo("Refused: the source and the target are the same store.", err=True)
        raise typer.Exit(2)
    try:
        src, dst = open_store(source_url, settings), open_store(to, settings)
        typer.echo(f"Copying media {src.url} → {dst.url}")
        started = time.monotonic()
        dst.check()
        result = migrate(src, dst, verify_hashes=verify_hashes, progress=typer.echo)
    except (StoreUnavailable, ValueError) as exc:
        typer.echo(f"Refused: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{result.total} files: {result.copied} copied ({result.bytes_copied / 2**20:.1f} MB), "
               f"{result.skipped} already there, {len(result.failed)} failed, in {time.monotonic() - started:.1f} s")
    for line in result.failed:
        typer.echo(f"  failed: {line}", err=True)
    if result.failed:
        raise typer.Exit(1)
    typer.echo(f"Done. Set PHANANH_MEDIA_URL={to} to serve from the target.")
