"""Image-only variants of a text PDF: a flatbed scan and a phone photo.

All randomness comes from a seeded ``numpy`` generator, so the same seed gives the
same bytes. The returned ``degradation`` dicts follow SCHEMA.md.
"""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
import pymupdf
from PIL import Image, ImageFilter

from pipeline.core.pdfcanvas import FIXED_DATE


def _render(page: pymupdf.Page, dpi: int, grey: bool) -> np.ndarray:
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY if grey else pymupdf.csRGB, alpha=False)
    shape = (pix.height, pix.width) if grey else (pix.height, pix.width, 3)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(shape).copy()


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def scan(pdf: bytes, seed: int, *, max_pages: int = 3) -> tuple[bytes, dict[str, Any]]:
    """200 dpi greyscale scan: rotation ≤ 1.5°, contrast, blur, noise, dark edge, JPEG."""
    rng = np.random.default_rng(seed)
    src = pymupdf.open(stream=pdf)
    rotation = float(np.round(rng.uniform(-1.5, 1.5), 2))
    blur = float(np.round(rng.uniform(0.4, 1.0), 2))
    noise = float(np.round(rng.uniform(3, 8), 1))
    quality = int(rng.integers(55, 75))
    contrast = float(np.round(rng.uniform(0.8, 0.95), 2))
    out = pymupdf.open()
    pages = min(src.page_count, max_pages)
    for number in range(pages):
        page = src[number]
        img = _render(page, 200, grey=True).astype(np.float32)
        img = 255 - (255 - img) * contrast - rng.uniform(5, 18)  # greyer paper, lighter ink
        h, w = img.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rotation, 1.0)
        img = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=235.0)
        edge = int(w * 0.012)
        img[:, :edge] *= np.linspace(0.35, 1.0, edge)[None, :]  # scanner lid shadow
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(noise)
        grey = np.clip(img, 0, 255).astype(np.uint8)
        grey = np.asarray(Image.fromarray(grey).filter(ImageFilter.GaussianBlur(blur)))
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, stream=_jpeg(grey, quality))
    out.set_metadata({"creator": "Boekbrug synth", "producer": "Boekbrug synth",
                      "creationDate": FIXED_DATE, "modDate": FIXED_DATE})
    data = out.tobytes(garbage=3, deflate=True, no_new_id=True)
    return data, {
        "dpi": 200, "rotation_deg": rotation, "blur_radius": blur, "noise_std": noise,
        "jpeg_quality": quality, "contrast": contrast, "pages": pages,
        "method": "pages rasterised at 200 dpi greyscale, contrast, rotation, scanner edge, noise, "
                  "blur, JPEG, image-only PDF",
    }


def photo(pdf: bytes, seed: int, *, dpi: int | None = None) -> tuple[bytes, dict[str, Any]]:
    """Phone photo of page 1: background, perspective, rotation 1–4°, light, blur, JPEG q60."""
    rng = np.random.default_rng(seed)
    page = pymupdf.open(stream=pdf)[0]
    dpi = dpi or int(rng.integers(150, 200))
    doc_img = _render(page, dpi, grey=False).astype(np.float32)
    h, w = doc_img.shape[:2]
    margin = int(max(h, w) * 0.08)
    bg_colour = rng.choice(np.array([[120, 90, 60], [70, 80, 95], [150, 140, 125], [50, 60, 55]], dtype=np.float32))
    canvas_h, canvas_w = h + 2 * margin, w + 2 * margin
    background = np.empty((canvas_h, canvas_w, 3), np.float32)
    background[:] = bg_colour
    grain = rng.normal(0, 12, (canvas_h // 6 + 1, canvas_w // 6 + 1)).astype(np.float32)
    background += cv2.resize(grain, (canvas_w, canvas_h), interpolation=cv2.INTER_LINEAR)[..., None]
    rotation = float(np.round(rng.uniform(1, 4) * rng.choice((-1, 1)), 2))
    jitter = w * 0.035
    src_pts = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    dst_pts = src_pts + margin + rng.uniform(-jitter, jitter, (4, 2)).astype(np.float32)
    centre = (canvas_w / 2, canvas_h / 2)
    rot = cv2.getRotationMatrix2D(centre, rotation, 1.0)
    dst_pts = np.hstack([dst_pts, np.ones((4, 1), np.float32)]) @ rot.T
    matrix = cv2.getPerspectiveTransform(src_pts, dst_pts.astype(np.float32))
    warped = cv2.warpPerspective(doc_img, matrix, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
    flat = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (canvas_w, canvas_h))
    # shadow and light are smooth: compute them at 1/8 size and scale up
    small = (max(1, canvas_w // 8), max(1, canvas_h // 8))
    offset = np.roll(cv2.resize(flat, small, interpolation=cv2.INTER_AREA),
                     (max(1, margin // 60), max(1, margin // 80)), axis=(0, 1))
    shadow = cv2.resize(cv2.GaussianBlur(offset, (0, 0), sigmaX=max(1.0, margin / 40)), (canvas_w, canvas_h))
    yy, xx = np.mgrid[0:small[1], 0:small[0]].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * small[0], rng.uniform(0.2, 0.8) * small[1]
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(small)
    light = cv2.resize(1.05 - 0.35 * dist, (canvas_w, canvas_h))
    mask = flat[..., None]
    img = background * (1 - 0.45 * shadow[..., None]) * (1 - mask) + warped * mask
    img *= light[..., None]
    cast = rng.uniform(0.93, 1.05, 3).astype(np.float32)
    img *= cast
    blur = float(np.round(rng.uniform(0.6, 1.3), 2))
    img = cv2.GaussianBlur(img, (0, 0), sigmaX=blur)
    noise = float(np.round(rng.uniform(3, 7), 1))
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(noise)
    data = _jpeg(np.clip(img, 0, 255).astype(np.uint8), 60)
    return data, {
        "dpi": dpi, "rotation_deg": rotation, "blur_radius": blur, "noise_std": noise,
        "jpeg_quality": 60, "perspective": True, "page": 1,
        # where the page's corners (top-left, top-right, bottom-right, bottom-left) lie in the photo, in
        # pixels: the true position of anything printed on the page (tests of boxes on photos)
        "page_corners": [[round(float(x), 2), round(float(y), 2)] for x, y in dst_pts],
        "method": "page 1 rasterised, pasted on a background, perspective warp, rotation, "
                  "uneven light/shadow, colour cast, blur, noise, JPEG q60",
    }


def is_image_only(pdf: bytes) -> bool:
    """True when no page of the PDF has a text layer."""
    return all(not page.get_text().strip() for page in pymupdf.open(stream=pdf))
