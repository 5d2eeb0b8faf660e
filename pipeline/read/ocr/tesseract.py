"""Tesseract 5 (LSTM) through ``tesserocr``, reading Debian's tessdata.

The ``tesserocr`` wheel bundles its own libtesseract but no language data, so the
API is opened with ``path=`` at Debian's tessdata folder (``tesseract-ocr-nld/-fra/
-deu/-eng``). ``OMP_THREAD_LIMIT=1`` is set before the library loads (OpenMP inside
Tesseract is ~10x slower on small machines) and ``tessedit_do_invert=0`` (no second
try on inverted text: ~10 % faster; light text on dark bands is turned dark-on-light
by the clean-up before OCR, :mod:`pipeline.read.invert`).

``bands=True`` (the default, ``BANDS``) with ``threads >= 2`` (``READ_THREADS``, default
min(2, the CPUs this process may use)) cuts a sheet (:func:`bandable`: not a till
slip) in two at a *clean* horizontal gap (:func:`clean_gap`: blank
rows, no rule running through, the ink shared evenly) and reads the bands on two
threads (tesserocr releases the GIL; the page's deadline goes with the second thread).
A page with no such gap, or a small one, is read in one call. The PP-OCR crop
re-reads also go on two threads (:func:`~pipeline.read.ocr.rapid.recognise_crops`),
which changes no text. A pool of one worker per core should set ``READ_THREADS=1``:
then every page is read whole on one thread.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.core.config import read_threads
from pipeline.core.errors import OcrUnavailable
from pipeline.core.records import Line, Word
from pipeline.read.deadline import check, remaining_ms
from pipeline.read.ocr.base import (
    clamp_box,
    make_line,
    normalise_text,
    on_helper,
    to_gray,
)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

log = logging.getLogger(__name__)

DEFAULT_LANG = "nld+fra+deu+eng"
TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
MIN_BAND_PX = 400  # neither band of a cut page lower than this
GAP_ROWS = 0.006  # a cut needs blank rows this share of the page tall (~14 px at 200 dpi A4)
GAP_INK = 0.002  # a "blank" row may have this share of its width dark (specks)
GAP_WINDOW = 0.25  # the cut lies within this share of the height from the middle
# Two bands on two threads, for sheets, never till slips (:func:`bandable`). On the dev set's
# 14 scanned pages (bench/read.py on a quiet 2-core machine) wall 1.06 -> ~0.75 s a page;
# `evaluate --kinds scanned_pdf --no-cache` 83 of 85 fields right either way, once party
# names shed the specks OCR reads before them (the lower band of an AWS invoice read a
# stray "‚" before the supplier's name).
BANDS = True
MAX_BAND_ASPECT = 1.55  # taller than this times the width: a till slip, read whole
MIN_BAND_WIDTH = 1000  # px; narrower: a till slip (an A4 sheet at 150 dpi is 1,240)


def tessdata_dir(lang: str = DEFAULT_LANG) -> Path | None:
    """The first tessdata folder holding every language of ``lang``."""
    env = os.environ.get("TESSDATA_PREFIX")
    for candidate in ([env] if env else []) + list(TESSDATA_CANDIDATES):
        folder = Path(candidate)
        if all((folder / f"{code}.traineddata").is_file() for code in lang.split("+")):
            return folder
    return None


class _ApiPool:
    """Reusable ``PyTessBaseAPI`` objects (opening one costs ~0.4 s for four languages)."""

    def __init__(self, path: Path, lang: str) -> None:
        self.path = path
        self.lang = lang
        self._free: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()

    @contextmanager
    def api(self) -> Iterator[Any]:
        try:
            handle = self._free.get_nowait()
        except queue.Empty:
            import tesserocr

            with self._lock:
                handle = tesserocr.PyTessBaseAPI(path=str(self.path), lang=self.lang)
                handle.SetVariable("tessedit_do_invert", "0")
        try:
            yield handle
        finally:
            handle.Clear()
            self._free.put(handle)


@lru_cache(maxsize=4)
def _pool(lang: str) -> _ApiPool:
    folder = tessdata_dir(lang)
    if folder is None:
        raise OcrUnavailable(f"No tessdata folder holds the languages {lang}.")
    return _ApiPool(folder, lang)


def clean_gap(gray: np.ndarray) -> int | None:
    """The row at which to cut ``gray`` into two bands, or ``None`` (read it whole).

    The cut is the middle of a run of blank rows (no more than ``GAP_INK`` of the
    width dark, after binarising at 128) at least ``GAP_ROWS`` of the height tall and
    with no column dark all the way through it: it never crosses a text line, a ruled
    table (a vertical rule) or a shaded block. Of the runs within ``GAP_WINDOW`` of the middle, the one that shares
    the page's ink most evenly between the bands is taken (Tesseract's time follows
    the text it reads, not the height). A page lower than two ``MIN_BAND_PX`` bands,
    or one with no such gap, is not cut.
    """
    height, width = gray.shape[:2]
    if height < 2 * MIN_BAND_PX:
        return None
    ink = (gray < 128).sum(axis=1)
    blank = ink <= max(1, int(GAP_INK * width))
    cumulative = np.cumsum(ink)
    half = cumulative[-1] / 2
    min_run = max(6, int(GAP_ROWS * height))
    lo = max(MIN_BAND_PX, int(height * (0.5 - GAP_WINDOW)))
    hi = min(height - MIN_BAND_PX, int(height * (0.5 + GAP_WINDOW)))
    best: int | None = None
    row = 0
    while row < height:
        if not blank[row]:
            row += 1
            continue
        end = row
        while end < height and blank[end]:
            end += 1
        centre = (row + end) // 2
        if end - row >= min_run and lo <= centre <= hi and (
            best is None or abs(cumulative[centre] - half) < abs(cumulative[best] - half)
        ) and not (gray[row:end] < 128).all(axis=0).any():  # no rule runs down through the gap
            best = centre
        row = end
    return best


def bandable(height: int, width: int) -> bool:
    """A page worth cutting in two: a sheet, not a till slip.

    A till slip (narrower than ``MIN_BAND_WIDTH`` or taller than ``MAX_BAND_ASPECT``
    times its width: A4 is 1.41, US letter 1.29, the dev set's receipts 1.69-3.47) packs
    its total, its shop name and its rounding line into a few centimetres: on the dev set
    receipts read worse cut in two (41 -> 39 of 48 fields right, one total certain and
    wrong), while sheets, photographed or scanned, read as well or better (scans 83 -> 83
    of 85, photos 72 -> 75 of 78: `evaluate --kinds scanned_pdf photo receipt --no-cache`).
    """
    return width >= MIN_BAND_WIDTH and height <= MAX_BAND_ASPECT * width


def _read_band(pool: _ApiPool, band: np.ndarray, top: int) -> list[list[tuple[str, float, tuple[int, int, int, int]]]]:
    """Words of one band grouped into Tesseract's text lines, boxes in page pixels."""
    from PIL import Image
    from tesserocr import RIL, iterate_level

    lines: list[list[tuple[str, float, tuple[int, int, int, int]]]] = []
    with pool.api() as api:
        api.SetImage(Image.fromarray(band))
        api.Recognize(timeout=remaining_ms())  # 0: no limit; else the page's time left
        check()  # Tesseract stopped at the page's deadline: the page is abandoned
        iterator = api.GetIterator()
        if iterator is None:
            return lines
        for item in iterate_level(iterator, RIL.WORD):
            try:
                text = item.GetUTF8Text(RIL.WORD)
            except RuntimeError:  # "No text returned": a page without any word (blank)
                continue
            box = item.BoundingBox(RIL.WORD)
            if box is None or text is None:
                continue
            if item.IsAtBeginningOf(RIL.TEXTLINE) or not lines:
                lines.append([])
            x0, y0, x1, y1 = box
            lines[-1].append((text, item.Confidence(RIL.WORD) / 100.0, (x0, y0 + top, x1, y1 + top)))
    return lines


class TesseractEngine:
    """Tesseract LSTM on the whole page, bands read in parallel."""

    name = "tesseract"

    def __init__(self, lang: str = DEFAULT_LANG, threads: int | None = None, bands: bool = BANDS) -> None:
        self.lang = lang
        self.threads = max(1, threads if threads is not None else read_threads())
        self.bands = bands  # with threads >= 2: two bands cut at a clean gap, read in parallel

    def available(self) -> bool:
        try:
            import tesserocr  # noqa: F401
        except ImportError:
            return False
        return tessdata_dir(self.lang) is not None

    def band_cut(self, image: np.ndarray) -> int | None:
        """The row at which this engine cuts ``image`` into two bands read in parallel, or ``None``."""
        height, width = image.shape[:2]
        if not (self.bands and self.threads >= 2 and bandable(height, width)):
            return None
        return clean_gap(np.ascontiguousarray(to_gray(image)))

    def read(self, image: np.ndarray, *, photo: bool = False, whole: bool = False) -> list[Line]:
        """The page's lines; ``whole``: in one call on this thread, never cut in bands."""
        if not self.available():
            raise OcrUnavailable(f"tesserocr or the tessdata for {self.lang} is not installed.")
        gray = np.ascontiguousarray(to_gray(image))
        height, width = gray.shape[:2]
        pool = _pool(self.lang)
        cut = None if whole else self.band_cut(gray)
        if cut is None:
            raw = [_read_band(pool, gray, 0)]
        else:
            lower = on_helper(_read_band, pool, np.ascontiguousarray(gray[cut:]), cut)
            try:
                upper = _read_band(pool, np.ascontiguousarray(gray[:cut]), 0)
            finally:
                lower_lines = lower.result()
            raw = [upper, lower_lines]
        lines: list[Line] = []
        for band_lines in raw:
            for items in band_lines:
                words = [
                    Word(t, clamp_box(*box, width, height), max(0.0, min(1.0, conf)))
                    for text, conf, box in items
                    if (t := normalise_text(text).strip())
                ]
                if words:
                    lines.append(make_line(words))
        return lines
