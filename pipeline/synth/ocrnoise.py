"""What OCR makes of a page: a clean text-layer reading turned into a noisy one.

The learned ranker is trained on generated documents read from their text layer: every
word exact, every confidence 1.0, every row level. Scans, phone photos and till slips
reach it through OCR instead: words with lower and uneven confidence, a character
misread here and there (``0``/``O``, ``1``/``l``, ``,``/``.``, accents lost), two words
run together or one split, a word missed, rows tilted and boxes loose. A model that
never saw such readings learns to trust what OCR does not give (a perfect label
spelling, exact row alignment, confidence 1.0).

:func:`noisy_reading` makes such a reading from the clean one, cheaply and reproducibly
(no rendering, no OCR run: training stays within minutes). The kinds of damage and
their rates follow what Tesseract/PP-OCR readings of the degraded variants of
../shared/data show (photo > scan). The truth is not changed: a value OCR damages is
simply not among the candidates, as in real use.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from models.enums import FieldSource
from pipeline.core.records import Line, PageText, ReadResult, Word

# characters OCR takes for one another (both ways where it happens both ways)
_CONFUSIONS: dict[str, str] = {
    "0": "OoD", "O": "0D", "o": "0c", "1": "lI|", "l": "1I|", "I": "1l|", "5": "S", "S": "5",
    "8": "B", "B": "8", "2": "Z", "Z": "2", "6": "b", "e": "c", "c": "e", "a": "o", "n": "m",
    "m": "n", "u": "v", ",": ".", ".": ",", ":": ".;", "-": "~", "/": "l", "€": "E",
    "é": "e", "è": "e", "ë": "e", "à": "a", "ç": "c", "ü": "u", "ö": "o", "ä": "a",
}  # fmt: skip


@dataclass(frozen=True)
class Noise:
    """Rates of damage for one kind of image."""

    char: float  # a character misread
    drop_punct: float  # a ':' or '.' at a word's end lost
    merge: float  # a word run into the next one on its line
    split: float  # a word broken in two
    drop: float  # a word not read at all
    low_conf: float  # a right word read with low confidence anyway
    max_tilt_deg: float  # rotation of the page
    jitter: float  # box edges moved, in character heights
    dpi: tuple[int, int]


PHOTO = Noise(0.012, 0.25, 0.03, 0.02, 0.015, 0.04, 3.0, 0.18, (150, 200))
SCAN = Noise(0.004, 0.1, 0.015, 0.01, 0.005, 0.02, 1.5, 0.1, (200, 200))
SLIP = Noise(0.02, 0.3, 0.04, 0.03, 0.02, 0.06, 4.0, 0.22, (180, 220))
NOISE = {"photo": PHOTO, "scanned_pdf": SCAN, "receipt": SLIP}


def _damage(text: str, rng: random.Random, n: Noise) -> str:
    out = []
    for ch in text:
        alt = _CONFUSIONS.get(ch)
        if alt and rng.random() < n.char:
            out.append(rng.choice(alt))
        else:
            out.append(ch)
    s = "".join(out)
    if len(s) > 1 and s[-1] in ":." and rng.random() < n.drop_punct:
        s = s[:-1]
    return s


def _conf(rng: random.Random, damaged: bool, n: Noise) -> float:
    # misread words are mostly, not always, read with less confidence
    if damaged:
        return round(rng.uniform(0.45, 0.95), 3)
    if rng.random() < n.low_conf:
        return round(rng.uniform(0.55, 0.9), 3)
    return round(min(1.0, rng.betavariate(40, 1.4)), 3)


def _page(page: PageText, rng: random.Random, n: Noise) -> PageText:
    dpi = rng.randint(*n.dpi)
    width = page.width * dpi / 72.0
    height = page.height * dpi / 72.0
    tilt = math.radians(rng.uniform(-n.max_tilt_deg, n.max_tilt_deg))
    cos, sin = math.cos(tilt), math.sin(tilt)
    # a photo does not fill the frame: the page sits inside a margin, a little scaled
    scale = rng.uniform(0.84, 0.96) if n is not SCAN else 1.0

    def place(x: float, y: float) -> tuple[float, float]:
        # normalised page point → pixel point of the rotated, scaled page
        px, py = (x - 0.5) * width, (y - 0.5) * height
        rx, ry = px * cos - py * sin, px * sin + py * cos
        return rx * scale + width / 2, ry * scale + height / 2

    lines: list[Line] = []
    for line in page.lines:
        words: list[tuple[str, tuple[float, float, float, float], bool]] = []
        src = [w for w in line.words if w.text.strip()]
        k = 0
        while k < len(src):
            w = src[k]
            if rng.random() < n.drop:
                k += 1
                continue
            text, box = w.text, w.bbox
            damaged = False
            if k + 1 < len(src) and rng.random() < n.merge:
                nxt = src[k + 1]
                text = text + nxt.text
                box = (min(box[0], nxt.bbox[0]), min(box[1], nxt.bbox[1]),
                       max(box[2], nxt.bbox[2]), max(box[3], nxt.bbox[3]))  # fmt: skip
                damaged = True
                k += 1
            new = _damage(text, rng, n)
            damaged = damaged or new != text
            if len(new) >= 4 and rng.random() < n.split:
                cut = rng.randint(1, len(new) - 1)
                frac = cut / len(new)
                mid = box[0] + (box[2] - box[0]) * frac
                words.append((new[:cut], (box[0], box[1], mid, box[3]), True))
                words.append((new[cut:], (mid, box[1], box[2], box[3]), True))
            else:
                words.append((new, box, damaged))
            k += 1
        if not words:
            continue
        out_words: list[Word] = []
        for text, (x0, y0, x1, y1), damaged in words:
            ch = (y1 - y0) or 0.01
            j = n.jitter * ch
            corners = [place(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
            xs = [c[0] / width for c in corners]
            ys = [c[1] / height for c in corners]
            bbox = (
                min(max(0.0, min(xs) + rng.uniform(-j, j) * height / width), 1.0),
                min(max(0.0, min(ys) + rng.uniform(-j, j)), 1.0),
                min(max(0.0, max(xs) + rng.uniform(-j, j) * height / width), 1.0),
                min(max(0.0, max(ys) + rng.uniform(-j, j)), 1.0),
            )
            if bbox[2] <= bbox[0] or bbox[3] <= bbox[1]:
                continue
            out_words.append(Word(text, bbox, _conf(rng, damaged, n)))
        if not out_words:
            continue
        box = (
            min(w.bbox[0] for w in out_words), min(w.bbox[1] for w in out_words),
            max(w.bbox[2] for w in out_words), max(w.bbox[3] for w in out_words),
        )  # fmt: skip
        lines.append(
            Line(
                " ".join(w.text for w in out_words),
                box,
                min(w.confidence for w in out_words),
                tuple(out_words),
            )
        )
    return PageText(
        page.number, width, height, FieldSource.OCR, "simulated-ocr", tuple(lines)
    )


def noisy_reading(read: ReadResult, kind: str, seed: int) -> ReadResult:
    """``read`` (a clean text-layer reading) as OCR of a ``kind`` image would give it:
    ``photo`` (first page only, as a phone photo shows one page), ``scanned_pdf`` or
    ``receipt``. The same reading, kind and seed give the same result."""
    n = NOISE[kind]
    rng = random.Random(f"ocrnoise:{kind}:{seed}")
    pages = read.pages[:1] if kind in ("photo", "receipt") else read.pages[:3]
    return ReadResult(tuple(_page(p, rng, n) for p in pages), None, read.warnings)
