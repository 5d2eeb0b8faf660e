"""Page images of originals: PDF pages with PyMuPDF, photos and scans with Pillow.

Renders are cached per (content hash, page, dpi): an original never changes, so a
cached render can never be stale, and access is checked before a render is asked for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.enums import DocumentKind
from pipeline.core.storage import read_original

DEFAULT_DPI = 110
CROP_DPI = 160
MAX_IMAGE_SIDE = 1800  # photos are scaled down to this for the screen


@dataclass(frozen=True)
class Rendered:
    png: bytes
    width: int
    height: int
    page_count: int


def render_page(data_dir: Path, relative_path: str, sha256: str, kind: DocumentKind | None, page: int,
                dpi: int = DEFAULT_DPI) -> Rendered | None:
    """PNG of page ``page`` (1-based) of an original; None for kinds without pages (UBL, e-mail)."""
    if kind not in (DocumentKind.PDF, DocumentKind.IMAGE):
        return None
    return _render(str(data_dir), relative_path, sha256, kind.value, page, dpi)


@lru_cache(maxsize=48)
def _render(data_dir: str, relative_path: str, sha256: str, kind: str, page: int, dpi: int) -> Rendered:
    del sha256  # part of the cache key only
    data = read_original(Path(data_dir), relative_path)
    if kind == DocumentKind.PDF.value:
        import pymupdf

        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            count = pdf.page_count
            index = min(max(page, 1), count) - 1
            pix = pdf[index].get_pixmap(dpi=dpi, alpha=False)
            return Rendered(pix.tobytes("png"), pix.width, pix.height, count)
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        count = getattr(image, "n_frames", 1)
        if count > 1:
            image.seek(min(max(page, 1), count) - 1)
        frame = ImageOps.exif_transpose(image).convert("RGB")
    scale = min(1.0, MAX_IMAGE_SIDE / max(frame.size)) * (dpi / DEFAULT_DPI if dpi > DEFAULT_DPI else 1.0)
    if scale != 1.0:
        frame = frame.resize((max(1, int(frame.width * scale)), max(1, int(frame.height * scale))))
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=False)
    return Rendered(out.getvalue(), frame.width, frame.height, count)


def crop_png(png: bytes, bbox: tuple[float, float, float, float] | list[float], margin: float = 0.012,
             max_width: int = 520) -> bytes:
    """The part of a page image inside a normalised box (plus a margin), as PNG."""
    from PIL import Image

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
