"""Exports for state bodies: reports as CSV/JSON (streamed) or XLSX (written row by row to a temp file),
and a statistics report per period as XLSX. Every export is recorded: who, when, which filter, how many rows.

Memory stays constant whatever the row count: rows come from a server-side cursor in batches of 2,000,
CSV and JSON are sent batch by batch, and XLSX goes through XlsxWriter's `constant_memory` mode, which
flushes each row to disk as it is written.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from phananh.auth.principal import Principal
from phananh.db import utcnow
from phananh.exports.cells import neutralise, write_xlsx_row
from phananh.exports.rows import batches, columns
from phananh.exports.tables import exports

BOM = "\ufeff"
XLSX_SHEET_ROWS = 1_000_000  # a sheet holds 1,048,576 rows; more go on to the next sheet


async def record_start(engine: AsyncEngine, p: Principal, *, kind: str, fmt: str, filters: dict,
                       identity: bool, now: datetime) -> int:
    async with engine.begin() as conn:
        return (await conn.execute(insert(exports).values(
            user_id=p.user_id, username=p.username, role=p.role.value, kind=kind, format=fmt, filters=filters,
            with_identity=identity, started_at=now).returning(exports.c.id))).scalar_one()


async def record_end(engine: AsyncEngine, export_id: int, rows: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(exports).where(exports.c.id == export_id).values(
            finished_at=utcnow(), row_count=rows))


async def csv_chunks(engine: AsyncEngine, where, *, d, identity: bool, viewer: Principal,
                     export_id: int) -> AsyncIterator[bytes]:
    cols = columns(identity)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([title for _key, title in cols])
    yield (BOM + buf.getvalue()).encode("utf-8")
    count = 0
    async with engine.connect() as conn:
        async for batch in batches(conn, where, d=d, identity=identity, viewer=viewer):
            buf.seek(0)
            buf.truncate()
            writer.writerows([[neutralise(row[key]) for key, _t in cols] for row in batch])
            count += len(batch)
            yield buf.getvalue().encode("utf-8")
    await record_end(engine, export_id, count)


async def json_chunks(engine: AsyncEngine, where, *, d, identity: bool, viewer: Principal,
                      export_id: int) -> AsyncIterator[bytes]:
    yield b"["
    count = 0
    async with engine.connect() as conn:
        async for batch in batches(conn, where, d=d, identity=identity, viewer=viewer):
            text = ",\n".join(json.dumps(row, ensure_ascii=False) for row in batch)
            yield ((",\n" if count else "\n") + text).encode("utf-8")
            count += len(batch)
    yield b"\n]\n"
    await record_end(engine, export_id, count)


async def write_xlsx(engine: AsyncEngine, where, *, d, identity: bool, viewer: Principal, export_id: int) -> str:
    """The export written to a temporary .xlsx file (the caller deletes it after sending)."""
    import xlsxwriter

    cols = columns(identity)
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="phananh-export-")
    os.close(fd)
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    state: dict[str, Any] = {"sheet": None, "row": 0, "sheets": 0}  # the xlsxwriter sheet, its next row

    def new_sheet():
        state["sheets"] += 1
        sheet = book.add_worksheet("Phản ánh" if state["sheets"] == 1 else f"Phản ánh ({state['sheets']})")
        write_xlsx_row(sheet, 0, [title for _k, title in cols], bold)
        state["sheet"], state["row"] = sheet, 1

    def write(batch: list[dict]) -> None:
        for row in batch:
            if state["sheet"] is None or state["row"] > XLSX_SHEET_ROWS:
                new_sheet()
            write_xlsx_row(state["sheet"], state["row"], [row[key] for key, _t in cols])
            state["row"] += 1

    count = 0
    try:
        async with engine.connect() as conn:
            async for batch in batches(conn, where, d=d, identity=identity, viewer=viewer):
                await asyncio.to_thread(write, batch)
                count += len(batch)
        if state["sheet"] is None:
            new_sheet()
        await asyncio.to_thread(book.close)
    except BaseException:
        os.unlink(path)
        raise
    await record_end(engine, export_id, count)
    return path

