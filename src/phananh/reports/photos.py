"""Photos are decoded and re-encoded, never stored as sent: what is kept and served is a JPEG that Pillow wrote.

`decode_photo` is the one safe way in (size read from the header before any decoding, decompression bombs and
polyglots refused, EXIF orientation applied); `encode_jpeg` the one way out. Public derivatives (issue 9) build on
both: decode the stored original, strip or blur, encode again.
"""

from __future__ import annotations

import io
import struct

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from phananh.errors import ApiError

pillow_heif.register_heif_opener()

MAX_PIXELS = 40_000_000  # default of Settings.max_photo_pixels
MAX_SIDE = 4096  # default of Settings.photo_max_side
# Pillow's own guard, for any decoding in the process: a warning above this, DecompressionBombError above twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_MARKUP = (b"<html", b"<script", b"<svg", b"<?xml", b"<!doctype", b"<body", b"<iframe")


def decode_photo(data: bytes, *, name: str = "photo", max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The photo in `data`, decoded, upright (EXIF orientation applied, the tag then reset), its EXIF in `.info`.

    415 `unsupported_file_type` for what is not exactly one JPEG, PNG, WebP or HEIC/HEIF image (bytes after the
    image's end, a body that does not decode); 415 `image_too_large` for more than `max_pixels`, checked from the
    header before anything is decoded."""
    try:
        img = Image.open(io.BytesIO(data), formats=_FORMATS)
    except Image.DecompressionBombError:  # Pillow's own check of the header, past twice MAX_IMAGE_PIXELS
        raise _too_many_pixels(name, max_pixels)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        raise _not_an_image(name)
    width, height = img.size
    if width * height > max_pixels:
        raise _too_many_pixels(name, max_pixels)
    if not _ends_where_the_image_ends(img.format, data):
        raise _not_an_image(name)
    try:
        if img.format in ("JPEG", "MPO") and max(width, height) >= 2 * MAX_SIDE:
            img.draft("RGB", (width // 2, height // 2))  # DCT scaling: a huge JPEG decodes at half size, 4x faster
        img.load()
        exif = img.getexif()
        upright = ImageOps.exif_transpose(img)  # a copy with the orientation tag removed, or None when upright
    except (OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError, EOFError):
        raise _not_an_image(name)
    if upright is None:
        upright = img
    kept = upright.getexif() if upright is not img else exif
    upright.info["exif"] = kept.tobytes() if len(kept) else b""
    return upright


def encode_jpeg(img: Image.Image, *, keep_exif: bytes | None = None, max_side: int = MAX_SIDE,
                quality: int = 85) -> bytes:
    """`img` as a baseline JPEG, its longest side at most `max_side`; `keep_exif` (e.g. `img.info["exif"]`) is
    written into it, else the file carries no metadata at all (no EXIF, no XMP, no comment)."""
    if img.mode not in ("RGB", "L"):
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        else:
            img = img.convert("RGB")
    if max(img.size) > max_side:
        img = img.copy()
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    options: dict[str, int | bytes] = {"quality": quality}
    if keep_exif and len(keep_exif) <= 65_000:  # a JPEG's APP1 segment holds at most 64 KB
        options["exif"] = keep_exif
    icc = img.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    img.save(out, "JPEG", **options)
    return out.getvalue()


def _too_many_pixels(name: str, max_pixels: int) -> ApiError:
    return ApiError(415, "image_too_large", "The photo {name} has more than {limit} megapixels.",
                    name=name, limit=max_pixels // 1_000_000)


def _not_an_image(name: str) -> ApiError:
    return ApiError(415, "unsupported_file_type", "The file {name} is not a valid image.", name=name)


def _ends_where_the_image_ends(fmt: str | None, data: bytes) -> bool:
    """No second file hidden after the image (a polyglot that a browser could sniff as HTML or script).

    PNG ends at IEND, WebP at its RIFF size, HEIF at its last top-level box. JPEG trailers are common and harmless
    once re-encoded (Samsung's SEFT block, motion photos' MP4), so after a JPEG only markup is refused."""
    if fmt == "PNG":
        return _png_end(data) == len(data)
    if fmt == "WEBP":
        return len(data) >= 8 and struct.unpack_from("<I", data, 4)[0] + 8 in (len(data), len(data) - 1)
    if fmt == "HEIF":
        return iso_boxes_fill(data)
    if fmt in ("JPEG", "MPO"):  # MPO: a phone's JPEG with a second image (depth map, preview) after it
        end = data.rfind(b"\xff\xd9")
        tail = data[end + 2:].lower() if end >= 0 else data.lower()
        return not any(tag in tail for tag in _MARKUP)
    return False


def _png_end(data: bytes) -> int:
    """Offset just past the IEND chunk, or -1."""
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos
    return -1


def iso_boxes_fill(data: bytes) -> bool:
    """True when `data` is exactly a sequence of ISO-BMFF top-level boxes (HEIF, MP4, MOV), nothing after them."""
    pos, n = 0, len(data)
    while pos < n:
        if pos + 8 > n:
            return False
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:  # 64-bit size follows the type
            if pos + 16 > n:
                return False
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        elif size == 0:  # the last box runs to the end of the file
            return kind == b"mdat"
        if size < 8 or not all(32 <= c < 127 for c in kind):
            return False
        pos += size
    return pos == n
