"""Real media for upload tests: photos made with Pillow (and pillow-heif), videos with ffmpeg (Debian's)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw

pillow_heif.register_heif_opener()

ORIENTATION = 0x0112


def photo(size=(64, 48), fmt="JPEG", colour=(200, 120, 40), exif: dict | None = None) -> bytes:
    """A photo in `fmt`; its left half red, so that a rotation shows; `exif` tags written into it."""
    img = Image.new("RGB", size, colour)
    ImageDraw.Draw(img).rectangle([0, 0, size[0] // 2 - 1, size[1] - 1], fill=(255, 0, 0))
    buf = io.BytesIO()
    options = {}
    if exif:
        tags = Image.Exif()
        tags.update(exif)
        options["exif"] = tags.tobytes()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def huge_png(side: int = 12000) -> bytes:
    """A `side`×`side` one-bit PNG (144 megapixels at 12000): a few KB on the wire."""
    buf = io.BytesIO()
    Image.new("1", (side, side), 0).save(buf, "PNG", optimize=True)
    return buf.getvalue()


@lru_cache
def video(seconds: float = 1, container: str = "mp4") -> bytes:
    """A real H.264 MP4 (or MPEG-4 MOV) of a test pattern, 64×48, made by ffmpeg."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"clip.{container}"
        codec = ["-c:v", "libx264", "-pix_fmt", "yuv420p"] if container == "mp4" else ["-c:v", "mpeg4"]
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=duration={seconds}:size=64x48:rate=5", *codec, str(out)], check=True)
        return out.read_bytes()
