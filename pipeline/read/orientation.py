"""Pages scanned upside down or sideways: detect, turn, and keep the boxes right.

Only when a page's first reading looks unreadable (few confident words) is
Tesseract's orientation detection (OSD, Debian's ``osd.traineddata``) asked; a page
read fine costs nothing extra. The page is turned upright and read again, and the
reading with more confident words wins. Boxes are mapped back to the page as stored,
so the workbench draws them where the operator sees the words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from pipeline.core.records import BBox, Line

log = logging.getLogger(__name__)

CONFIDENT = 0.8
MIN_CONFIDENT_WORDS = 12
MIN_CONFIDENT_SHARE = 0.4
MIN_OSD_CONFIDENCE = 2.0


def confident_words(lines: list[Line]) -> int:
    return sum(1 for line in lines for word in line.words if word.confidence >= CONFIDENT)


def looks_unreadable(lines: list[Line]) -> bool:
    words = [word for line in lines for word in line.words]
    confident = confident_words(lines)
    return confident < MIN_CONFIDENT_WORDS or confident < MIN_CONFIDENT_SHARE * len(words)


def detect_rotation(image: np.ndarray) -> int:
    """Degrees (90, 180, 270) the page is turned clockwise from upright; 0 when upright or unsure."""
    try:
        import tesserocr
        from PIL import Image

        from pipeline.read.ocr.tesseract import tessdata_dir
    except ImportError:
        return 0
    folder = tessdata_dir("osd")
    if folder is None:
        return 0
    small = Image.fromarray(image)
    small.thumbnail((1600, 1600))
    with tesserocr.PyTessBaseAPI(path=str(folder), lang="osd", psm=tesserocr.PSM.OSD_ONLY) as api:
        api.SetImage(small)
        found = api.DetectOrientationScript()
    if not found or found.get("orient_conf", 0.0) < MIN_OSD_CONFIDENCE:
        return 0
    return int(found.get("orient_deg", 0)) % 360


def _turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """Turn the page counter-clockwise by ``degrees`` (undoing a clockwise rotation)."""
    return np.ascontiguousarray(np.rot90(image, k=degrees // 90))


def _box_back(box: BBox, degrees: int) -> BBox:
    """A normalised box on the upright page, as it lies on the page turned by ``degrees``."""
    x0, y0, x1, y1 = box
    if degrees == 180:
        return (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    if degrees == 90:  # upright (x, y) lies at (1 - y, x) on the stored page
        return (1 - y1, x0, 1 - y0, x1)
    if degrees == 270:  # upright (x, y) lies at (y, 1 - x)
        return (y0, 1 - x1, y1, 1 - x0)
    return box


def lines_back(lines: list[Line], degrees: int) -> list[Line]:
    return [
        replace(line, bbox=_box_back(line.bbox, degrees),
                words=tuple(replace(word, bbox=_box_back(word.bbox, degrees)) for word in line.words))
        for line in lines
    ]


def read_upright(image: np.ndarray, lines: list[Line], read: Callable[[np.ndarray], list[Line]]) -> list[Line]:
    """``lines`` as read, or — when they look unreadable and the page is turned — the
    reading of the upright page with its boxes mapped back onto the stored page."""
    if not looks_unreadable(lines):
        return lines
    degrees = detect_rotation(image)
    if degrees not in (90, 180, 270):
        return lines
    turned = read(_turn(image, degrees))
    if confident_words(turned) <= confident_words(lines):
        return lines
    log.info("page turned %d° clockwise: read upright", degrees)
    return lines_back(turned, degrees)
