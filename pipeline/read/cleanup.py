"""Phone-photo clean-up before OCR (OpenCV): flatten, straighten, even out the light.

1. **Flatten**: the page is found as the largest bright quadrilateral against the
   background (Otsu on a blurred, downscaled grey image; the contour's convex hull
   approximated to 4 corners). It is warped flat only when the quad is clear: it
   covers 20–95 % of the image, fills its own outline (a real quadrilateral, not a
   blob) and is clearly brighter than what surrounds it. Scans where the page fills
   the image are left alone.
2. **Straighten**: the skew angle (±6°) maximises the sharpness of the horizontal
   ink projection (computed on ink pixel coordinates, not by rotating images);
   turned back only when it is at least 0.3°.
3. **Light text on dark bands** (header bands, dark table headers, totals bars) is
   turned into dark text on white (:mod:`pipeline.read.invert`), before the light is
   evened out (which would otherwise wipe such a band out).
4. **Even out the light**: divide by a blurred estimate of the paper (a grey-level
   closing), which removes shadows, gradients and colour casts; done only when the
   paper's brightness varies across the page.

OCR reads the cleaned-up image; ``Prepared.lines_to_source`` maps its boxes back
through the straightening and the flattening (the exact inverse of both transforms,
box corners mapped and re-boxed) onto the image as given, so a box on a phone photo
lies on its text in the photo the operator sees, not on the table beside it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from pipeline.core.records import BBox, Line
from pipeline.read.deadline import check
from pipeline.read.invert import invert_dark_regions
from pipeline.read.ocr.base import to_gray

log = logging.getLogger(__name__)

WORK_SIDE = 1000  # px, long side of the downscaled copy used for analysis
MIN_SKEW = 0.3  # degrees
MAX_SKEW = 6.0
BAND_TEXT = 50  # grey levels light text stands above a dark band
MIN_BAND_TEXT = 10  # pixels (at half the analysis size) of light text beyond a side to move it
UNEVEN_LIGHT = 40  # grey levels between the paper's 5th and 95th percentile


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray  # greyscale, ready for OCR
    warped: bool = False
    angle: float = 0.0  # degrees turned back
    light_normalised: bool = False
    inverted: int = 0  # light-on-dark regions turned dark-on-light
    source_size: tuple[int, int] = (0, 0)  # (width, height) of the image as given
    # source pixels → flattened pixels (3x3), flattened → straightened pixels (2x3); None: not done
    flatten: np.ndarray | None = field(default=None, repr=False, compare=False)
    straighten: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def photo(self) -> bool:
        """Looks like a camera picture: a page was flattened or a clear tilt fixed."""
        return self.warped or abs(self.angle) >= 2.0

    def to_source(self, box: BBox) -> BBox:
        """A normalised box on the cleaned-up image, as the normalised box of the same ink on the image as given."""
        if (self.flatten is None and self.straighten is None) or not all(self.source_size):
            return box
        height, width = self.image.shape[:2]
        x0, y0, x1, y1 = box
        pts = np.array([[x0 * width, y0 * height], [x1 * width, y0 * height], [x1 * width, y1 * height],
                        [x0 * width, y1 * height]], np.float64)
        if self.straighten is not None:
            pts = cv2.transform(pts[None], cv2.invertAffineTransform(self.straighten))[0]
        if self.flatten is not None:
            pts = cv2.perspectiveTransform(pts[None], np.linalg.inv(self.flatten))[0]
        src_w, src_h = self.source_size
        xs = (pts[:, 0] / src_w).clip(0.0, 1.0)
        ys = (pts[:, 1] / src_h).clip(0.0, 1.0)
        return (round(float(xs.min()), 5), round(float(ys.min()), 5), round(float(xs.max()), 5),
                round(float(ys.max()), 5))

    def lines_to_source(self, lines: list[Line]) -> list[Line]:
        """OCR lines with their (and their words') boxes mapped onto the image as given."""
        if self.flatten is None and self.straighten is None:
            return list(lines)
        return [replace(line, bbox=self.to_source(line.bbox),
                        words=tuple(replace(word, bbox=self.to_source(word.bbox)) for word in line.words))
                for line in lines]


def _small(gray: np.ndarray) -> tuple[np.ndarray, float]:
    scale = WORK_SIDE / max(gray.shape[:2])
    if scale >= 1.0:
        return gray, 1.0
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def find_page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The page's corners (tl, tr, br, bl) in ``gray``'s pixels, or None when unclear."""
    small, scale = _small(gray)
    blur = cv2.GaussianBlur(small, (7, 7), 0)
    otsu, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(5, int(min(small.shape) * 0.02) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    total = float(small.shape[0] * small.shape[1])
    if not 0.20 * total <= area <= 0.95 * total:
        return None
    hull = cv2.convexHull(contour)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(approx) != 4 or not cv2.isContourConvex(approx):
        return None
    quad_area = cv2.contourArea(approx)
    if area / max(quad_area, 1.0) < 0.90:
        return None
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, approx.reshape(-1, 2), 255)
    contrast = float(small[inside > 0].mean()) - float(small[inside == 0].mean())
    if contrast < 25:
        return None
    quad = _extend_over_bands(small, _order(approx.reshape(4, 2).astype(np.float32)), otsu)
    return quad / scale


def _extend_over_bands(small: np.ndarray, quad: np.ndarray, otsu: float) -> np.ndarray:
    """Move a side of the quad outwards over a dark band with light text along it.

    A coloured header band at the page's edge is as dark as the table the page lies
    on, so the bright quadrilateral stops at the band's inner edge; the band's light
    text (pixels well above a dark local background) just beyond a side shows the
    page goes on, and the side is moved past the last of that text.
    """
    half = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    background = cv2.medianBlur(half, 7)
    light = (half.astype(np.int16) - background > BAND_TEXT) & (background < otsu)
    ys, xs = np.nonzero(light)
    if len(xs) < MIN_BAND_TEXT:
        return quad
    pts = np.stack([xs, ys], axis=1).astype(np.float32) * 2.0
    centre = quad.mean(axis=0)
    out = quad.copy()
    for a, b, a_in, b_in in ((0, 1, 3, 2), (1, 2, 0, 3), (2, 3, 1, 0), (3, 0, 2, 1)):
        along = quad[b] - quad[a]
        length = float(np.linalg.norm(along))
        if length < 1:
            continue
        u = along / length
        n = np.array([u[1], -u[0]], np.float32)
        if np.dot(quad[a] - centre, n) < 0:
            n = -n
        depth = float(np.dot(quad[a] - quad[a_in], n))
        rel = pts - quad[a]
        s, d = rel @ u, rel @ n
        near = d[(s >= 0) & (s <= length) & (d > 1) & (d < 0.25 * max(depth, 1.0))]
        if len(near) < MIN_BAND_TEXT:
            continue
        reach = float(np.percentile(near, 99))
        reach += max(4.0, 0.3 * reach)
        for corner, inner in ((a, a_in), (b, b_in)):
            direction = quad[corner] - quad[inner]
            cos = float(np.dot(direction, n)) / max(float(np.linalg.norm(direction)), 1e-6)
            if cos > 0.5:
                out[corner] = quad[corner] + direction / np.linalg.norm(direction) * (reach / cos)
    h, w = small.shape[:2]
    out[:, 0] = out[:, 0].clip(0, w - 1)
    out[:, 1] = out[:, 1].clip(0, h - 1)
    return out


def _order(pts: np.ndarray) -> np.ndarray:
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def quad_transform(quad: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The perspective matrix flattening ``quad`` (tl, tr, br, bl) and the flat page's (width, height)."""
    tl, tr, br, bl = quad
    width = round(float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = round(float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    return cv2.getPerspectiveTransform(quad.astype(np.float32), target), (width, height)


def warp_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    matrix, size = quad_transform(quad)
    return cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def estimate_skew(gray: np.ndarray) -> float:
    """Skew in degrees (positive: text rises to the right), 0.0 when unsure."""
    small, _ = _small(gray)
    binary = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    ys, xs = np.nonzero(binary)
    if len(xs) < 500:
        return 0.0
    if len(xs) > 40000:
        pick = np.random.default_rng(0).choice(len(xs), 40000, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64)
    rows = small.shape[0] + small.shape[1]

    def sharpness(deg: float) -> float:
        t = math.radians(deg)
        proj = ys * math.cos(t) + xs * math.sin(t)
        hist = np.bincount((proj + small.shape[1]).astype(np.int64).clip(0, 2 * rows), minlength=1)
        return float((hist.astype(np.float64) ** 2).sum())

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    scores = [sharpness(a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1)
    fine_scores = [sharpness(a) for a in fine]
    angle = float(fine[int(np.argmax(fine_scores))])
    if max(fine_scores) < 1.02 * sharpness(0.0) and abs(angle) < 1.0:
        return 0.0  # no clear improvement over upright
    return round(angle, 2)


def rotation_transform(shape: tuple[int, ...], angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine matrix turning an image of ``shape`` back by ``angle`` degrees, and the new (width, height)."""
    height, width = shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return matrix, (new_w, new_h)


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    matrix, size = rotation_transform(image.shape, angle)
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def even_light(gray: np.ndarray, force: bool = False) -> tuple[np.ndarray, bool]:
    """Divide by the blurred paper; returns (image, whether it was changed)."""
    small, _ = _small(gray)
    k = max(15, int(max(small.shape) / 25) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    paper = cv2.GaussianBlur(paper, (k, k), 0)
    lo, hi = np.percentile(paper, [5, 95])
    if not force and hi - lo < UNEVEN_LIGHT:
        return gray, False
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = cv2.divide(gray, np.maximum(paper, 1), scale=255)
    return out, True


def prepare(image: np.ndarray, *, allow_warp: bool = True) -> Prepared:
    """Clean a page image up for OCR; already clean scans come back nearly unchanged."""
    gray = to_gray(image)
    source_size = (int(gray.shape[1]), int(gray.shape[0]))
    warped = False
    flatten = straighten = None
    if allow_warp:
        quad = find_page_quad(gray)
        if quad is not None:
            flatten, size = quad_transform(quad)
            gray = cv2.warpPerspective(gray, flatten, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            warped = True
    check()  # each step can take a second on a giant page: stop when the page's time is up
    gray, regions = invert_dark_regions(gray)
    check()
    gray, light = even_light(gray, force=warped)
    check()
    angle = estimate_skew(gray)
    if abs(angle) >= MIN_SKEW:
        straighten, size = rotation_transform(gray.shape, angle)
        gray = cv2.warpAffine(gray, straighten, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    else:
        angle = 0.0
    log.debug("clean-up: warped=%s angle=%.2f light=%s inverted=%d", warped, angle, light, len(regions))
    return Prepared(image=gray, warped=warped, angle=angle, light_normalised=light, inverted=len(regions),
                    source_size=source_size, flatten=flatten, straighten=straighten)
