"""Measure the photo-derivative detectors (faces, number plates) on a labelled set built from shipped photos.

    .venv/bin/python bench/detector.py            # prints recall and false positives per candidate and per image

The set (nothing downloaded; all from installed packages or drawn here, seeded, so every run sees the same set):
- faces: scikit-image's astronaut and cameraman photos (boxes labelled by hand), and the 100 face crops of
  scikit-image's LFW subset (25 × 25 px, grey) pasted at 40-160 px onto 20 scenes cut from skimage's textures;
- plates: 60 Vietnamese plates drawn with Pillow (one line `69A-123.45`, two lines `69-B1 / 123.45`), 50-260 px wide,
  turned -15..15°, on 30 scenes;
- negatives: 17 skimage photos with no person and no plate (a cat, coffee, coins, a rocket, a horse, text...) and the
  100 non-face crops of the LFW subset on 20 scenes.
An object counts as found when one detection, grown by the blur's padding, covers at least 70 % of its box
(what matters for privacy is that the blur hides it); a detection overlapping no labelled object is a false positive.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from phananh.reports import detect  # noqa: E402
from phananh.reports.derivatives import AUTO_PAD  # noqa: E402

Box = tuple[int, int, int, int]


def _skimage(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, -1)
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)


def _lfw() -> np.ndarray:
    import skimage

    return np.load(Path(skimage.__file__).parent / "data" / "lfw_subset.npy")  # 100 faces, then 100 non-faces


BACKGROUNDS = ("grass", "gravel", "brick", "coffee", "rocket", "hubble_deep_field", "horse", "coins")
NEGATIVE_PHOTOS = ("chelsea", "coffee", "coins", "rocket", "horse", "brick", "grass", "gravel", "hubble_deep_field",
                   "retina", "page", "text", "moon", "cell", "immunohistochemistry", "logo", "clock")


def _scene(rng: random.Random, size=(640, 480)) -> np.ndarray:
    bg = _skimage(rng.choice(BACKGROUNDS))
    return cv2.resize(bg, size, interpolation=cv2.INTER_LINEAR)


def _place(rng, scene, patch, taken: list[Box]) -> Box | None:
    h, w = patch.shape[:2]
    for _ in range(50):
        x, y = rng.randrange(0, scene.shape[1] - w), rng.randrange(0, scene.shape[0] - h)
        if all(x + w < a or a + c < x or y + h < b or b + d < y for a, b, c, d in taken):
            scene[y:y + h, x:x + w] = patch
            return (x, y, w, h)
    return None


def face_scenes(rng, crops: np.ndarray, per_scene=5) -> list[tuple[str, np.ndarray, list[Box]]]:
    out = []
    for s in range(0, len(crops), per_scene):
        scene, boxes = _scene(rng), []
        for crop in crops[s:s + per_scene]:
            side = rng.randrange(40, 161)
            grey = cv2.resize((crop * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_CUBIC)
            box = _place(rng, scene, np.stack([grey] * 3, -1), boxes)
            if box:
                boxes.append(box)
        out.append((f"scene-{s // per_scene:02d}", scene, boxes))
    return out


def plate_image(rng, text_lines: list[str], width: int) -> np.ndarray:
    """A white plate with a black border and black characters, as Vietnamese plates are."""
    one_line = len(text_lines) == 1
    w, h = (520, 110) if one_line else (280, 200)
    img = Image.new("RGB", (w, h), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((3, 3, w - 4, h - 4), outline=(10, 10, 10), width=6)
    font = ImageFont.load_default(size=84 if one_line else 78)
    for i, line in enumerate(text_lines):
        tw = draw.textlength(line, font=font)
        y = 10 if one_line else 12 + i * 92
        draw.text(((w - tw) / 2, y), line, fill=(15, 15, 15), font=font)
    img = img.rotate(rng.uniform(-15, 15), expand=True, fillcolor=(0, 0, 0, 0), resample=Image.Resampling.BICUBIC)
    scale = width / img.width
    return np.asarray(img.resize((width, max(8, round(img.height * scale))), Image.Resampling.LANCZOS))


def plate_scenes(rng, n_plates=60, per_scene=2) -> list[tuple[str, np.ndarray, list[Box]]]:
    letters = "ABCDEFGHKLMNPSTUVXYZ"
    out = []
    for s in range(n_plates // per_scene):
        scene, boxes = _scene(rng), []
        for _ in range(per_scene):
            province = rng.randrange(11, 99)
            serial = f"{rng.randrange(100, 999)}.{rng.randrange(0, 99):02d}"
            if rng.random() < 0.5:
                lines = [f"{province}{rng.choice(letters)}-{serial}"]
            else:
                lines = [f"{province}-{rng.choice(letters)}{rng.randrange(1, 9)}", serial]
            plate = plate_image(rng, lines, rng.randrange(50, 261))
            mask = plate.sum(-1) > 0  # the rotation's corners stay the scene's
            h, w = plate.shape[:2]
            box = _place(rng, scene, np.where(mask[..., None], plate, 0), boxes)
            if box:
                x, y, _w, _h = box
                region = scene[y:y + h, x:x + w]
                bg = _scene(rng, (w, h))
                scene[y:y + h, x:x + w] = np.where(mask[..., None], region, bg)
                ys, xs = np.where(mask)
                boxes.append((x + xs.min(), y + ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
        out.append((f"plates-{s:02d}", scene, boxes))
    return out


def build_set(seed=9) -> dict[str, list[tuple[str, np.ndarray, list[Box]]]]:
    rng = random.Random(seed)
    lfw = _lfw()
    faces = [("astronaut", _skimage("astronaut"), [(180, 60, 95, 120)]),
             ("camera", _skimage("camera"), [(200, 115, 62, 85)])]
    faces += face_scenes(rng, lfw[:100])
    negatives = [(name, _skimage(name), []) for name in NEGATIVE_PHOTOS]
    negatives += [(f"nonface-{n}", scene, []) for n, scene, _ in face_scenes(rng, lfw[100:])]
    return {"face": faces, "plate": plate_scenes(rng), "none": negatives}


# --- candidates: each maps an RGB image to boxes ---------------------------------------------------------------

def _cascade(path: str, **kw):
    c = cv2.CascadeClassifier(path)

    def run(rgb):
        grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        found = c.detectMultiScale(grey, **kw)
        return [tuple(int(v) for v in b) for b in found] if len(found) else []
    return run


def _union(*fns):
    return lambda rgb: [b for f in fns for b in f(rgb)]


def candidates():
    haar = cv2.data.haarcascades
    return {
        "face": {
            "centerface@0.3": lambda rgb: [(b.x, b.y, b.w, b.h) for b in detect.detect_faces(rgb, 0.3)],
            "centerface@0.2 (chosen)": lambda rgb: [(b.x, b.y, b.w, b.h) for b in detect.detect_faces(rgb, 0.2)],
            "centerface@0.5": lambda rgb: [(b.x, b.y, b.w, b.h) for b in detect.detect_faces(rgb, 0.5)],
            "haar frontal+profile": _union(
                _cascade(haar + "haarcascade_frontalface_default.xml", scaleFactor=1.1, minNeighbors=4,
                         minSize=(24, 24)),
                _cascade(haar + "haarcascade_profileface.xml", scaleFactor=1.1, minNeighbors=4, minSize=(24, 24))),
        },
        "plate": {
            "shape: bright quad + characters (chosen)": lambda rgb: [(b.x, b.y, b.w, b.h)
                                                                      for b in detect.detect_plates(rgb)],
            "haar russian_plate_number": _cascade(haar + "haarcascade_russian_plate_number.xml", scaleFactor=1.1,
                                                  minNeighbors=3, minSize=(20, 8)),
            "haar license_plate_rus_16stages": _cascade(haar + "haarcascade_license_plate_rus_16stages.xml",
                                                        scaleFactor=1.1, minNeighbors=3, minSize=(20, 8)),
        },
    }


def _pad(b: Box) -> Box:
    x, y, w, h = b
    return (x - AUTO_PAD * w, y - AUTO_PAD * h, w * (1 + 2 * AUTO_PAD), h * (1 + 2 * AUTO_PAD))


def _inter(a, b) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def score(found: list[Box], truth: list[Box], others: list[Box]) -> tuple[int, int]:
    """(objects hidden, false positives); a detection on an object of the other kind is not a false positive."""
    padded = [_pad(b) for b in found]
    hit = sum(1 for t in truth if any(_inter(p, t) >= 0.7 * t[2] * t[3] for p in padded))
    fp = sum(1 for b in found if not any(_inter(b, t) > 0.1 * b[2] * b[3] for t in truth + others))
    return hit, fp


def main() -> None:
    sets = build_set()
    for kind, cands in candidates().items():
        positives = sets[kind]
        print(f"\n== {kind}s: {sum(len(b) for _, _, b in positives)} labelled in {len(positives)} images; "
              f"{len(sets['none'])} negative images ==")
        for name, fn in cands.items():
            hits = total = fp_pos = fp_neg = 0
            misses, noisy = [], []
            t0 = time.perf_counter()
            for img_name, img, truth in positives:
                h, f = score(fn(img), truth, [])
                hits, total, fp_pos = hits + h, total + len(truth), fp_pos + f
                if h < len(truth):
                    misses.append(f"{img_name}:{len(truth) - h}")
            for img_name, img, _ in sets["none"]:
                n = len(fn(img))
                fp_neg += n
                if n:
                    noisy.append(f"{img_name}:{n}")
            elapsed = time.perf_counter() - t0
            n_images = len(positives) + len(sets["none"])
            print(f"{name:44s} recall {hits}/{total} = {hits / total:6.1%}   false positives: {fp_pos} on positive "
                  f"images, {fp_neg} on {len(sets['none'])} negatives   {elapsed / n_images * 1000:5.0f} ms/image")
            print(f"    missed per image: {', '.join(misses) or '-'}")
            print(f"    false positives per negative image: {', '.join(noisy) or '-'}")


if __name__ == "__main__":
    main()
