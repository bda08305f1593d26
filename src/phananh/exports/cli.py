"""`phananh export`: the reports export of the API, to a file, for a state body's request on the server itself."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime

from sqlalchemy import select

from phananh.auth.principal import Principal
from phananh.auth.tables import users
from phananh.db import create_engine, reading, utcnow
from phananh.exports import service
from phananh.exports.rows import with_identity
from phananh.exports.tables import exports
from phananh.reports import queries as report_queries
from phananh.workflow import Role


async def export_to_file(database_url: str, *, username: str, fmt: str, output: str | None,
                         f: report_queries.ReportFilter) -> int:
    """Write the export as `username` would get it from the API (their scope and rights); returns the row count."""
    engine = create_engine(database_url)
    try:
        async with reading(engine) as conn:
            user = (await conn.execute(select(users).where(users.c.username == username))).mappings().first()
            if user is None or not user["active"] or user["role"] in (Role.citizen, Role.anonymous):
                raise LookupError(f"no active staff user {username!r}")
            viewer = Principal(role=Role(user["role"]), user_id=user["id"], username=username,
                               agency_id=user["agency_id"], area_id=user["area_id"])
            now = utcnow()
            d, where = await report_queries.filter_clause(conn, viewer, f, now=now)
        identity = with_identity(viewer)
        filters = {k: v for k, v in vars(f).items() if v is not None and k not in ("sort", "page", "page_size")}
        export_id = await service.record_start(engine, viewer, kind="reports", fmt=fmt,
                                               filters={k: str(v) for k, v in filters.items()}, identity=identity,
                                               now=now)
        args = dict(d=d, identity=identity, viewer=viewer, export_id=export_id)
        if fmt == "xlsx":
            path = await service.write_xlsx(engine, where, **args)
            shutil.move(path, output or f"phan-anh-{now:%Y%m%d-%H%M}.xlsx")
        else:
            chunks = service.csv_chunks(engine, where, **args) if fmt == "csv" else \
                service.json_chunks(engine, where, **args)
            out = open(output, "wb") if output else sys.stdout.buffer
            try:
                async for chunk in chunks:
                    out.write(chunk)
            finally:
                if output:
                    out.close()
        async with reading(engine) as conn:
            return (await conn.execute(select(exports.c.row_count).where(exports.c.id == export_id))).scalar() or 0
    finally:
        await engine.dispose()


def parse_moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("give a time zone offset, e.g. 2026-12-01T00:00:00+07:00")
    return moment
