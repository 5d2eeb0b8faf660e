"""iPhone photos (HEIC) are read, upright as the phone showed them; made here with pillow-heif."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image, ImageDraw

from models.enums import DocumentKind
from pipeline.core.config import from_environment
from pipeline.core.errors import UnsupportedFormat
from pipeline.intake.sniff import is_heic, sniff
from pipeline.read import read_document
from pipeline.read.images import count_frames, iter_frames
from pipeline.read.ocr import TesseractEngine

ORIENTATION = 0x0112


def heic_photo(orientation: int = 6) -> bytes:
    """A receipt photographed with the phone turned: the sensor's pixels lie sideways and
    the EXIF orientation (6: turn 90° clockwise to view) says how to show them."""
    upright = Image.new("RGB", (900, 1200), (250, 250, 246))
    draw = ImageDraw.Draw(upright)
    draw.text((60, 200), "KASTICKET 2026-0042", fill=(0, 0, 0), font_size=56)
    draw.text((60, 420), "TOTAAL 1.210,00 EUR", fill=(0, 0, 0), font_size=56)
    sensor = upright.rotate(90, expand=True)  # what the sensor saw: turned counter-clockwise
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    sensor.save(out, format="HEIF", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_heic_is_sniffed_as_an_image() -> None:
    data = heic_photo()
    assert data[4:12] == b"ftypheic"
    assert is_heic(data)
    assert sniff(data, "IMG_0042.HEIC") is DocumentKind.IMAGE
    assert sniff(data, "IMG_0042.jpg") is DocumentKind.IMAGE  # the content wins


def test_avif_is_still_refused_in_words() -> None:
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64
    assert not is_heic(avif)
    with pytest.raises(UnsupportedFormat, match="AVIF"):
        sniff(avif, "photo.avif")


def test_heic_photo_is_read_upright() -> None:
    data = heic_photo()
    assert count_frames(data) == 1
    frame = next(iter_frames(data, 60_000_000))
    assert frame.shape[:2] == (1200, 900)  # portrait, as the phone showed it
    if not TesseractEngine().available():
        pytest.skip("Tesseract is not installed")
    result = read_document(data, DocumentKind.IMAGE, from_environment({}).with_(ocr_engine="tesseract"))
    assert len(result.pages) == 1
    assert "1.210,00" in result.text and "2026-0042" in result.text


def test_heic_pixel_limit_checked_before_decoding() -> None:
    from pipeline.core.errors import TooLarge

    with pytest.raises(TooLarge):
        next(iter_frames(heic_photo(), max_pixels=500_000))
    assert pillow_heif.__version__
