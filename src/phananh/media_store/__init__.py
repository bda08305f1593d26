"""Where media files live: a local folder (`file://…`, the default: `media_dir`) or a bucket of any S3-compatible
store (`s3://bucket/prefix`), chosen by `settings.media_url`.

A key is the relative path kept in `media.path` and `media_derivatives.path` (`ab/<sha256>.jpg`,
`derived/ab/<sha256>.jpg`): the same in every store, so moving the files (`phananh media migrate`) changes no row.
Every method is blocking (disk or network): call it in a thread. `put_*` returns only once the object is durable.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from phananh.config import Settings

__all__ = ["MediaStore", "Opened", "StoreUnavailable", "media_url", "open_store", "store_for"]

CHUNK = 256 * 1024  # streamed answers and copies move this much at a time


class StoreUnavailable(Exception):
    """The store did not answer, or refused (network, credentials, a 5xx): the caller answers 503."""


@dataclass
class Opened:
    """An object being read: its size and its bytes in chunks; `close` releases the file or connection."""

    size: int
    chunks: Iterator[bytes]
    close: Callable[[], None] = field(default=lambda: None)


class MediaStore(ABC):
    url: str
    incoming: Path  # where a video is spooled while it is checked (local disk, whatever the store)

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, durably, before returning (an existing key is left as it is: same content)."""

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        """Store a local file under `key`, durably; `move`: the file is consumed (renamed or deleted)."""

    @abstractmethod
    def open(self, key: str) -> Opened | None:
        """The object to stream, or None when there is none."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is none."""

    @abstractmethod
    def keys(self) -> Iterator[tuple[str, int]]:
        """Every object's key and size (for `phananh media migrate`)."""

    @abstractmethod
    def check(self) -> None:
        """Raise StoreUnavailable unless the store can be written (readiness probe)."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def get_bytes(self, key: str) -> bytes:
        opened = self.open(key)
        if opened is None:
            raise FileNotFoundError(f"{self.url}: no object {key}")
        try:
            return b"".join(opened.chunks)
        finally:
            opened.close()

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine, when there is one (served with sendfile and ranges)."""
        return None


def media_url(settings: Settings) -> str:
    """The configured store's URL: `media_url`, else the `media_dir` folder as a file URL."""
    if settings.media_url:
        return settings.media_url
    return "file://" + str(Path(settings.media_dir))


_stores: dict[tuple, MediaStore] = {}
_lock = threading.Lock()


def store_for(settings: Settings) -> MediaStore:
    """The configured store, one per process and configuration (an S3 client takes a second to build)."""
    return open_store(media_url(settings), settings)


def open_store(url: str, settings: Settings) -> MediaStore:
    secret = settings.aws_secret_access_key.get_secret_value() if settings.aws_secret_access_key else None
    cache_key = (url, str(settings.media_dir), settings.s3_endpoint_url, settings.aws_access_key_id, secret,
                 settings.aws_region, settings.s3_timeout_seconds)
    with _lock:
        store = _stores.get(cache_key)
        if store is None:
            store = _stores[cache_key] = _build(url, settings)
        return store


def _build(url: str, settings: Settings) -> MediaStore:
    parts = urlsplit(url)
    if parts.scheme == "file":
        from phananh.media_store.files import FileStore

        # file:///abs/path → /abs/path; file://var/media (no host in the usual sense) → the relative var/media.
        return FileStore(Path(parts.netloc + parts.path) if parts.netloc else Path(parts.path))
    if parts.scheme == "s3":
        from phananh.media_store.s3 import S3Store

        if not parts.netloc:
            raise ValueError(f"PHANANH_MEDIA_URL {url!r} names no bucket (s3://bucket/prefix)")
        return S3Store(url, bucket=parts.netloc, prefix=parts.path.strip("/"), settings=settings,
                       incoming=Path(settings.media_dir) / ".incoming")
    raise ValueError(f"PHANANH_MEDIA_URL {url!r}: use file:///path or s3://bucket/prefix")


async def ready_check(request) -> None:
    """GET /ready's check of a bucket store (phananh.ops.health): the bucket answers with these credentials."""
    import asyncio

    await asyncio.to_thread(store_for(request.app.state.settings).check)
