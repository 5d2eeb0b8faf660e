"""Render PDF pages to images for OCR (PyMuPDF), 200 dpi, within ``max_pixels``."""

from __future__ import annotations

import logging
import math

import numpy as np

log = logging.getLogger(__name__)

DPI = 200
MAX_SIDE = 7000  # px; beyond this OCR gains nothing and memory grows fast


def render_zoom(width_pt: float, height_pt: float, max_pixels: int, dpi: int = DPI) -> float:
    """Zoom factor (1.0 = 72 dpi) for a page, scaled down for giant pages."""
    zoom = dpi / 72.0
    w, h = max(width_pt, 1.0) * zoom, max(height_pt, 1.0) * zoom
    if w * h > max_pixels:
        zoom *= math.sqrt(max_pixels / (w * h))
    if max(w, h) * (zoom / (dpi / 72.0)) > MAX_SIDE:
        zoom = MAX_SIDE / max(width_pt, height_pt, 1.0)
    return zoom


def render_page(page: object, max_pixels: int, dpi: int = DPI, gray: bool = True) -> np.ndarray:
    """The page as a ``uint8`` array: greyscale ``HxW`` or BGR ``HxWx3``."""
    import pymupdf

    rect = page.rect  # type: ignore[attr-defined]
    zoom = render_zoom(rect.width, rect.height, max_pixels, dpi)
    if zoom < dpi / 72.0:
        log.info("page %s rendered at %.0f dpi instead of %d (size limit)",
                 getattr(page, "number", "?"), zoom * 72, dpi)
    colorspace = pymupdf.csGRAY if gray else pymupdf.csRGB
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=colorspace, alpha=False)  # type: ignore[attr-defined]
    array = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
    if pix.n == 1:
        return array[:, :, 0].copy()
    return np.ascontiguousarray(array[:, :, ::-1])  # RGB → BGR
