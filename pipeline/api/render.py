"""Page images of originals: PDF pages with PyMuPDF, photos and scans with Pillow.

Renders are cached per (content hash, page, dpi): an original never changes, so a
cached render can never be stale, and access is checked before a render is asked for.

Every render stays within a pixel budget (``SCREEN_PIXELS``, ``SCREEN_MAX_SIDE``): a
giant PDF page (a 5 m poster page is legal PDF) is drawn at a lower resolution and
says so in ``note``; an image is measured before it is decoded, and one over
``DECODE_PIXELS`` is not decoded at all. A page that cannot be drawn (too large,
damaged) comes back as a picture that says so in words, with the same ``note``, so
the workbench shows the operator why instead of failing.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw, ImageOps

from models.enums import DocumentKind
from pipeline.core.storage import read_original
from pipeline.read.images import register_heif_opener

log = logging.getLogger(__name__)

DEFAULT_DPI = 110
CROP_DPI = 160
MAX_IMAGE_SIDE = 1800  # photos are scaled down to this for the screen
SCREEN_PIXELS = 12_000_000  # the most pixels one rendered page may have (~48 MB of RGBA)
SCREEN_MAX_SIDE = 6000
DECODE_PIXELS = 60_000_000  # images larger than this are not decoded for the screen

register_heif_opener()


@dataclass(frozen=True)
class Rendered:
    png: bytes
    width: int
    height: int
    page_count: int
    note: str = ""  # said to the operator: drawn smaller than asked, or not drawn at all


def render_page(data_dir: Path, relative_path: str, sha256: str, kind: DocumentKind | None, page: int,
                dpi: int = DEFAULT_DPI) -> Rendered | None:
    """PNG of page ``page`` (1-based) of an original; None for kinds without pages (UBL, e-mail)."""
    if kind not in (DocumentKind.PDF, DocumentKind.IMAGE):
        return None
    return _render(str(data_dir), relative_path, sha256, kind.value, page, dpi)


def screen_zoom(width_pt: float, height_pt: float, dpi: int) -> float:
    """Zoom (1.0 = 72 dpi) for a PDF page at ``dpi``, lowered to stay within the budget."""
    zoom = dpi / 72.0
    width, height = max(width_pt, 1.0), max(height_pt, 1.0)
    if width * height * zoom * zoom > SCREEN_PIXELS:
        zoom = math.sqrt(SCREEN_PIXELS / (width * height))
    return min(zoom, SCREEN_MAX_SIDE / max(width, height))


@lru_cache(maxsize=48)
def _render(data_dir: str, relative_path: str, sha256: str, kind: str, page: int, dpi: int) -> Rendered:
    del sha256  # part of the cache key only
    data = read_original(Path(data_dir), relative_path)
    if kind == DocumentKind.PDF.value:
        return _render_pdf(data, page, dpi)
    return _render_image(data, page, dpi)


def _render_pdf(data: bytes, page: int, dpi: int) -> Rendered:
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - a damaged original is said, not raised
        log.warning("PDF cannot be opened for the screen: %s", exc)
        return cannot_show("This PDF cannot be opened, so its pages cannot be shown. Download the original.", 1)
    with pdf:
        count = max(1, pdf.page_count)
        index = min(max(page, 1), count) - 1
        try:
            shown = pdf[index]
            rect = shown.rect
            zoom = screen_zoom(rect.width, rect.height, dpi)
            pix = shown.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        except Exception as exc:  # noqa: BLE001 - a damaged page
            log.warning("page %d cannot be drawn: %s", index + 1, exc)
            return cannot_show(f"Page {index + 1} is damaged and cannot be shown. Download the original.", count)
        note = ""
        if zoom < dpi / 72.0 * 0.99:
            note = (f"Page {index + 1} is very large ({rect.width / 72 * 2.54:.0f} x {rect.height / 72 * 2.54:.0f} cm): "
                    f"shown at {zoom * 72:.0f} dpi instead of {dpi}.")
        return Rendered(pix.tobytes("png"), pix.width, pix.height, count, note)


def _render_image(data: bytes, page: int, dpi: int) -> Rendered:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            count = 1 if image.format in ("HEIF", "MPO") else getattr(image, "n_frames", 1)
            if count > 1:
                image.seek(min(max(page, 1), count) - 1)
            width, height = image.size
            if width * height > DECODE_PIXELS:
                return cannot_show(f"This image is too large to show ({width} x {height} pixels). "
                                   "Download the original.", count)
            scale = min(1.0, MAX_IMAGE_SIDE / max(width, height)) * (dpi / DEFAULT_DPI if dpi > DEFAULT_DPI else 1.0)
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))  # JPEG: decode smaller
            frame = ImageOps.exif_transpose(image).convert("RGB")
    except Exception as exc:  # noqa: BLE001 - a damaged image is said, not raised
        log.warning("image cannot be drawn: %s", exc)
        return cannot_show("This image is damaged and cannot be shown. Download the original.", 1)
    long_side = max(1, int(max(width, height) * scale))  # the frame may be drafted smaller, or turned
    if max(frame.size) != long_side:
        ratio = long_side / max(frame.size)
        frame = frame.resize((max(1, int(frame.width * ratio)), max(1, int(frame.height * ratio))))
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=False)
    return Rendered(out.getvalue(), frame.width, frame.height, count)


def cannot_show(message: str, page_count: int) -> Rendered:
    """A page-sized picture that says, in words, why the page is not shown."""
    image = Image.new("RGB", (850, 1100), (244, 244, 244))
    draw = ImageDraw.Draw(image)
    words, lines, line = message.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > 38:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for number, text in enumerate(lines):
        draw.text((60, 420 + number * 44), text, fill=(60, 60, 60), font_size=34)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Rendered(out.getvalue(), image.width, image.height, page_count, message)


def crop_png(png: bytes, bbox: tuple[float, float, float, float] | list[float], margin: float = 0.012,
             max_width: int = 520) -> bytes:
    """The part of a page image inside a normalised box (plus a margin), as PNG."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
        x0, y0, x1, y1 = (float(c) for c in bbox)
        left = max(0, int((min(x0, x1) - margin) * width))
        top = max(0, int((min(y0, y1) - margin) * height))
        right = min(width, max(left + 1, int((max(x0, x1) + margin) * width)))
        bottom = min(height, max(top + 1, int((max(y0, y1) + margin) * height)))
        piece = image.crop((left, top, right, bottom))
        if piece.width > max_width:
            piece = piece.resize((max_width, max(1, int(piece.height * max_width / piece.width))))
        out = io.BytesIO()
        piece.save(out, format="PNG")
        return out.getvalue()
