"""PP-OCR through RapidOCR 3.10 on onnxruntime, with only the models in the wheel.

RapidOCR 3.10.0 bundles PP-OCRv6 *small* detection, PP-OCRv6 *small* multilingual
recognition and the PP-OCR mobile v2.0 direction classifier under
``rapidocr/models/``; its default config (``Det/Rec: PP-OCRv6, small, ch`` on
``onnxruntime``) points at exactly those files. Any other model would be fetched
from the internet at start-up, so this adapter never changes the model settings and
refuses to start when the bundled files are missing (instead of letting RapidOCR
try a download).

``Global.max_side_len`` is raised from 2000 to 2400 px: the default garbles 7-pt
footer text on a 200 dpi A4 render (~30 % more time).

Speed on a phone photo (2 busy cores, ``bench/read.py``):

* **Detection on a downscaled page**: RapidOCR's detector is set to shrink the page
  to ``DET_SIDE`` px on its long side (``Det.limit_type: max``) instead of scaling its
  *short* side up to at least 736 px (which kept a flattened photo at ~2100 px); the
  boxes it finds are mapped back to the full-size page, and the recogniser still
  reads full-resolution crops. Detection was ~60 % of a photo's CPU.
* **Intra-op threads** (``ORT_THREADS``): one per session. A worker runs per core
  (``README``: "OCR machines, one per core"), and ONNX Runtime's default of one
  thread per core made two workers fight over both cores, spinning.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline.core.errors import OcrUnavailable
from pipeline.core.records import Line, Word
from pipeline.read.deadline import check
from pipeline.read.ocr.base import (
    PixelWord,
    clamp_box,
    make_line,
    normalise_text,
    on_helper,
    to_bgr,
    to_gray,
)

log = logging.getLogger(__name__)

BUNDLED_MODELS = (
    "PP-OCRv6_det_small.onnx",
    "PP-OCRv6_rec_small.onnx",
    "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
)
DET_SIDE = 960  # px, long side of the page the detector sees
ORT_THREADS = 1  # ONNX Runtime intra-op threads per session: one worker per core
PARAMS: dict[str, Any] = {
    "Global.max_side_len": 2400,
    "Global.return_word_box": True,
    "Global.log_level": "warning",
    "Global.use_cls": False,  # pages are upright after clean-up; saves ~10 %
    # whole-page reading: one detected line per recogniser call, not six padded to the
    # widest (a photo's peak RSS 763 -> 587 MB; see REC_BATCH)
    "Rec.rec_batch_num": 1,
    "Det.limit_type": "max",
    "Det.limit_side_len": DET_SIDE,
    "EngineConfig.onnxruntime.intra_op_num_threads": ORT_THREADS,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}
# Crops per recogniser call. One: on one ONNX thread a batch saves nothing per crop and
# pads every crop to the batch's widest (the convolutions' cost grows with the padded
# width): the re-reads of 21 scan pages cost 0.45 CPU-s a page in batches of 6, 0.30 one
# by one (min of 3 runs), and the attention's memory is one crop's, not six.
REC_BATCH = 1
REC_MIN_WIDTH = 64  # px at the recogniser's 48 px height (160: +0.03 CPU-s a page, same text found)
MAX_RATIO = 24.0  # widest crop (in heights) read in one piece: ~1150 px at 48 px
_LOCK = threading.Lock()  # one RapidOCR object per process, its recogniser loaded under it
PARALLEL_MIN_CROPS = 4  # fewer crops than twice this are read on one thread


def _models_dir() -> Path | None:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None or importlib.util.find_spec("onnxruntime") is None:
        return None
    return Path(spec.origin).parent / "models"


def bundled_models_present() -> bool:
    folder = _models_dir()
    return folder is not None and all((folder / name).is_file() for name in BUNDLED_MODELS)


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The process's RapidOCR object (loading the models takes ~0.3 s)."""
    if not bundled_models_present():
        raise OcrUnavailable("RapidOCR, onnxruntime or the models bundled in its wheel are missing.")
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR(params=dict(PARAMS))


def split_wide(crop: np.ndarray, max_ratio: float = MAX_RATIO) -> list[np.ndarray]:
    """A crop wider than ``max_ratio`` heights, cut into pieces at its emptiest columns.

    The recogniser's attention grows with the square of its input's width: one crop of
    a long thin line (ratio ~70, a 3500 px wide input) took ~700 MB and most of a
    page's re-read time. Pieces are cut where the fewest dark pixels are, within a
    quarter of a piece around each even cut, so a cut falls between words.
    """
    height, width = crop.shape[:2]
    if width <= max_ratio * max(1, height):
        return [crop]
    gray = to_gray(crop).astype(np.float32)
    ink = np.convolve((255.0 - gray).sum(axis=0), np.ones(5) / 5, mode="same")
    parts = math.ceil(width / (max_ratio * height))
    step = width / parts
    cuts = [0]
    for k in range(1, parts):
        lo, hi = int(k * step - step / 4), int(k * step + step / 4)
        cuts.append(lo + int(np.argmin(ink[lo:hi])))
    cuts.append(width)
    return [crop[:, a:b] for a, b in pairwise(cuts) if b > a]


def recognise_crops(crops: list[np.ndarray], threads: int = 1) -> list[tuple[str, float]]:
    """Recognition only (no detection) of text-line crops: ``[(text, score)]``.

    Crops are resized to the recogniser's 48 px height and read ``REC_BATCH`` at a time
    (sorted by width), each call padded to its widest crop but to no less than
    ``REC_MIN_WIDTH`` px. RapidOCR's own batching pads every crop to at least 320 px,
    which for the short word crops ``auto`` sends costs ~40 % more CPU. A crop wider
    than ``MAX_RATIO`` heights is read in pieces (:func:`split_wide`): its text is the
    pieces' joined by a space, its score their lowest. ``threads=2`` reads every other
    crop (by width) on a second thread: ONNX Runtime releases the GIL and one session
    may run from several threads.
    """
    if not crops:
        return []
    pieces = [split_wide(c) if c.size else [c] for c in crops]
    if any(len(p) > 1 for p in pieces):
        flat = recognise_crops([piece for p in pieces for piece in p], threads)
        joined: list[tuple[str, float]] = []
        for p in pieces:
            read, flat = flat[: len(p)], flat[len(p) :]
            joined.append((" ".join(t for t, _ in read if t), min(score for _, score in read)))
        return joined
    engine = _engine()
    images = [to_bgr(c) for c in crops if c.size]
    ratios = [c.shape[1] / max(1, c.shape[0]) for c in images]
    order = np.argsort(ratios, kind="stable")
    out: list[tuple[str, float]] = [("", 0.0)] * len(images)
    with _LOCK:  # the recogniser is loaded once
        rec = engine._load_rec_model()
    height = int(rec.rec_image_shape[1])

    def run(indices: np.ndarray) -> None:
        for start in range(0, len(indices), REC_BATCH):
            idx = indices[start : start + REC_BATCH]
            width = max(REC_MIN_WIDTH, math.ceil(height * ratios[idx[-1]] / 8.0) * 8)
            batch = np.zeros((len(idx), 3, height, width), np.float32)
            for k, i in enumerate(idx):
                w = max(1, min(width, math.ceil(height * ratios[i])))
                resized = cv2.resize(images[i], (w, height)).astype(np.float32)
                batch[k, :, :, :w] = resized.transpose(2, 0, 1) / 127.5 - 1.0
            lines, _ = rec.postprocess_op(rec.session(batch), False,
                                          wh_ratio_list=[ratios[i] for i in idx], max_wh_ratio=width / height)
            for k, i in enumerate(idx):
                out[i] = (normalise_text(lines[k][0]), float(lines[k][1]))
            check()  # between batches: a page past its deadline stops here

    if threads >= 2 and len(images) >= 2 * PARALLEL_MIN_CROPS:
        other = on_helper(run, order[1::2])
        try:
            run(order[0::2])
        finally:
            other.result()
    else:
        run(order)
    if len(images) != len(crops):  # empty crops read as nothing
        it = iter(out)
        return [next(it) if c.size else ("", 0.0) for c in crops]
    return out


class RapidOcrEngine:
    """PP-OCRv6 detection + recognition on the whole page (the accurate, slower path)."""

    name = "rapidocr"

    def available(self) -> bool:
        return bundled_models_present()

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        if not self.available():
            raise OcrUnavailable("RapidOCR is not installed with its bundled models.")
        engine = _engine()
        height, width = image.shape[:2]
        check()
        with _LOCK:
            result = engine(to_bgr(image))
        check()
        if result is None or not result.txts:
            return []
        words_per_line = result.word_results or ()
        lines: list[Line] = []
        for i, (text, score, quad) in enumerate(zip(result.txts, result.scores, result.boxes, strict=False)):
            text = normalise_text(text).strip()
            if not text:
                continue
            pixel_words = _words(words_per_line[i] if i < len(words_per_line) else (), float(score))
            words = [
                Word(w.text, clamp_box(w.x0, w.y0, w.x1, w.y1, width, height), w.confidence)
                for w in pixel_words
            ]
            if not words:
                xs, ys = np.asarray(quad)[:, 0], np.asarray(quad)[:, 1]
                box = clamp_box(xs.min(), ys.min(), xs.max(), ys.max(), width, height)
                words = [Word(t, box, float(score)) for t in text.split()]
            lines.append(make_line(words, confidence=float(score), text=text))
        return lines


def _words(items: Any, line_score: float) -> list[PixelWord]:
    words: list[PixelWord] = []
    for item in items or ():
        try:
            text, score, quad = item
        except (TypeError, ValueError):
            continue
        text = normalise_text(str(text)).strip()
        if not text or quad is None:
            continue
        pts = np.asarray(quad, dtype=float).reshape(-1, 2)
        conf = float(score) if score is not None else line_score
        words.append(PixelWord(text, pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max(), conf))
    return words
