"""The `phananh` command line."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Annotated

import typer

from phananh.config import get_settings

app = typer.Typer(help="Phản ánh hiện trường — field-report system.", no_args_is_help=True, add_completion=False)
calendar_app = typer.Typer(help="The working calendar and SLA deadlines.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
from phananh.open311.cli import api_key_app  # noqa: E402
app.add_typer(api_key_app, name="api-key")
from phananh.audit.cli import audit_app  # noqa: E402
app.add_typer(audit_app, name="audit")
from phananh.auth.cli import user_app  # noqa: E402
app.add_typer(user_app, name="user")
from phananh.privacy.cli import privacy_app  # noqa: E402
app.add_typer(privacy_app, name="privacy")
from phananh.demo.cli import demo_app  # noqa: E402
app.add_typer(demo_app, name="demo")
from phananh.media_store.cli import media_app  # noqa: E402
app.add_typer(media_app, name="media")
from phananh.provinces.cli import province_app  # noqa: E402
app.add_typer(province_app, name="province")


SERVED_APP = "phananh.served:served_app"


def _checked_settings():
    """The settings, after the start-up checks: PHANANH_ENV=production exits here, listing what to fix."""
    from phananh.config import check_startup
    from phananh.logs import install_redaction

    install_redaction()
    settings = get_settings()
    check_startup(settings)
    if settings.env == "production":  # and a database holding the demo's data and shared password (issue 14)
        from phananh.cli_support import with_engine
        from phananh.demo.marker import refuse_demo_in_production

        with_engine(lambda engine: refuse_demo_in_production(engine, settings.env))
    return settings


def _ensure_var_dirs() -> None:
    s = get_settings()
    s.var_dir.mkdir(parents=True, exist_ok=True)
    s.media_dir.mkdir(parents=True, exist_ok=True)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic), and seed the public-holiday calendar."""
    from phananh import migrate as m
    from phananh.cli_support import in_transaction
    from phananh.db import utcnow
    from phananh.sla import service as sla

    _ensure_var_dirs()
    m.upgrade(get_settings().database_url)
    added = in_transaction(lambda conn: sla.seed_calendar(conn, sla.years_around(utcnow().date())))
    typer.echo(f"Database is up to date ({added} calendar days added).")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load Cà Mau's demo data (categories, agencies, 64 communes, users, sample reports) into an empty database.

    On a database that already holds the demo it says how to sign in (PHANANH_DEMO_PASSWORD resets the password).
    """
    from phananh.demo.cli import seed_demo_command

    seed_demo_command(get_settings())


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="server processes; 0 = one per core")] = 1,
    reload: bool = False,
    app_path: Annotated[str, typer.Option("--app", hidden=True, help="ASGI import string (the benchmark's floor)")]
    = SERVED_APP,
) -> None:
    """Serve the web app and the API (uvicorn). Production: `--workers 0` (one process per core), see README."""
    from phananh.server import serve_uvicorn

    if get_settings().env != "production":
        typer.echo("Chế độ demo nhúng — không dùng cho vận hành thật (embedded demo, not production: "
                   "see README, \"Production\").")
    settings = _checked_settings()
    _ensure_var_dirs()
    from phananh.ops.metrics import prepare_multiprocess

    workers = workers or os.cpu_count() or 1
    prepare_multiprocess(settings.var_dir, workers)  # /metrics sums every server process (phananh.ops.metrics)
    # The factory turns the in-server SLA sweep on unless PHANANH_RUN_SWEEP says otherwise (phananh.served).
    serve_uvicorn(app_path, host=host, port=port, workers=workers, reload=reload,
                  factory=app_path == SERVED_APP)


@app.command()
def worker(
    interval: Annotated[float | None, typer.Option(help="seconds between passes (PHANANH_SWEEP_INTERVAL_SECONDS)")]
    = None,
) -> None:
    """Run the SLA sweep and the notification delivery in their own process (production)."""
    import logging

    from phananh.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _checked_settings()
    from phananh.ops.logging import configure as configure_logging

    configure_logging(settings.log_format)  # JSON lines when PHANANH_LOG_FORMAT=json
    if interval is not None:
        settings = settings.model_copy(update={"sweep_interval_seconds": interval})
    asyncio.run(run_worker(settings))


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[str, typer.Option(help="dispatcher, handler, agency_leader, supervisor, admin")],
    password: Annotated[str | None, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = None,
    agency: Annotated[str | None, typer.Option(help="agency code, for handlers and agency leaders")] = None,
    full_name: str = "",
    phone: str | None = None,
    email: str | None = None,
) -> None:
    """Create a staff user."""
    from sqlalchemy import select

    from phananh.auth import service
    from phananh.cli_support import in_transaction
    from phananh.directory.tables import agencies
    from phananh.workflow import Role

    if role not in {r.value for r in Role} or role in ("anonymous", "system", "citizen"):
        raise typer.BadParameter(f"unknown staff role {role!r}", param_hint="--role")
    if password:
        from phananh.auth.passwords import password_problem

        if problem := password_problem(password):
            raise typer.BadParameter(problem.message.format(**problem.params), param_hint="--password")

    async def _create(conn):
        agency_id = None
        if agency:
            agency_id = (await conn.execute(select(agencies.c.id).where(agencies.c.code == agency))).scalar()
            if agency_id is None:
                raise typer.BadParameter(f"unknown agency {agency!r}", param_hint="--agency")
        return await service.create_user(conn, username=username, password=password, role=role,
                                         full_name=full_name, agency_id=agency_id, phone=phone, email=email)

    user_id = in_transaction(_create)
    typer.echo(f"User {username} created (id {user_id}).")


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="csv, xlsx or json")] = "csv",
    output: Annotated[str | None, typer.Option(help="file to write (csv/json: standard output when absent)")] = None,
    user: Annotated[str, typer.Option(help="the staff account whose scope and rights apply; recorded")] = "admin",
    status: Annotated[str | None, typer.Option(help="one status or a comma list")] = None,
    category: str | None = None,
    agency: str | None = None,
    area: str | None = None,
    date_from: Annotated[str | None, typer.Option("--from", help="ISO 8601 with offset")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="ISO 8601 with offset")] = None,
) -> None:
    """Export reports and their results (the API's export, to a file), recorded like every export."""
    from phananh.exports.cli import export_to_file, parse_moment
    from phananh.reports.queries import ReportFilter

    if format not in ("csv", "xlsx", "json"):
        raise typer.BadParameter("csv, xlsx or json", param_hint="--format")
    try:
        f = ReportFilter(status=status.split(",") if status else None, category=category, agency=agency, area=area,
                         date_from=parse_moment(date_from), date_to=parse_moment(date_to))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from/--to")
    try:
        rows = asyncio.run(export_to_file(get_settings().database_url, username=user, fmt=format, output=output, f=f))
    except LookupError as exc:
        raise typer.BadParameter(str(exc), param_hint="--user")
    typer.echo(f"{rows} reports exported.", err=True)


async def _rules():
    from phananh.db import create_engine
    from phananh.sla import service as sla

    engine = create_engine(get_settings().database_url)
    try:
        async with engine.connect() as conn:
            return await sla.load_rules(conn)
    finally:
        await engine.dispose()


def _rules_or_default():
    """The server's calendar and policy; the library's defaults when no database exists yet."""
    from phananh.db import is_sqlite
    from phananh.sla import FALLBACK_POLICY, WorkingCalendar

    settings = get_settings()
    url = settings.database_url
    if is_sqlite(url):
        from sqlalchemy.engine import make_url

        path = make_url(url).database
        if not path or not os.path.exists(path):
            year = datetime.now().year
            return FALLBACK_POLICY, WorkingCalendar.default_for_years(range(year - 1, year + 3))
    try:
        policy, calendar = asyncio.run(_rules())
    except Exception:
        year = datetime.now().year
        return FALLBACK_POLICY, WorkingCalendar.default_for_years(range(year - 1, year + 3))
    return policy, calendar


@calendar_app.command("days-off")
def days_off(year: int) -> None:
    """One line per declared day off of YEAR: ISO date, then its name."""
    from phananh.sla import WorkingCalendar, seed_days

    _policy, calendar = _rules_or_default()
    if not any(calendar.declared(d.day) for d in seed_days(year)):
        calendar = WorkingCalendar(seed_days(year))
    for day, name in calendar.days_off(year):
        typer.echo(f"{day.isoformat()} {name}")


@calendar_app.command("deadline")
def calendar_deadline(
    stage: Annotated[str, typer.Option(help="distribute, return, respond or publish")],
    start: Annotated[str, typer.Option(help="ISO 8601 with offset, e.g. 2026-12-02T09:15:00+07:00")],
    mode: Annotated[str | None, typer.Option(help="day_type or office_hours")] = None,
    urgent: bool = False,
) -> None:
    """Print the deadline of a stage clock started at START, as ISO 8601 with +07:00."""
    from dataclasses import replace

    from phananh.sla import TZ, deadline, seed_days

    if stage not in ("distribute", "return", "respond", "publish"):
        raise typer.BadParameter("stage must be distribute, return, respond or publish", param_hint="--stage")
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter("not an ISO 8601 date-time", param_hint="--start")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)  # a local time without offset is read as Vietnam's
    if mode is not None and mode not in ("day_type", "office_hours"):
        raise typer.BadParameter("mode must be day_type or office_hours", param_hint="--mode")
    policy, calendar = _rules_or_default()
    if not any(calendar.declared(d.day) for d in seed_days(moment.year)):
        from phananh.sla import WorkingCalendar

        calendar = WorkingCalendar(seed_days(moment.year - 1) + seed_days(moment.year) + seed_days(moment.year + 1))
    if mode:
        policy = replace(policy, mode=mode)
    due = deadline(moment, stage, policy, calendar, urgent=urgent)
    typer.echo(due.astimezone(TZ).isoformat())


@app.command()
def move(
    to: Annotated[str, typer.Option("--to", help="the new, empty database, e.g. postgresql+asyncpg://user@host/db")],
    media_to: Annotated[str | None, typer.Option(help="copy the media here too (file:///path or "
                                                         "s3://bucket/prefix); else they stay where they are")] = None,
    batch_rows: Annotated[int, typer.Option(min=1, help="rows per copied batch (one transaction each)")] = 5_000,
) -> None:
    """Copy this install (PHANANH_DATABASE_URL, every table, the sequences, the media) into a new, empty database,
    then print each table's rows and checksum on both sides. Stop the servers first. Re-run after an interruption."""
    from phananh import move as mv

    settings = get_settings()
    try:
        typer.echo(f"Moving {mv.shown(settings.database_url)} → {mv.shown(mv.normalise_url(to))}")
        result = asyncio.run(mv.move(settings.database_url, to, settings=settings, media_to=media_to,
                                     batch_rows=batch_rows))
    except mv.MoveRefused as exc:
        typer.echo(f"Refused: {exc}", err=True)
        raise typer.Exit(1)
    except mv.MoveFailed as exc:
        typer.echo(f"Stopped: {exc}", err=True)
        raise typer.Exit(1)
    for line in mv.report_lines(result):
        typer.echo(line)
    if not result.ok:
        typer.echo("The move did NOT verify: keep using the old database; the target keeps its progress marker.",
                   err=True)
        raise typer.Exit(1)
    typer.echo("Moved and verified" + (" (resumed)" if result.resumed else "") + ". Now set PHANANH_DATABASE_URL"
               + (f" and PHANANH_MEDIA_URL={media_to}" if media_to else "") + " to the new location.")


def main() -> None:
    app()
