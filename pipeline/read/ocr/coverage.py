"""Find text Tesseract skipped: ink that no recognised word covers.

Tesseract's layout analysis sometimes drops a whole block (a shaded totals table,
small print next to a logo). The page is binarised, ruling lines are removed, ink
is smeared horizontally into word/phrase blobs, and blobs of text-like size that
no word box covers come back as boxes (normalised) for PP-OCR to read.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.core.records import BBox, Line

SCALE = 0.5  # analyse at half resolution (~100 dpi for a 200 dpi render)
MIN_H, MAX_H = 6, 45  # blob height in analysis pixels: ~5 pt to ~30 pt text (5 px: dots, dashes)
MIN_W = 8
COVERED = 0.4  # share of a blob's ink inside word boxes above which it counts as read


def missed_regions(gray: np.ndarray, lines: list[Line], limit: int = 40) -> list[BBox]:
    small = cv2.resize(gray, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    # ruling lines of tables and frames are not text
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (40, 1)))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 40)))
    ink = cv2.subtract(ink, rules)
    covered = np.zeros((sh, sw), np.uint8)
    for line in lines:
        for word in line.words or (line,):
            x0, y0, x1, y1 = word.bbox
            cv2.rectangle(covered, (int(x0 * sw) - 2, int(y0 * sh) - 2), (int(x1 * sw) + 2, int(y1 * sh) + 2), 255, -1)
    blobs = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    found: list[tuple[int, BBox]] = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if not (MIN_H <= h <= MAX_H and w >= MIN_W and w >= h * 0.8):
            continue
        region = labels[y : y + h, x : x + w] == label
        blob_ink = ink[y : y + h, x : x + w] > 0
        inked = blob_ink & region
        total = int(inked.sum())
        if total < 12:
            continue
        inside = int((inked & (covered[y : y + h, x : x + w] > 0)).sum())
        if inside / total >= COVERED:
            continue
        box = (x / sw, y / sh, (x + w) / sw, (y + h) / sh)
        found.append((total, box))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found[:limit]]
