"""Turn light-on-dark text (a coloured header band, a dark table header, a totals bar)
into dark-on-light before OCR.

Neither engine reads white text on a dark band reliably: Tesseract's own inversion
(``tessedit_do_invert``) is switched off for speed, PP-OCR's detector mostly skips
such bands, and evening out the light (dividing by the blurred paper) would wipe the
band out altogether. So, on a copy at ~42 dpi:

1. the *background* is the median over ~0.18 inch, which removes text strokes of
   either colour (text covers well under half of any such window);
2. background darker than ``DARK`` (and clearly darker than the page's paper) over a
   solid rectangle-like area at least ``MIN_H`` × ``MIN_W`` is a candidate;
3. a candidate is inverted only when its text is *lighter* than its background
   (more pixels well above the background than well below it), so a grey box with
   black text is left alone, and only when the band (at full resolution, its text
   filled in) is a solid rectangle: heavy bold lettering such as a logo is dark
   under the median too, but its outline is ragged;
4. inside the region the grey levels are stretched so that the band becomes white
   and its text black: ``255 * (text - x) / (text - band)``.

A dark area without light content (a scanner edge, a photo) is left as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

WORK_SIDE = 500  # px, long side of the analysis copy (~42 dpi for A4)
DARK = 165  # background grey level below which a region counts as dark
PAPER_SHARE = 0.75  # ... and below this share of the page's paper level
MEDIAN_K = 7  # analysis px (~0.17 inch)
MIN_H = 5  # analysis px (~0.12 inch): a table header row is ~9
MIN_W = 20  # analysis px (~0.5 inch)
MIN_FILL = 0.5  # share of the region's bounding box that is dark
CONTRAST = 40  # grey levels between band and text
MIN_RECT = 0.85  # share of its bounding rectangle a band fills (bands are rectangles)
MAX_HOLE = 0.25  # a hole in a band larger than this share of it is not band text


@dataclass(frozen=True)
class Region:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in image pixels
    background: float
    text: float


def find_dark_regions(gray: np.ndarray) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
    """Dark-background areas, roughly: (box in image pixels, 0/1 mask of the box).

    The box has a margin of about half the median window around the mask, whose
    edges are only approximate (light text near a band's edge pulls the median up).
    """
    height, width = gray.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    small = gray if scale >= 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    background = cv2.medianBlur(small, MEDIAN_K)
    paper = float(np.percentile(background, 90))
    limit = min(DARK, PAPER_SHARE * paper)
    mask = (background < limit).astype(np.uint8)
    if not mask.any():
        return []
    # cut thin dark strips (a scanner's edge, rules) off the bands they touch
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((MIN_H - 2, MIN_H - 2), np.uint8),
                            borderType=cv2.BORDER_CONSTANT, borderValue=0)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    out = []
    pad = MEDIAN_K // 2 + 1
    sh, sw = small.shape[:2]
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if h < MIN_H or w < MIN_W or area < MIN_FILL * w * h:
            continue
        x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(sw, x + w + pad), min(sh, y + h + pad)
        part = (labels[y0:y1, x0:x1] == label).astype(np.uint8)
        fx0, fy0 = int(x0 / scale), int(y0 / scale)
        fx1, fy1 = min(width, round(x1 / scale)), min(height, round(y1 / scale))
        part = cv2.resize(part, (fx1 - fx0, fy1 - fy0), interpolation=cv2.INTER_NEAREST)
        out.append(((fx0, fy0, fx1, fy1), part))
    return out


def _band_mask(patch: np.ndarray, seed: np.ndarray, level: float, reach: int) -> np.ndarray:
    """The band at full resolution: dark pixels near the seed joined to it, holes
    (its light text) filled."""
    near = cv2.dilate(seed, np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    dark = ((patch < level) & near).astype(np.uint8)
    _, labels = cv2.connectedComponents(dark, connectivity=8)
    keep = np.unique(labels[(seed > 0) & (dark > 0)])
    band = np.isin(labels, keep[keep > 0]).astype(np.uint8)
    contours, hierarchy = cv2.findContours(band, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return band > 0
    # fill the holes (letters and their counters) but not one as large as a page
    # (a page lying on a dark table is a hole in the table, and stays as it is)
    limit = MAX_HOLE * float(band.sum())
    holes = [c for c, h in zip(contours, hierarchy[0], strict=True) if h[3] >= 0 and cv2.contourArea(c) < limit]
    cv2.drawContours(band, holes, -1, 1, thickness=-1)
    return band > 0


def _rect_fill(mask: np.ndarray) -> float:
    """Share of the smallest (possibly turned) rectangle around ``mask`` that it fills."""
    points = cv2.findNonZero(mask.astype(np.uint8))
    if points is None:
        return 0.0
    (_, _), (w, h), _ = cv2.minAreaRect(points)
    return float(mask.sum()) / max(1.0, w * h)


def invert_dark_regions(gray: np.ndarray) -> tuple[np.ndarray, list[Region]]:
    """``gray`` with light-on-dark regions turned dark-on-light (a copy when changed)."""
    regions: list[Region] = []
    out = gray
    scale = min(1.0, WORK_SIDE / max(gray.shape[:2]))
    reach = int(np.ceil((MEDIAN_K // 2 + 1) / scale))
    for (x0, y0, x1, y1), seed in find_dark_regions(gray):
        patch = gray[y0:y1, x0:x1]
        values = patch[seed > 0]
        if values.size < 100:
            continue
        band = float(np.median(values))
        lighter = int((values > band + CONTRAST).sum())
        darker = int((values < band - CONTRAST).sum())
        if lighter <= darker or lighter < 20:
            continue
        text = float(np.percentile(values, 99.5))
        if text - band < CONTRAST:
            continue
        inside = _band_mask(patch, seed, (band + text) / 2, reach)
        if _rect_fill(inside) < MIN_RECT:
            continue  # heavy bold lettering (a logo), not a band
        stretched = (text - patch.astype(np.float32)) * (255.0 / (text - band))
        stretched = np.clip(stretched, 0, 255).astype(np.uint8)
        if out is gray:
            out = gray.copy()
        view = out[y0:y1, x0:x1]
        view[inside] = stretched[inside]
        regions.append(Region((x0, y0, x1, y1), band, text))
    if regions:
        log.debug("inverted %d light-on-dark regions", len(regions))
    return out, regions
