"""Load JPEG/PNG/TIFF (multi-page)/WebP images with Pillow, safely.

Each frame's pixel count is checked against ``max_pixels`` *before* it is decoded
(decompression-bomb guard → :class:`~pipeline.core.errors.TooLarge`), EXIF orientation
is applied, and frames come back as ``uint8`` greyscale or BGR arrays (OpenCV
order), one per page. Photo clean-up lives in :mod:`pipeline.read.cleanup`.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator

import numpy as np

from pipeline.core.errors import CorruptFile, EmptyFile, TooLarge, UnsupportedFormat

log = logging.getLogger(__name__)

FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "MPO")


def count_frames(data: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return int(getattr(im, "n_frames", 1))


def iter_frames(data: bytes, max_pixels: int, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Decode the image's frames (pages) in order, at most ``max_frames``."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise EmptyFile("The image file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError as exc:
            raise UnsupportedFormat("The file is not a JPEG, PNG, TIFF or WebP image.") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(f"The image is too large to open safely ({exc}).") from exc
        with im:
            frames = int(getattr(im, "n_frames", 1))
            limit = frames if max_frames is None else min(frames, max_frames)
            for index in range(limit):
                try:
                    im.seek(index)
                except EOFError:
                    break
                width, height = im.size
                if width * height > max_pixels:
                    raise TooLarge(
                        f"Image page {index + 1} has {width}x{height} pixels, over the limit of {max_pixels}."
                    )
                if width < 1 or height < 1:
                    raise CorruptFile(f"Image page {index + 1} has no pixels.")
                try:
                    yield _to_array(ImageOps.exif_transpose(im.copy()))
                except (OSError, ValueError, SyntaxError) as exc:
                    raise CorruptFile(f"Image page {index + 1} cannot be decoded: {exc}") from exc
                except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                    raise TooLarge(f"The image is too large to open safely ({exc}).") from exc


def _to_array(im: object) -> np.ndarray:
    from PIL import Image

    assert isinstance(im, Image.Image)
    if im.mode in ("1", "L", "I;16", "I;16B", "I;16L", "I", "F"):
        if im.mode in ("I", "F", "I;16", "I;16B", "I;16L"):
            arr = np.asarray(im, dtype=np.float64)
            span = max(float(arr.max() - arr.min()), 1e-6)
            return ((arr - arr.min()) * (255.0 / span)).astype(np.uint8)
        return np.asarray(im.convert("L"), dtype=np.uint8).copy()
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        background = Image.new("RGB", im.size, (255, 255, 255))
        rgba = im.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        im = background
    rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])  # RGB → BGR
