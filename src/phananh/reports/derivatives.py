"""Public derivatives of photos (issue 9): the original stays with staff; everyone else gets a copy re-encoded
without any metadata, with faces and number plates blurred and a dispatcher's boxes applied.

A durable job, outside every request: `process_due` (called by the worker every `derivative_interval_seconds`)
gives each photo without a derivative a pending row, claims due rows, builds the copy in a thread, and marks it
ready, or retries with backoff and marks it failed after `derivative_max_attempts`. Nothing is added to the submit:
the worker finds new photos by an anti-join on media ids. Until a derivative is ready the public sees no photo.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from PIL import Image, ImageFilter
from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from phananh.config import Settings
from phananh.db import utcnow
from phananh.domain_errors import InvalidInput
from phananh.media_store import store_for
from phananh.ops.outage import DatabaseOutage
from phananh.reports.photos import decode_photo, encode_jpeg
from phananh.reports.tables import identity_reads, media, media_derivatives

log = logging.getLogger("phananh.derivatives")

LEASE = timedelta(minutes=2)  # a claimed job whose worker died is claimable again after this
AUTO_PAD = 0.25  # an automatic box grows by a quarter of its size on every side: detectors crop hair, chins, ears
RECENT_WINDOW = 10_000  # each pass looks for new photos among the latest media ids only; a full pass now and then
FULL_SCAN_EVERY = 300

PENDING, READY, FAILED = "pending", "ready", "failed"


@dataclass
class Processed:
    enqueued: int = 0
    ready: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


_passes = 0


async def process_due(engine: AsyncEngine, settings: Settings, *, now: datetime | None = None,
                      limit: int | None = None) -> Processed:
    """One pass of the job: enqueue new photos, then build up to `limit` due derivatives."""
    global _passes
    now = now or utcnow()
    out = Processed()
    full = _passes % FULL_SCAN_EVERY == 0
    _passes += 1
    async with engine.begin() as conn:
        out.enqueued = await enqueue_missing(conn, now=now, full=full)
    for job in await _claim(engine, now=now, limit=limit or settings.derivative_batch):
        try:
            path, auto = await asyncio.to_thread(build, job, settings)
        except Exception as exc:  # any failure is the job's: recorded, retried, never raised into the worker
            log.warning("photo derivative %s failed (attempt %s): %s", job["media_id"], job["attempts"], exc)
            async with engine.begin() as conn:
                final = await _fail(conn, job, str(exc)[:500], settings=settings, now=now)
            (out.failed if final else out.retrying).append(job["media_id"])
            continue
        async with engine.begin() as conn:
            await conn.execute(update(media_derivatives).where(
                media_derivatives.c.media_id == job["media_id"], media_derivatives.c.revision == job["revision"],
            ).values(status=READY, path=path, auto_boxes=auto, error=None, next_attempt_at=None, updated_at=utcnow()))
        out.ready.append(job["media_id"])
    return out


async def enqueue_missing(conn: AsyncConnection, *, now: datetime, full: bool = False) -> int:
    """A pending row for each photo that has none (new photos of any entry: submit, resolve, Open311, web)."""
    newest = (await conn.execute(select(func.max(media_derivatives.c.media_id)))).scalar()
    floor = 0 if full or newest is None else max(0, newest - RECENT_WINDOW)
    missing = select(media.c.id).where(
        media.c.id > floor, media.c.kind == "photo",
        ~exists().where(media_derivatives.c.media_id == media.c.id),
    ).order_by(media.c.id).limit(1000)
    ids = [r[0] for r in (await conn.execute(missing)).all()]
    if not ids:
        return 0
    stmt = _insert_ignoring_duplicates(conn).values([_pending(mid, now) for mid in ids])
    result = await conn.execute(stmt)
    return result.rowcount if result.rowcount and result.rowcount > 0 else len(ids)


def _pending(media_id: int, now: datetime, **extra) -> dict:
    row = {"media_id": media_id, "status": PENDING, "attempts": 0, "next_attempt_at": None, "revision": 0,
           "updated_at": now}
    row.update(extra)
    return row


def _insert_ignoring_duplicates(conn: AsyncConnection):
    """Two workers may find the same new photo: the second insert does nothing."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(media_derivatives).on_conflict_do_nothing(index_elements=["media_id"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(media_derivatives).on_conflict_do_nothing(index_elements=["media_id"])


async def _claim(engine: AsyncEngine, *, now: datetime, limit: int) -> list[dict]:
    """Due jobs, each taken by one worker only: a lease is written before any work starts."""
    due = and_(media_derivatives.c.status == PENDING,
               or_(media_derivatives.c.next_attempt_at.is_(None), media_derivatives.c.next_attempt_at <= now))
    claimed = []
    async with engine.begin() as conn:
        q = (select(media_derivatives, media.c.path.label("original_path"))
             .join(media, media.c.id == media_derivatives.c.media_id)
             .where(due).order_by(media_derivatives.c.media_id).limit(limit))
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True, of=media_derivatives)
        for row in (await conn.execute(q)).mappings().all():
            taken = await conn.execute(update(media_derivatives).where(
                media_derivatives.c.media_id == row["media_id"], media_derivatives.c.revision == row["revision"], due,
            ).values(next_attempt_at=now + LEASE, attempts=media_derivatives.c.attempts + 1))
            if taken.rowcount == 1:
                claimed.append({**dict(row), "attempts": row["attempts"] + 1})
    return claimed


async def _fail(conn: AsyncConnection, job: dict, error: str, *, settings: Settings, now: datetime) -> bool:
    final = job["attempts"] >= settings.derivative_max_attempts
    backoff = timedelta(seconds=min(3600, 5 * 2 ** job["attempts"]))
    await conn.execute(update(media_derivatives).where(
        media_derivatives.c.media_id == job["media_id"], media_derivatives.c.revision == job["revision"],
    ).values(status=FAILED if final else PENDING, error=error, next_attempt_at=None if final else now + backoff,
             updated_at=utcnow()))
    return final


def build(job: dict, settings: Settings) -> tuple[str, list[dict]]:
    """Decode the original, blur, re-encode without metadata, store; returns (relative path, automatic boxes)."""
    original = store_for(settings).get_bytes(job["original_path"])  # the store down: the job is retried
    img = decode_photo(original, name=f"media {job['media_id']}")
    rgb = np.asarray(img.convert("RGB"))
    auto = job["auto_boxes"]
    if auto is None:
        from phananh.reports import detect  # OpenCV and the model load in the worker only, not in every server

        auto = [b.as_dict() for b in detect.detect(rgb)]
    hidden = set(job["hidden_auto"] or ())
    boxes = [(b, AUTO_PAD) for i, b in enumerate(auto) if i not in hidden]
    boxes += [(b, 0.0) for b in job["manual_boxes"] or ()]
    # A new image from the pixels alone: nothing of the original's info (EXIF, XMP, ICC, comments) can follow.
    clean = blur_boxes(Image.fromarray(rgb), boxes)
    data = encode_jpeg(clean, keep_exif=None, max_side=settings.derivative_max_side)
    return _write(data, settings), auto


def blur_boxes(img: Image.Image, boxes: list[tuple[dict, float]]) -> Image.Image:
    """A Gaussian blur over each box (grown by its pad), its radius scaled to the box: what was there is gone."""
    out = img.copy()
    width, height = img.size
    for box, pad in boxes:
        x, y, w, h = int(box["x"]), int(box["y"]), int(box["w"]), int(box["h"])
        x0, y0 = max(0, int(x - pad * w)), max(0, int(y - pad * h))
        x1, y1 = min(width, int(x + w + pad * w)), min(height, int(y + h + pad * h))
        if x1 <= x0 or y1 <= y0:
            continue
        radius = max(4.0, 0.12 * max(x1 - x0, y1 - y0))
        region = out.crop((x0, y0, x1, y1))
        # Shrink first so that the blur's cost does not grow with the box; the result is as smooth.
        small = region.resize((max(1, (x1 - x0) // 4), max(1, (y1 - y0) // 4)), Image.Resampling.BOX)
        small = small.filter(ImageFilter.GaussianBlur(radius / 4))
        out.paste(small.resize(region.size, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(2)), (x0, y0))
    return out


def _write(data: bytes, settings: Settings) -> str:
    """Stored by content hash in the originals' store, whole before it is named (no torn file is served)."""
    digest = hashlib.sha256(data).hexdigest()
    rel = f"derived/{digest[:2]}/{digest}.jpg"
    store_for(settings).put_bytes(rel, data, "image/jpeg")
    return rel


async def request_redaction(conn: AsyncConnection, report_id: int, items: list[dict],
                            now: datetime | None = None) -> None:
    """A dispatcher's boxes for photos of `report_id` (H6's `redact` action, in its transaction).

    Each item `{"id", "boxes": [{"x","y","w","h"}], "hide_auto": [i, ...]}` replaces that photo's manual boxes and
    hidden automatic boxes; its derivative is withdrawn from the public until the worker has built it again."""
    now = now or utcnow()
    ids = [int(item["id"]) for item in items]
    rows = {r["id"]: r for r in (await conn.execute(
        select(media.c.id, media.c.kind, media.c.report_id).where(media.c.id.in_(ids))
    )).mappings().all()}
    for item in items:
        row = rows.get(int(item["id"]))
        if row is None or row["report_id"] != report_id or row["kind"] != "photo":
            raise InvalidInput("unknown_photo", "This report has no photo {id}.", details={"field": "media"},
                               id=item["id"])
    existing = {r[0]: r[1] for r in (await conn.execute(
        select(media_derivatives.c.media_id, media_derivatives.c.auto_boxes).where(media_derivatives.c.media_id.in_(ids))
    )).all()}
    for item in items:
        mid = int(item["id"])
        manual = [{k: int(b[k]) for k in ("x", "y", "w", "h")} for b in item.get("boxes") or ()]
        hidden = sorted({int(i) for i in item.get("hide_auto") or ()})
        if mid in existing:
            known = len(existing[mid] or ())
            if any(i < 0 or (existing[mid] is not None and i >= known) for i in hidden):
                raise InvalidInput("unknown_box", "Photo {id} has no automatic box number {index}.",
                                   details={"field": "media"}, id=mid, index=max(hidden))
            await conn.execute(update(media_derivatives).where(media_derivatives.c.media_id == mid).values(
                status=PENDING, attempts=0, next_attempt_at=None, revision=media_derivatives.c.revision + 1,
                manual_boxes=manual, hidden_auto=hidden, error=None, updated_at=now))
        else:
            await conn.execute(insert(media_derivatives).values(
                _pending(mid, now, manual_boxes=manual, hidden_auto=hidden)))


async def log_original_read(conn: AsyncConnection, media_row: dict, principal, *, now: datetime) -> None:
    """An original carries what the public copy hides (position, camera, faces): its reads are kept like identity
    reads (ARCHITECTURE §5)."""
    await conn.execute(insert(identity_reads).values(report_id=media_row["report_id"], user_id=principal.user_id,
                                                     at=now, via=f"media_original:{media_row['id']}"))


async def derivative_of(conn: AsyncConnection, media_id: int) -> dict | None:
    row = (await conn.execute(select(media_derivatives).where(media_derivatives.c.media_id == media_id))).mappings().first()
    return dict(row) if row else None


async def statuses(conn: AsyncConnection, media_ids: list[int]) -> dict[int, dict]:
    """Derivative status and boxes per photo id (absent: not seen by the worker yet, i.e. pending)."""
    if not media_ids:
        return {}
    rows = (await conn.execute(select(
        media_derivatives.c.media_id, media_derivatives.c.status, media_derivatives.c.auto_boxes,
        media_derivatives.c.manual_boxes, media_derivatives.c.hidden_auto, media_derivatives.c.error,
    ).where(media_derivatives.c.media_id.in_(media_ids)))).mappings().all()
    return {r["media_id"]: dict(r) for r in rows}


async def run_derivatives(engine: AsyncEngine, settings: Settings, *, stop: asyncio.Event) -> None:
    """The worker's loop: a pass every `derivative_interval_seconds` (sooner while there is more to do)."""
    database = DatabaseOutage("photo derivatives", log)
    while not stop.is_set():
        busy = False
        try:
            done = await process_due(engine, settings)
            database.recovered()
            busy = len(done.ready) + len(done.retrying) + len(done.failed) >= settings.derivative_batch
            if done.ready or done.failed:
                log.info("photo derivatives: %s ready, %s retrying, %s failed", len(done.ready), len(done.retrying),
                         len(done.failed))
        except Exception as exc:
            database.failed_pass(exc)
        if busy:
            await asyncio.sleep(0)
            continue
        try:
            await asyncio.wait_for(stop.wait(), timeout=database.next_wait(settings.derivative_interval_seconds))
        except TimeoutError:
            pass
