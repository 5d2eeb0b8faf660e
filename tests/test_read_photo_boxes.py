"""Boxes on phone photos lie on their text: generated photos whose true boxes are known.

A synthetic invoice is drawn as a text PDF (its text layer gives each field's exact box
on the page) and photographed by ``pipeline.synth.degrade.photo``, which says where the
page's corners landed in the photo. The true box of a field in the photo is its page box
carried through that perspective. The photo is read by OCR as in production (flattened,
straightened) and each field's box must cover its printed text (IoU ≥ 0.5); the crop the
workbench shows for it (``pipeline.api.render``) must hold the text, not the table.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from models.enums import DocumentKind
from pipeline.api.render import crop_png
from pipeline.core.config import settings as current_settings
from pipeline.extract import extract
from pipeline.read import read_document
from pipeline.read.cleanup import prepare
from pipeline.read.images import iter_frames
from pipeline.synth import degrade, generate

FIELDS = ("invoice_number", "issue_date", "total_incl_vat", "iban", "supplier_vat")
MARGIN = 0.012  # the workbench's crop margin (pipeline.api.render.crop_png)


def iou(a, b) -> float:  # type: ignore[no-untyped-def]
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def covered(inner, outer) -> float:  # type: ignore[no-untyped-def]
    """Share of ``inner`` inside ``outer``."""
    ix = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    iy = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return ix * iy / area if area > 0 else 0.0


def true_box(page_box, corners, size):  # type: ignore[no-untyped-def]
    """A normalised page box carried to the photo through the page's corners, normalised to the photo."""
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(unit, np.array(corners, np.float32))
    x0, y0, x1, y1 = page_box
    pts = cv2.perspectiveTransform(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float64), matrix)[0]
    width, height = size
    return (pts[:, 0].min() / width, pts[:, 1].min() / height, pts[:, 0].max() / width, pts[:, 1].max() / height)


@pytest.fixture(scope="module")
def photos():  # type: ignore[no-untyped-def]
    settings = current_settings()
    out = []
    for seed, item in zip((11, 29), generate(2, 4242, kinds=("text_pdf",)), strict=True):
        truth = extract(read_document(item.data, DocumentKind.PDF, settings))
        jpeg, info = degrade.photo(item.data, seed)
        size = Image.open(io.BytesIO(jpeg)).size
        out.append((truth, jpeg, info, size))
    return settings, out


def test_the_clean_up_maps_boxes_back_exactly() -> None:
    """A block printed on a photographed page: its box on the cleaned page, mapped back, is where it is in the photo."""
    rng = np.random.default_rng(3)
    page = np.full((1100, 800), 245, np.uint8)
    for row in [*range(60, 460, 40), *range(660, 1040, 40)]:  # lines of "text" (the skew estimate reads them)
        page[row:row + 8, 80:80 + int(rng.integers(200, 640))] = 40
    block = (420, 500, 700, 590)  # x0, y0, x1, y1 on the page: a framed stamp, the largest ink blob
    page[block[1]:block[3], block[0]:block[2]] = 20
    page[block[1] + 7:block[3] - 7, block[0] + 7:block[2] - 7] = 245  # a frame (a solid block reads as a dark band)
    corners = np.array([[170, 130], [960, 190], [930, 1290], [140, 1230]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.array([[0, 0], [800, 0], [800, 1100], [0, 1100]], np.float32), corners)
    photo = np.full((1400, 1100), 90, np.uint8)
    cv2.warpPerspective(page, matrix, (1100, 1400), dst=photo, borderMode=cv2.BORDER_TRANSPARENT)
    prepared = prepare(photo)
    assert prepared.warped and prepared.flatten is not None
    ink = (prepared.image < 80).astype(np.uint8)
    _count, _labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    x, y, bw, bh, _area = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
    h, w = prepared.image.shape
    mapped = prepared.to_source((x / w, y / h, (x + bw) / w, (y + bh) / h))
    pts = cv2.perspectiveTransform(np.array([[[block[0], block[1]], [block[2], block[1]], [block[2], block[3]],
                                              [block[0], block[3]]]], np.float64), matrix)[0]
    truth = (pts[:, 0].min() / 1100, pts[:, 1].min() / 1400, pts[:, 0].max() / 1100, pts[:, 1].max() / 1400)
    assert iou(mapped, truth) > 0.85, (mapped, truth)
    unmapped = (x / w, y / h, (x + bw) / w, (y + bh) / h)  # what the boxes were before: off the stamp
    assert iou(unmapped, truth) < 0.5


def test_field_boxes_on_generated_photos_cover_their_text(photos) -> None:  # type: ignore[no-untyped-def]
    settings, items = photos
    scores: list[tuple[str, float]] = []
    for truth, jpeg, info, size in items:
        frame = next(iter_frames(jpeg, settings.max_pixels))
        assert prepare(frame).warped  # the photo is flattened: the case that put boxes beside the text
        read = read_document(jpeg, DocumentKind.IMAGE, settings)
        found = extract(read)
        png = io.BytesIO()
        Image.open(io.BytesIO(jpeg)).convert("RGB").save(png, format="PNG")
        for name in FIELDS:
            expected, got = truth.fields.get(name), found.fields.get(name)
            if expected is None or expected.bbox is None or got is None or got.bbox is None:
                continue
            if str(got.value) != str(expected.value):
                continue  # a misread value: its box is not the question here
            want = true_box(expected.bbox, info["page_corners"], size)
            score = iou(got.bbox, want)
            scores.append((name, score))
            assert score >= 0.5, (name, got.bbox, want, score)
            crop = Image.open(io.BytesIO(crop_png(png.getvalue(), got.bbox, margin=MARGIN, max_width=10_000)))
            left, top = max(0.0, got.bbox[0] - MARGIN), max(0.0, got.bbox[1] - MARGIN)
            shown = (left, top, left + crop.width / size[0], top + crop.height / size[1])  # what the crop shows
            assert covered(want, shown) >= 0.9, (name, "the crop misses the printed text", shown, want)
    assert len(scores) >= 6, scores  # most key fields of both photos were checked
    print("IoU per field:", [(n, round(s, 2)) for n, s in scores])
