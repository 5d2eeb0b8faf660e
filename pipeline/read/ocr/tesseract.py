"""Tesseract 5 (LSTM) through ``tesserocr``, reading Debian's tessdata.

The ``tesserocr`` wheel bundles its own libtesseract but no language data, so the
API is opened with ``path=`` at Debian's tessdata folder (``tesseract-ocr-nld/-fra/
-deu/-eng``). ``OMP_THREAD_LIMIT=1`` is set before the library loads (OpenMP inside
Tesseract is ~10x slower on small machines) and ``tessedit_do_invert=0`` (no second
try on inverted text: ~10 % faster; light text on dark bands is turned dark-on-light
by the clean-up before OCR, :mod:`pipeline.read.invert`).

``threads > 1`` cuts a page into horizontal bands at blank rows and reads them in
parallel (tesserocr releases the GIL): ~40 % faster on two cores, but it is *off by
default* because Tesseract's layout analysis of a half page can drop a block it
finds on the whole page (a shaded totals table in the dev set).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.core.errors import OcrUnavailable
from pipeline.core.records import Line, Word
from pipeline.read.deadline import check, remaining_ms
from pipeline.read.ocr.base import clamp_box, make_line, normalise_text, to_gray

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

log = logging.getLogger(__name__)

DEFAULT_LANG = "nld+fra+deu+eng"
TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
MIN_BAND_PX = 400  # do not split pages smaller than this into bands


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


def split_rows(gray: np.ndarray, parts: int) -> list[int]:
    """Row indices that cut ``gray`` into ``parts`` bands at the emptiest rows."""
    height = gray.shape[0]
    if parts < 2 or height < MIN_BAND_PX * parts:
        return [0, height]
    ink = (gray < 128).sum(axis=1).astype(float)
    # smooth so a cut lands in the middle of a gap, not on a text line's edge
    kernel = np.ones(9) / 9
    ink = np.convolve(ink, kernel, mode="same")
    cuts = [0]
    for k in range(1, parts):
        centre = height * k // parts
        lo, hi = max(cuts[-1] + 1, centre - height // 8), min(height - 1, centre + height // 8)
        cuts.append(int(lo + np.argmin(ink[lo:hi])) if hi > lo else centre)
    cuts.append(height)
    return cuts


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

    def __init__(self, lang: str = DEFAULT_LANG, threads: int | None = None) -> None:
        self.lang = lang
        self.threads = max(1, threads or 1)

    def available(self) -> bool:
        try:
            import tesserocr  # noqa: F401
        except ImportError:
            return False
        return tessdata_dir(self.lang) is not None

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        if not self.available():
            raise OcrUnavailable(f"tesserocr or the tessdata for {self.lang} is not installed.")
        gray = np.ascontiguousarray(to_gray(image))
        height, width = gray.shape[:2]
        pool = _pool(self.lang)
        cuts = split_rows(gray, self.threads)
        bands = [(gray[a:b], a) for a, b in pairwise(cuts) if b > a]
        if len(bands) == 1:
            raw = [_read_band(pool, *bands[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(bands)) as executor:
                raw = list(executor.map(lambda band: _read_band(pool, *band), bands))
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
