"""``auto``: Tesseract for speed, PP-OCR where Tesseract is unsure.

How the two engines are combined
--------------------------------
1. **Photos** (the clean-up found and flattened a page quadrilateral, or had to
   straighten a tilt): Tesseract reads the flattened page first, as for a scan
   (point 2 and 3). When that first reading is confident — at least
   ``PHOTO_CONFIDENT_SHARE`` of at least ``PHOTO_MIN_WORDS`` words at confidence
   ≥ 0.8: the photo is flat, sharp and evenly lit enough — it is kept, with the
   uncertain crops re-read by PP-OCR. Otherwise PP-OCR (RapidOCR, PP-OCRv6 det +
   rec; detection on a page shrunk to ``rapid.DET_SIDE`` px) reads the whole page:
   its detector copes with left-over curvature, blur and uneven light far better
   than Tesseract's layout analysis. Most phone photos take the first way, at about
   a scan's cost, instead of ~6 CPU-s for PP-OCR's whole-page reading.
2. **Scans and rendered PDF pages**: Tesseract LSTM reads the whole page first.
   With ``READ_THREADS`` >= 2 a sheet (not a till slip:
   :func:`~pipeline.read.ocr.tesseract.bandable`) is cut in two at a clean gap and
   each band is read *and re-read* (point 3) on its own thread (:meth:`AutoEngine._read_bands`);
   a photo's two bands are read by Tesseract in parallel, then judged whole (point 1). Light text on dark bands was
   already turned dark-on-light by the clean-up (:mod:`pipeline.read.invert`), so
   Tesseract's own inversion pass stays off.
3. **Re-reading what Tesseract is unsure of** with the PP-OCR *recogniser only*
   (no detection) on crops of the page:
   * a whole *line* whose mean word confidence is below ``LINE_REREAD`` (usually
     small print or noise Tesseract garbled) is re-read as one crop, and its words
     are replaced by PP-OCR's reading (boxes shared out by character count);
   * a single *word* is re-read when its confidence is below ``WORD_REREAD``, or
     when it holds digits and is below ``NUMERIC_REREAD`` or mixes digits with
     letters that look like digits (``O o I l S B Z |``): amounts, dates and
     invoice numbers are where a misread costs most.
   * *ink no word covers* (Tesseract's layout analysis sometimes drops a whole
     block, e.g. a shaded totals table): blobs of text-like size outside every word
     box (:mod:`pipeline.read.ocr.coverage`) are read by the recogniser and added
     as new lines when PP-OCR reads Latin letters or digits with a score ≥ 0.6.
   A re-read replaces Tesseract's text only when PP-OCR's score is higher than
   Tesseract's confidence, and the word takes PP-OCR's score as confidence. At most
   ``MAX_CROPS`` crops are re-read per page (lowest confidence first), which bounds
   the extra time (~17 ms CPU per crop, read one at a time, on two threads when
   ``threads >= 2``: :func:`~pipeline.read.ocr.rapid.recognise_crops`).
4. When PP-OCR is not installed, ``auto`` is plain Tesseract; when Tesseract is not
   installed, ``auto`` is plain PP-OCR. Only when neither is installed does it
   decline (``available() -> False``, :class:`~pipeline.core.errors.OcrUnavailable`).

The page's engine name is ``"rapidocr+tesseract"`` whichever path was taken; word
confidences say which engine read each word (PP-OCR scores replace Tesseract's).
"""

from __future__ import annotations

import logging
import re
import unicodedata

import numpy as np

from pipeline.core.config import read_threads
from pipeline.core.errors import OcrUnavailable
from pipeline.core.records import Line, Word
from pipeline.read.deadline import check
from pipeline.read.ocr.base import make_line, on_helper, sort_lines
from pipeline.read.ocr.coverage import missed_regions
from pipeline.read.ocr.rapid import RapidOcrEngine, recognise_crops
from pipeline.read.ocr.tesseract import TesseractEngine

log = logging.getLogger(__name__)

WORD_REREAD = 0.80
NUMERIC_REREAD = 0.93
LINE_REREAD = 0.60
MAX_CROPS = 60
MAX_MISSED = 30
PHOTO_CONFIDENT_SHARE = 0.80  # Tesseract words at >= 0.8 on a photo it may keep
PHOTO_MIN_WORDS = 20
NEW_TEXT_SCORE = 0.6
_AMBIGUOUS = re.compile(r"(?=.*\d)(?=.*[OoIlSBZ|])")


def _needs_reread(word: Word) -> bool:
    if word.confidence < WORD_REREAD:
        return True
    if any(ch.isdigit() for ch in word.text):
        return word.confidence < NUMERIC_REREAD or bool(_AMBIGUOUS.search(word.text))
    return False


def flat_enough(lines: list[Line]) -> bool:
    """Tesseract read this photo confidently: keep its reading (with re-reads)."""
    confidences = [word.confidence for line in lines for word in line.words]
    if len(confidences) < PHOTO_MIN_WORDS:
        return False
    return sum(c >= WORD_REREAD for c in confidences) >= PHOTO_CONFIDENT_SHARE * len(confidences)


def _crop(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    height, width = image.shape[:2]
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    pad_y = max(3.0, (y1 - y0) * 0.25)
    pad_x = max(4.0, (y1 - y0) * 0.4)
    top, bottom = int(max(0, y0 - pad_y)), int(min(height, y1 + pad_y + 1))
    left, right = int(max(0, x0 - pad_x)), int(min(width, x1 + pad_x + 1))
    return image[top:bottom, left:right]


def _plausible(text: str, score: float) -> bool:
    """PP-OCR's reading of a blob is worth adding: Latin/digits, no CJK, no rule of dashes."""
    if score < NEW_TEXT_SCORE or not any(ch.isalnum() for ch in text):
        return False
    letters = [ch for ch in text if ch.isalnum()]
    latin = sum(1 for ch in letters if ch.isdigit() or "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters) >= 0.9


def _split_line(text: str, box: tuple[float, float, float, float], score: float) -> list[Word]:
    """Words of a re-read line, the line's box shared out by character count."""
    tokens = text.split()
    total = sum(len(t) for t in tokens) + max(0, len(tokens) - 1)
    if not tokens or total == 0:
        return []
    x0, y0, x1, y1 = box
    step = (x1 - x0) / total
    words, pos = [], 0
    for token in tokens:
        words.append(Word(token, (x0 + pos * step, y0, x0 + (pos + len(token)) * step, y1), score))
        pos += len(token) + 1
    return words


def _onto_page(lines: list[Line], top: int, band_height: int, height: int) -> list[Line]:
    """Lines read on a band ``band_height`` px tall starting at row ``top``, boxed on the whole page."""
    def y(value: float) -> float:
        return (value * band_height + top) / max(1, height)

    def box(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (b[0], y(b[1]), b[2], y(b[3]))

    return [Line(line.text, box(line.bbox), line.confidence,
                 tuple(Word(w.text, box(w.bbox), w.confidence) for w in line.words)) for line in lines]


class AutoEngine:
    """Tesseract first pass, PP-OCR on uncertain crops; PP-OCR for whole photos."""

    name = "rapidocr+tesseract"

    def __init__(self, tesseract: TesseractEngine | None = None, rapid: RapidOcrEngine | None = None,
                 threads: int | None = None) -> None:
        self.threads = max(1, threads if threads is not None else read_threads())
        self.tesseract = tesseract or TesseractEngine(threads=self.threads)
        self.rapid = rapid or RapidOcrEngine()

    def available(self) -> bool:
        return self.tesseract.available() or self.rapid.available()

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        has_tess, has_rapid = self.tesseract.available(), self.rapid.available()
        if not (has_tess or has_rapid):
            raise OcrUnavailable("Neither Tesseract nor RapidOCR is installed.")
        if not has_tess:
            return self.rapid.read(image, photo=photo)
        if not has_rapid:
            return self.tesseract.read(image, photo=photo)
        cut = None if photo else self.tesseract.band_cut(image)
        if cut is not None:
            return self._read_bands(image, cut)
        # a sheet no gap cuts: in one call (its cut was just looked for); a photo: Tesseract reads
        # its bands in parallel itself, since flat_enough judges all its words together
        lines = self.tesseract.read(image, photo=photo, whole=not photo)
        if photo and not flat_enough(lines):
            check()
            log.debug("auto: photo not flat enough for Tesseract; PP-OCR reads the page")
            return self.rapid.read(image, photo=True)
        check()
        return self._reread(image, lines, self.threads)

    def _read_bands(self, image: np.ndarray, cut: int) -> list[Line]:
        """A scanned sheet cut at ``cut``: each band read and re-read on its own thread.

        Tesseract and the crop re-reads of one band run one after the other on one
        thread, the other band's on the helper thread, so neither thread waits for the
        other between the two steps (cutting only Tesseract's step in two left a thread
        idle while the other finished its band, then shared the crops out again).
        """
        height = image.shape[0]
        lower = on_helper(self._read_band, np.ascontiguousarray(image[cut:]))
        try:
            upper = self._read_band(np.ascontiguousarray(image[:cut]))
        finally:
            lower_lines = lower.result()
        return _onto_page(upper, 0, cut, height) + _onto_page(lower_lines, cut, height - cut, height)

    def _read_band(self, band: np.ndarray) -> list[Line]:
        lines = self.tesseract.read(band, whole=True)
        check()
        return self._reread(band, lines, 1)

    def _reread(self, image: np.ndarray, lines: list[Line], threads: int) -> list[Line]:
        # (priority, line index, word index or -1 for the whole line)
        jobs: list[tuple[float, int, int]] = []
        for li, line in enumerate(lines):
            mean = sum(w.confidence for w in line.words) / max(1, len(line.words))
            if mean < LINE_REREAD:
                jobs.append((mean, li, -1))
                continue
            jobs.extend((w.confidence, li, wi) for wi, w in enumerate(line.words) if _needs_reread(w))
        jobs = sorted(jobs)[:MAX_CROPS]
        missed = missed_regions(image, lines, limit=MAX_MISSED)
        if not jobs and not missed:
            return lines
        crops = []
        for _, li, wi in jobs:
            box = lines[li].bbox if wi < 0 else lines[li].words[wi].bbox
            crops.append(_crop(image, box))
        crops.extend(_crop(image, box) for box in missed)
        readings = recognise_crops(crops, threads)
        added: list[Line] = []
        for box, (text, score) in zip(missed, readings[len(jobs):], strict=False):
            text = text.strip()
            if _plausible(text, score):
                added.append(make_line(_split_line(text, box, score)))
        new_words: dict[int, list[Word]] = {li: list(line.words) for li, line in enumerate(lines)}
        replaced_lines: dict[int, list[Word]] = {}
        changed = 0
        for (_, li, wi), (text, score) in zip(jobs, readings, strict=False):
            text = text.strip()
            if not text:
                continue
            if wi < 0:
                line = lines[li]
                mean = sum(w.confidence for w in line.words) / max(1, len(line.words))
                if score > mean:
                    replaced_lines[li] = _split_line(text, line.bbox, score)
                    changed += 1
            else:
                old = new_words[li][wi]
                if score > old.confidence and text != old.text:
                    new_words[li][wi] = Word(text, old.bbox, score)
                    changed += 1
                elif score > old.confidence:
                    new_words[li][wi] = Word(old.text, old.bbox, score)
        log.debug("auto: %d crops re-read by PP-OCR, %d changed, %d missed blobs, %d added",
                  len(jobs), changed, len(missed), len(added))
        out: list[Line] = []
        for li in range(len(lines)):
            words = replaced_lines.get(li) or new_words[li]
            if words:
                out.append(make_line(words))
        return sort_lines(out + added) if added else out
