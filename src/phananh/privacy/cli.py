"""`phananh privacy retention [--dry-run]`: anonymise reporters' identities past the retention period."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

privacy_app = typer.Typer(help="Personal data: retention of reporters' identities (Law 91/2025/QH15).",
                          no_args_is_help=True)


@privacy_app.command("retention")
def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count the reports it would change")] = False,
    years: Annotated[int | None, typer.Option(help="the retention period in years "
                                                   "(default: PHANANH_IDENTITY_RETENTION_YEARS)")] = None,
) -> None:
    """Replace the reporter's identity by a tombstone on reports closed, rejected or merged more than N years ago;
    prints how many reports it changed (or would change)."""
    from phananh.config import get_settings
    from phananh.db import utcnow
    from phananh.live.commands import publishing_engine
    from phananh.privacy.scheduled import anonymise_expired

    settings = get_settings()
    years = settings.identity_retention_years if years is None else years
    if years <= 0:
        typer.echo("Retention is off (0 years): nothing changed.")
        return

    async def go() -> int:
        async with publishing_engine(settings) as engine:  # each erasure reaches the live streams (Redis)
            return await anonymise_expired(engine, now=utcnow(), years=years, dry_run=dry_run)

    count = asyncio.run(go())
    verb = "would be anonymised" if dry_run else "anonymised"
    typer.echo(f"{count} report(s) {verb} (closed more than {years} year(s) ago).")
