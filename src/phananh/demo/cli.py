"""`phananh seed-demo` and `phananh demo reset-password`: every `make run` says how to sign in."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

import typer

from phananh.config import Settings, get_settings
from phananh.demo import marker

demo_app = typer.Typer(help="The embedded demo: its sign-in password.", no_args_is_help=True)

USERS_LINE = "Users: admin, dispatcher, supervisor, handler.<agency code>, leader.<agency code>"


def _tell(password: str | None, settings: Settings) -> None:
    typer.echo(USERS_LINE)
    if password:
        typer.echo(f"Password for every demo user: {password}")
        typer.echo(f"(kept in {marker.password_path(settings.var_dir)}; new one: phananh demo reset-password)")
    else:
        typer.echo("The demo password is not on record here: set one with `phananh demo reset-password`.")


async def _with_engine(settings: Settings, work):
    from phananh.live.commands import publishing_engine

    # The sample reports' events reach the live streams of running servers too (with PHANANH_REDIS_URL).
    async with publishing_engine(settings) as engine:
        return await work(engine)


async def _has_demo(engine) -> bool:
    async with engine.connect() as conn:
        return await marker.holds_demo_data(conn)


def seed_demo_command(settings: Settings | None = None) -> None:
    """Load the demo into an empty database; on a demo database, say how to sign in (PHANANH_DEMO_PASSWORD resets)."""
    from phananh.demo.seed import seed_demo as run

    settings = settings or get_settings()
    result = asyncio.run(_with_engine(settings, lambda engine: run(engine, settings)))
    if result.created:
        marker.store_password(settings.var_dir, result.password)
        typer.echo(f"Demo data loaded: {result.users} users, {result.reports} sample reports.")
        _tell(result.password, settings)
        return
    if not asyncio.run(_with_engine(settings, _has_demo)):
        typer.echo("The database already has data (not the demo's); demo data not loaded.")
        return
    typer.echo("The database already has data: the demo's, loaded earlier (`make clean` starts again from empty).")
    password = marker.read_password(settings.var_dir)
    if settings.demo_password and settings.demo_password != password:
        asyncio.run(_with_engine(settings, lambda engine: marker.reset_password(engine, settings.demo_password)))
        marker.store_password(settings.var_dir, settings.demo_password)
        password = settings.demo_password
        typer.echo("PHANANH_DEMO_PASSWORD given: every demo user's password is now that one.")
    _tell(password, settings)


@demo_app.command("reset-password")
def reset_password(
    password: Annotated[str | None, typer.Option(help="the new password; unset: a random one")] = None,
) -> None:
    """Give every demo user a new password (printed, and kept in var/demo-password)."""
    settings = get_settings()
    if not asyncio.run(_with_engine(settings, _has_demo)):
        typer.echo("This database holds no demo data: use `phananh user` for real accounts.", err=True)
        raise typer.Exit(1)
    if password:
        from phananh.auth.passwords import password_problem

        if problem := password_problem(password):
            raise typer.BadParameter(problem.message.format(**problem.params), param_hint="--password")
    password = password or secrets.token_urlsafe(9)
    n = asyncio.run(_with_engine(settings, lambda engine: marker.reset_password(engine, password)))
    marker.store_password(settings.var_dir, password)
    typer.echo(f"New password for the {n} demo users: {password}")
