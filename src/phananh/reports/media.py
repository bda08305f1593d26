"""Photos and short videos: type checked by content, size limited, stored by content hash."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, UnidentifiedImageError

from phananh.config import Settings
from phananh.errors import ApiError

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "image/heif": "heif",
        "video/mp4": "mp4", "video/quicktime": "mov"}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str  # as detected from the bytes, never as declared
    kind: str  # photo | video
    sha256: str


def check_upload(filename: str, data: bytes, settings: Settings) -> Upload:
    """Refuse what is not a photo or a short video, by looking at the bytes themselves."""
    guess = filetype.guess(data[:8192]) if data else None
    mime = guess.mime if guess else None
    if mime in PHOTO_TYPES:
        if len(data) > settings.max_photo_bytes:
            raise ApiError(413, "file_too_large", "The file {name} is larger than the limit of {limit} MB.",
                           name=filename, limit=settings.max_photo_bytes // 2**20)
        if mime in {"image/jpeg", "image/png", "image/webp"}:
            _verify_image(filename, data)
        kind = "photo"
    elif mime in VIDEO_TYPES:
        if len(data) > settings.max_video_bytes:
            raise ApiError(413, "file_too_large", "The file {name} is larger than the limit of {limit} MB.",
                           name=filename, limit=settings.max_video_bytes // 2**20)
        kind = "video"
    else:
        raise ApiError(415, "unsupported_file_type",
                       "The file {name} is not a photo (JPEG, PNG, WebP, HEIC) or a video (MP4).", name=filename)
    return Upload(filename, data, mime, kind, hashlib.sha256(data).hexdigest())


def _verify_image(filename: str, data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ApiError(415, "unsupported_file_type", "The file {name} is not a valid image.", name=filename)


async def store_all(uploads: list[Upload], settings: Settings) -> list[str]:
    """`store` each upload in a worker thread: an fsync takes milliseconds, and in the event loop it would hold up
    every other request of the process (under `make bench` the photo run's p99 was five times the JSON run's)."""
    if not uploads:
        return []
    return await asyncio.to_thread(lambda: [store(u, settings) for u in uploads])


def store(upload: Upload, settings: Settings) -> str:
    """Write the file durably (fsync) before the report that references it commits; returns the relative path."""
    rel = f"{upload.sha256[:2]}/{upload.sha256}.{_EXT[upload.content_type]}"
    path = Path(settings.media_dir) / rel
    if not path.exists():
        new_dir = not path.parent.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp" + str(os.getpid()))
        with open(tmp, "wb") as f:
            f.write(upload.data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        # The file's name is durable only once its directory is: else a power cut could keep the row, not the file.
        _fsync_dir(path.parent)
        if new_dir:
            _fsync_dir(path.parent.parent)
    return rel


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_path(rel: str, settings: Settings) -> Path:
    return Path(settings.media_dir) / rel
