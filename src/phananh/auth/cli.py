"""`phananh user unlock|locked|reset-mfa`: staff account security from the command line (recorded as "cli")."""

from __future__ import annotations

import getpass

import typer

from phananh.cli_support import in_transaction

user_app = typer.Typer(help="Staff accounts: lift a sign-in lock, reset a lost second factor.", no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in a container
        return "cli"


def _or_exit(work):
    from phananh.errors import DomainError

    try:
        return in_transaction(work)
    except DomainError as exc:
        typer.echo(exc.message.format(**exc.params), err=True)
        raise typer.Exit(1)


@user_app.command("unlock")
def unlock(username: str) -> None:
    """Lift USERNAME's sign-in lock and forget its failed attempts (recorded in security_events)."""
    from phananh.auth import lockout
    from phananh.db import utcnow

    was_locked = _or_exit(lambda conn: lockout.unlock(conn, username, actor=_actor(), now=utcnow()))
    typer.echo(f"User {username} unlocked." if was_locked else f"User {username} was not locked; failures cleared.")


@user_app.command("locked")
def locked() -> None:
    """List the accounts locked now: username, lock end (UTC), how many locks in a row."""
    from phananh.auth import lockout
    from phananh.db import utcnow

    for row in in_transaction(lambda conn: lockout.locked_accounts(conn, utcnow())):
        typer.echo(f"{row['username']}\t{row['locked_until'].isoformat()}\t{row['lock_count']}")


@user_app.command("reset-mfa")
def reset_mfa(username: str) -> None:
    """Remove USERNAME's second factor (lost phone and recovery codes); they enrol again at the next sign-in."""
    from phananh.auth import mfa
    from phananh.db import utcnow

    _or_exit(lambda conn: mfa.reset(conn, username, actor=_actor(), now=utcnow()))
    typer.echo(f"Second factor of {username} removed.")
