"""Photos and short videos: type checked by content, photos decoded and re-encoded (reports.photos), videos
checked by structure (reports.videos), size limited, stored by content hash in the media store (phananh.media_store:
a local folder or an S3 bucket) and served from it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO
from urllib.parse import quote

import filetype
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy import select

from phananh.config import Settings
from phananh.errors import ApiError
from phananh.media_store import StoreUnavailable, store_for
from phananh.reports.codes import report_code
from phananh.reports.photos import decode_photo, encode_jpeg
from phananh.reports.tables import reports
from phananh.reports.videos import probe_video

__all__ = ["Upload", "accept_upload", "check_upload", "content_disposition", "decode_photo", "download_name",
           "encode_jpeg", "media_response", "store", "store_all", "unavailable"]

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "image/heif": "heif",
        "video/mp4": "mp4", "video/quicktime": "mov"}
_CHUNK = 1024 * 1024
log = logging.getLogger("phananh.media")


@dataclass(frozen=True, eq=False)
class Upload:
    filename: str
    data: bytes  # a photo as it will be stored (re-encoded JPEG); empty for a video, which waits on disk in `spooled`
    content_type: str  # of what is stored, found from the bytes, never as declared
    kind: str  # photo | video
    sha256: str
    size: int = -1
    spooled: Path | None = None  # a checked video, moved into place by `store` (deleted if never stored)

    def __post_init__(self):
        if self.size < 0:
            object.__setattr__(self, "size", len(self.data))
        if self.spooled is not None:
            weakref.finalize(self, _unlink_quietly, self.spooled)


def check_upload(filename: str, data: bytes, settings: Settings) -> Upload | None:
    """Refuse what is not a photo or a short video, by looking at the bytes themselves (CPU-bound: call it in a
    thread, as `accept_upload` does); None for empty `data`."""
    with tempfile.SpooledTemporaryFile(max_size=_CHUNK) as f:
        f.write(data)
        return _accept(f, filename, settings)


async def accept_upload(file: BinaryIO, filename: str, settings: Settings) -> Upload | None:
    """`check_upload` for a spooled form file, read in a worker thread (a photo's decoding and re-encoding takes
    tens to hundreds of milliseconds); None for an empty file."""
    return await asyncio.to_thread(_accept, file, filename, settings)


def _accept(f: IO[bytes], name: str, settings: Settings) -> Upload | None:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    if size == 0:
        return None
    f.seek(0)
    guess = filetype.guess(f.read(8192))
    mime = guess.mime if guess else None
    if mime in PHOTO_TYPES:
        _check_size(name, size, settings.max_photo_bytes)
        f.seek(0)
        img = decode_photo(f.read(), name=name, max_pixels=settings.max_photo_pixels)
        data = encode_jpeg(img, keep_exif=img.info.get("exif") or None, max_side=settings.photo_max_side,
                           quality=settings.photo_jpeg_quality)
        return Upload(name, data, "image/jpeg", "photo", hashlib.sha256(data).hexdigest())
    if mime in VIDEO_TYPES:
        _check_size(name, size, settings.max_video_bytes)
        path, digest = _spool(f, settings)
        try:
            content_type = probe_video(path, name=name, max_seconds=settings.max_video_seconds,
                                       timeout=settings.ffprobe_timeout_seconds)
        except BaseException:
            _unlink_quietly(path)
            raise
        return Upload(name, b"", content_type, "video", digest, size=size, spooled=path)
    raise ApiError(415, "unsupported_file_type",
                   "The file {name} is not a photo (JPEG, PNG, WebP, HEIC) or a video (MP4).", name=name)


def _check_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise ApiError(413, "file_too_large", "The file {name} is larger than the limit of {limit} MB.",
                       name=name, limit=limit // 2**20)


def _spool(f: IO[bytes], settings: Settings) -> tuple[Path, str]:
    """Copy a video to a durable temporary file on local disk (for a folder store, beside it: `store` moves it)."""
    incoming = store_for(settings).incoming
    incoming.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=incoming, suffix=".part")
    digest = hashlib.sha256()
    f.seek(0)
    with os.fdopen(fd, "wb") as out:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return Path(name), digest.hexdigest()


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


async def store_all(uploads: Sequence[Upload], settings: Settings) -> list[str]:
    """`store` each upload in a worker thread: an fsync or an upload takes milliseconds, and in the event loop it
    would hold up every other request of the process (under `make bench` the photo run's p99 was five times the
    JSON run's). The store down: 503 `media_store_unavailable`, raised before the report is written."""
    if not uploads:
        return []
    try:
        return await asyncio.to_thread(lambda: [store(u, settings) for u in uploads])
    except StoreUnavailable as exc:
        raise unavailable(settings, exc) from exc


def store(upload: Upload, settings: Settings) -> str:
    """Put the file in the media store, durably, before the report that references it commits; returns its key."""
    rel = f"{upload.sha256[:2]}/{upload.sha256}.{_EXT[upload.content_type]}"
    media_store = store_for(settings)
    if upload.spooled is not None:  # a video, already written and fsynced by `_spool`
        media_store.put_file(rel, upload.spooled, upload.content_type, move=True)
    else:
        media_store.put_bytes(rel, upload.data, upload.content_type)
    return rel


def unavailable(settings: Settings, exc: Exception) -> ApiError:
    log.warning("media store unavailable: %s", exc)
    return ApiError(503, "media_store_unavailable", "Photos and videos cannot be saved or read right now; "
                    "please try again in a moment.", headers={"Retry-After": str(settings.retry_after_seconds)})


async def media_response(rel: str, content_type: str, settings: Settings, *, headers: dict[str, str]) -> Response:
    """The stored file `rel` as an answer: from a local folder with sendfile (and ranges), from a bucket streamed
    in chunks (never held whole in memory); 404 when the store has no such file, 503 when it does not answer."""
    media_store = store_for(settings)
    path = media_store.local_path(rel)
    if path is not None:
        if not path.is_file():
            raise ApiError(404, "not_found", "Not found: {what}", what="media")
        return FileResponse(path, media_type=content_type, headers=headers)
    try:
        opened = await asyncio.to_thread(media_store.open, rel)
    except StoreUnavailable as exc:
        raise unavailable(settings, exc) from exc
    if opened is None:
        raise ApiError(404, "not_found", "Not found: {what}", what="media")
    return StreamingResponse(opened.chunks, media_type=content_type,
                             headers={**headers, "Content-Length": str(opened.size)})


async def download_name(conn, row: dict) -> str:
    """The name a saved copy gets: the report's code and the media id, e.g. `PA-2026-000123-7.jpg`."""
    created = (await conn.execute(select(reports.c.created_at).where(reports.c.id == row["report_id"]))).scalar()
    code = report_code(row["report_id"], created) if created else "media"
    return f"{code}-{row['id']}.{_EXT.get(row['content_type'], 'bin')}"


def content_disposition(filename: str) -> str:
    """`inline` with an ASCII-safe `filename` and the exact one as RFC 5987 `filename*`."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename) or "media"
    return f"inline; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"
