"""`phananh api-key create|list|revoke`: partner API keys for Open311 from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from phananh.cli_support import in_transaction

api_key_app = typer.Typer(help="Partner API keys for Open311 (POST requests).", no_args_is_help=True)


@api_key_app.command("create")
def create(partner_name: str, note: Annotated[str | None, typer.Option(help="what the key is for")] = None) -> None:
    """Issue a key to PARTNER_NAME; the key is printed once, alone on the last line."""
    from phananh.db import utcnow
    from phananh.errors import DomainError
    from phananh.open311 import keys

    try:
        view, key = in_transaction(lambda conn: keys.create_key(conn, partner=partner_name, note=note, created_by="cli",
                                                       now=utcnow()))
    except DomainError as exc:
        raise typer.BadParameter(exc.message, param_hint="PARTNER_NAME")
    typer.echo(f"API key #{view['id']} for {view['partner']} (report channel {view['channel']}).")
    typer.echo("Store it now: it is not shown again.")
    typer.echo(key)


@api_key_app.command("list")
def list_() -> None:
    """Every key: id, state, partner, channel, prefix, requests posted, last use."""
    from phananh.open311 import keys
    from phananh.sla.calendar import TZ

    rows = in_transaction(keys.list_keys)
    if not rows:
        typer.echo("No API keys.")
        return
    for r in rows:
        used = r["last_used_at"].astimezone(TZ).isoformat(timespec="minutes") if r["last_used_at"] else "never"
        state = "active" if r["active"] else "revoked"
        typer.echo(f"{r['id']}\t{state}\t{r['partner']}\t{r['channel']}\t{r['prefix']}…\t"
                   f"{r['requests']} requests\tlast used {used}")


@api_key_app.command("revoke")
def revoke(key_id: int) -> None:
    """Revoke key KEY_ID (see `api-key list`); its partner's requests are refused from then on."""
    from phananh.db import utcnow
    from phananh.errors import DomainError
    from phananh.open311 import keys

    try:
        view = in_transaction(lambda conn: keys.revoke_key(conn, key_id=key_id, now=utcnow()))
    except DomainError:
        raise typer.BadParameter(f"no API key #{key_id}", param_hint="KEY_ID")
    typer.echo(f"API key #{view['id']} of {view['partner']} revoked.")
