"""`phananh audit verify|head|seal`: the tamper-evident record from the command line."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from phananh.cli_support import with_engine

audit_app = typer.Typer(help="The tamper-evident record: the sealed hash chain of events.", no_args_is_help=True)


def head_line(h) -> str:
    from phananh.sla.calendar import TZ

    return f"{h.hash} {h.sealed_at.astimezone(TZ).isoformat()} block {h.id} events ≤ {h.last_event_id}"


@audit_app.command("verify")
def verify(
    published: Annotated[str | None, typer.Option(help="a head hash published earlier: it must still be in the "
                                                          "chain")] = None,
) -> None:
    """Check every sealed event and block; exit 0 when the whole chain holds, else name the first problem, exit 1."""
    from phananh.audit import verify as v

    if published is not None and not re.fullmatch(r"[0-9a-f]{64}", published.strip().lower()):
        raise typer.BadParameter("a head hash is 64 hexadecimal digits", param_hint="--published")

    async def work(engine):
        result = await v.verify(engine, published=published.strip().lower() if published else None)
        await v.record(engine, result, by="cli")
        return result

    result = with_engine(work)
    seconds = (result.finished_at - result.started_at).total_seconds()
    if not result.ok:
        typer.echo(f"FAILED: {result.problem.english()}")
        raise typer.Exit(1)
    if result.head is None:
        typer.echo("OK: nothing sealed yet.")
        return
    typer.echo(f"OK: {result.events_checked} events in {result.blocks_checked} blocks hold ({seconds:.1f} s).")
    typer.echo(f"head {head_line(result.head)}")


@audit_app.command("head")
def head() -> None:
    """Print the newest block: `<hash> <sealed_at, ISO 8601 +07:00> block <n> events ≤ <last event id>`."""
    from phananh.audit import seal

    h = with_engine(seal.head)
    if h is None:
        typer.echo("No block sealed yet.", err=True)
        raise typer.Exit(1)
    typer.echo(head_line(h))


@audit_app.command("seal")
def seal_now() -> None:
    """Seal the events committed since the last block now (the scheduler does it every few seconds)."""
    from phananh.audit import seal
    from phananh.config import get_settings
    from phananh.db import utcnow

    s = get_settings()
    sealed = with_engine(lambda engine: seal.seal(engine, now=utcnow(), max_events=s.audit_block_max_events,
                                                    wait_seconds=s.audit_seal_wait_seconds))
    if not sealed.blocks:
        typer.echo("Nothing new to seal.")
        return
    typer.echo(f"{sealed.events} events sealed in {sealed.blocks} block(s).")
    typer.echo(f"head {head_line(sealed.head)}")
