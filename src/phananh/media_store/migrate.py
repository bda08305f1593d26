"""Copy every object of one media store into another (`phananh media migrate --to s3://bucket/prefix`).

Keys stay the same, so no database row changes: once the copy is verified, point PHANANH_MEDIA_URL at the target.
Idempotent: a key already in the target with the same size is skipped, so an interrupted run is simply re-run.
Verified: each copy's size is read back from the target; originals and derivatives are named by the sha256 of
their bytes, so `verify_hashes` also checks the bytes read from the source against their name.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from phananh.media_store import MediaStore, StoreUnavailable

_HASH_NAME = re.compile(r"(?:^|/)([0-9a-f]{64})\.[a-z0-9]+$")


@dataclass
class Copied:
    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    failed: list[str] = field(default_factory=list)  # "key: why"

    @property
    def total(self) -> int:
        return self.copied + self.skipped + len(self.failed)


def migrate(source: MediaStore, target: MediaStore, *, verify_hashes: bool = True,
            progress: Callable[[str], None] = lambda line: None, every: int = 100) -> Copied:
    out = Copied()
    for key, size in source.keys():
        try:
            if target.size(key) == size:
                out.skipped += 1
            else:
                _copy(source, target, key, size, verify_hashes)
                out.copied += 1
                out.bytes_copied += size
        except StoreUnavailable:
            raise  # the target is down: nothing more can be copied
        except Exception as exc:  # one bad file (unreadable, wrong hash) does not stop the others
            out.failed.append(f"{key}: {exc}")
        if out.total % every == 0:
            progress(f"{out.total} files: {out.copied} copied, {out.skipped} already there, {len(out.failed)} failed")
    return out


def _copy(source: MediaStore, target: MediaStore, key: str, size: int, verify_hashes: bool) -> None:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    expected = _HASH_NAME.search(key)
    local = source.local_path(key)
    with tempfile.TemporaryDirectory(prefix="phananh-media-") as tmp:
        if local is None or (verify_hashes and expected):
            # Read once (through a local file, never whole in memory), hashing on the way.
            local = Path(tmp) / "object"
            digest = hashlib.sha256()
            opened = source.open(key)
            if opened is None:
                raise FileNotFoundError("gone from the source")
            try:
                with open(local, "wb") as f:
                    for chunk in opened.chunks:
                        digest.update(chunk)
                        f.write(chunk)
            finally:
                opened.close()
            if verify_hashes and expected and digest.hexdigest() != expected.group(1):
                raise ValueError(f"its bytes do not match its name (sha256 {digest.hexdigest()[:12]}…)")
        target.put_file(key, local, content_type)
    copied = target.size(key)
    if copied != size:
        raise ValueError(f"the target holds {copied} bytes, the source {size}")
