"""Load JPEG/PNG/TIFF (multi-page)/WebP/HEIC images with Pillow, safely.

HEIC/HEIF (what an iPhone sends by default) is decoded by ``pillow-heif``, whose
opener is registered with Pillow when this module is imported. libheif applies the
photo's rotation and mirroring when it decodes and pillow-heif then resets the EXIF
orientation to 1, so ``exif_transpose`` below never turns a HEIC twice. A HEIC
holding several images (a burst) is read as its primary image: one photo, one page.

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
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from pipeline.core.errors import CorruptFile, EmptyFile, TooLarge, UnsupportedFormat

log = logging.getLogger(__name__)

SINGLE_PAGE = ("HEIF", "MPO")  # several images, one photo: the primary image is the page

register_heif_opener()
Image.init()
# the formats this Pillow can open (Pillow 13 has no separate MPO opener: JPEG opens it)
FORMATS = tuple(f for f in ("JPEG", "PNG", "TIFF", "WEBP", "HEIF", "MPO") if f in Image.OPEN)


def count_frames(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as im:
        return 1 if im.format in SINGLE_PAGE else int(getattr(im, "n_frames", 1))


def iter_frames(data: bytes, max_pixels: int, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Decode the image's frames (pages) in order, at most ``max_frames``."""
    if not data:
        raise EmptyFile("The image file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError as exc:
            raise UnsupportedFormat("The file is not a JPEG, PNG, TIFF, WebP or HEIC image.") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLarge(f"The image is too large to open safely ({exc}).") from exc
        with im:
            frames = 1 if im.format in SINGLE_PAGE else int(getattr(im, "n_frames", 1))
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
