"""Media in a local folder (the embedded setup): each file written whole, fsynced with its directory."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from phananh.media_store import CHUNK, MediaStore, Opened, StoreUnavailable

_SKIP_DIRS = {".incoming"}


class FileStore(MediaStore):
    def __init__(self, root: Path):
        self.root = root
        self.url = "file://" + str(root)
        self.incoming = root / ".incoming"

    def _path(self, key: str) -> Path:
        path = self.root / key
        if ".." in Path(key).parts or Path(key).is_absolute():
            raise ValueError(f"bad media key {key!r}")
        return path

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():
            return
        new_dir = self._mkdir(path.parent)
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self._sync_name(path, new_dir)

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        target = self._path(key)
        if target.exists():
            if move:
                path.unlink(missing_ok=True)
            return
        new_dir = self._mkdir(target.parent)
        if move:
            try:
                os.replace(path, target)  # a spooled video, already fsynced, on the same file system
            except OSError:
                self._copy(path, target)
                path.unlink(missing_ok=True)
        else:
            self._copy(path, target)
        self._sync_name(target, new_dir)

    def _copy(self, source: Path, target: Path) -> None:
        tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
        with open(source, "rb") as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)

    def _mkdir(self, directory: Path) -> bool:
        if directory.exists():
            return False
        directory.mkdir(parents=True, exist_ok=True)
        return True

    def _sync_name(self, path: Path, new_dir: bool) -> None:
        # The file's name is durable only once its directory is: else a power cut could keep the row, not the file.
        _fsync_dir(path.parent)
        if new_dir:
            _fsync_dir(path.parent.parent)

    def open(self, key: str) -> Opened | None:
        try:
            f = open(self._path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        size = os.fstat(f.fileno()).st_size

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := f.read(CHUNK):
                    yield chunk
            finally:
                f.close()

        return Opened(size, chunks(), f.close)

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def keys(self) -> Iterator[tuple[str, int]]:
        for directory, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            for name in sorted(files):
                if ".tmp" in name or name.endswith(".part"):  # a write in progress, not an object
                    continue
                path = Path(directory) / name
                yield path.relative_to(self.root).as_posix(), path.stat().st_size

    def check(self) -> None:
        if not (self.root.is_dir() and os.access(self.root, os.W_OK)):
            raise StoreUnavailable(f"{self.root} is not a writable folder")

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
