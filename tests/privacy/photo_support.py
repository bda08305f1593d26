"""Photos for the clean-photo tests: a JPEG with the metadata a phone writes, and the astronaut's face."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

# The astronaut's face in skimage's 512 × 512 photo (labelled by hand: forehead to chin, ear to ear).
ASTRONAUT_FACE = (180, 60, 95, 120)


def jpeg_with_metadata(size=(320, 240)) -> bytes:
    """A JPEG carrying camera make and model, a GPS position (Cà Mau), an XMP packet and a comment."""
    img = Image.new("RGB", size)
    img.putdata([((x * 7) % 256, (y * 5) % 256, 120) for y in range(size[1]) for x in range(size[0])])
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D Mark IV"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (9.0, 10.0, 36.9), 3: "E", 4: (105.0, 9.0, 8.6)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' \
          b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="9,10.6N"/></rdf:RDF></x:xmpmeta>'
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"Nguyen Van Bay, 0912345678")
    return buf.getvalue()


def astronaut_jpeg() -> bytes:
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def sharpness(img: Image.Image, box) -> float:
    """Variance of the Laplacian inside `box` (x, y, w, h): high for detail, near zero once blurred."""
    x, y, w, h = box
    gray = cv2.cvtColor(np.asarray(img.convert("RGB"))[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def mean_difference(a: Image.Image, b: Image.Image, box) -> float:
    x, y, w, h = box
    pa = np.asarray(a.convert("RGB"), dtype=np.float64)[y:y + h, x:x + w]
    pb = np.asarray(b.convert("RGB"), dtype=np.float64)[y:y + h, x:x + w]
    return float(np.abs(pa - pb).mean())


def open_image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img
