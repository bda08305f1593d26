"""Videos are checked by their structure, not by their first bytes: ISO-BMFF boxes that fill the file, then
`ffprobe` (Debian's ffmpeg) must find an MP4/MOV container with a video stream no longer than the limit."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

from phananh.errors import ApiError

_CONTAINERS = {"mov", "mp4"}


def probe_video(path: Path, *, name: str, max_seconds: float, timeout: float) -> str:
    """The video's content type (video/mp4 or video/quicktime); 415 for anything that is not a short real video."""
    if not _boxes_fill(path):
        raise _not_a_video(name)
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:  # never accept a video unchecked
        raise ApiError(415, "video_check_unavailable", "Videos cannot be checked on this server right now; send photos.")
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", str(path)],
            capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise _not_a_video(name)
    if done.returncode != 0:
        raise _not_a_video(name)
    try:
        info = json.loads(done.stdout)
        formats = set(info["format"]["format_name"].split(","))
        duration = float(info["format"].get("duration") or 0)
        streams = info.get("streams", [])
    except (ValueError, KeyError, TypeError):
        raise _not_a_video(name)
    video = [s for s in streams if s.get("codec_type") == "video" and int(s.get("width") or 0) > 0]
    if not formats & _CONTAINERS or not video or duration <= 0:
        raise _not_a_video(name)
    if duration > max_seconds:
        raise ApiError(415, "video_too_long", "The video {name} is longer than {limit} seconds.",
                       name=name, limit=int(max_seconds))
    brand = info["format"].get("tags", {}).get("major_brand", "").strip()
    return "video/quicktime" if brand == "qt" else "video/mp4"


def _not_a_video(name: str) -> ApiError:
    return ApiError(415, "unsupported_file_type", "The file {name} is not a valid video (MP4 or MOV).", name=name)


def _boxes_fill(path: Path) -> bool:
    """The file is exactly a sequence of top-level boxes, `ftyp` first: no junk inside, nothing hidden after."""
    size_of_file = path.stat().st_size
    pos, first = 0, True
    with open(path, "rb") as f:
        while pos < size_of_file:
            f.seek(pos)
            head = f.read(16)
            if len(head) < 8:
                return False
            size, kind = struct.unpack_from(">I4s", head)
            if first and kind != b"ftyp":
                return False
            first = False
            if size == 1:
                if len(head) < 16:
                    return False
                (size,) = struct.unpack_from(">Q", head, 8)
            elif size == 0:
                return kind == b"mdat"
            if size < 8 or not all(32 <= c < 127 for c in kind):
                return False
            pos += size
    return pos == size_of_file
