"""The floor: the least an intake endpoint can do, written for the benchmark alone.

Same framework (FastAPI), same server command (`phananh serve --app bench.floor_app:app`), same database and
engine settings, and the same `reports` row inserted with one plain SQL statement: no validation, no
directory lookup, no idempotency check, no event, no SLA clock, no outbox. A photo is written and fsynced like
ours (durability is not optional), but not checked. Our intake throughput is read as a fraction of this one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from phananh.config import get_settings
from phananh.db import create_engine, utcnow
from phananh.server.runtime import tune_garbage_collector

INSERT = text(
    "INSERT INTO reports (status, category_id, area_id, urgent, urgent_hint, title, description, lat, lon, address,"
    " language, channel, visibility, anonymous, reporter_name, reporter_phone, reporter_email,"
    " share_identity_with_agency, consent, consent_at, tracking_token, created_at, updated_at, version,"
    " idempotency_key)"
    " VALUES ('received', :category_id, :area_id, false, false, :title, :description, :lat, :lon, :address,"
    " 'vi', 'api', 'public', false, :name, :phone, :email, false, true, :now, :token, :now, :now, 1, :key)"
    " RETURNING id"
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.engine = create_engine(settings.database_url, pool_size=settings.pool_size,
                                     max_overflow=settings.pool_max_overflow)
    app.state.media_dir = Path(settings.media_dir)
    async with app.state.engine.connect() as conn:
        app.state.category_id = (await conn.execute(text("SELECT min(id) FROM categories"))).scalar()
        app.state.area_id = (await conn.execute(text("SELECT min(id) FROM areas"))).scalar()
    yield
    await app.state.engine.dispose()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
tune_garbage_collector()  # the same worker process settings as ours (phananh/asgi.py)


def _store(data: bytes, media_dir: Path) -> None:
    digest = hashlib.sha256(data).hexdigest()
    path = media_dir / digest[:2] / f"{digest}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


@app.post("/api/v1/reports")
async def submit(request: Request):
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        body = json.loads(form["report"])
        for upload in form.getlist("files"):
            _store(await upload.read(), request.app.state.media_dir)
    else:
        body = json.loads(await request.body())
    reporter, location = body.get("reporter") or {}, body.get("location") or {}
    now, token = utcnow(), secrets.token_urlsafe(18)
    params = {
        "category_id": request.app.state.category_id, "area_id": request.app.state.area_id,
        "title": body.get("title") or "", "description": body["description"], "lat": location.get("lat"),
        "lon": location.get("lon"), "address": body.get("address"), "name": reporter.get("name"),
        "phone": reporter.get("phone"), "email": reporter.get("email"), "now": now, "token": token,
        "key": request.headers.get("idempotency-key"),
    }
    async with request.app.state.engine.begin() as conn:
        report_id = (await conn.execute(INSERT, params)).scalar_one()
    return JSONResponse({"id": report_id, "tracking_token": token, "status": "received"}, status_code=201)
