"""The one small interface every OCR engine implements, and helpers they share.

An engine reads one page image (a ``numpy`` array, greyscale ``HxW`` or BGR
``HxWx3``) and returns :class:`~pipeline.core.records.Line` objects whose boxes are
normalised to 0..1 of that image (origin top-left). Engines that are not installed
answer ``available() -> False`` and raise :class:`~pipeline.core.errors.OcrUnavailable`
when asked to read anyway.
"""

from __future__ import annotations

import contextvars
import os
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from pipeline.core.records import BBox, Line, Word

_helper: ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()


def on_helper(fn: Callable[..., object], *args: object) -> Future:
    """Run ``fn(*args)`` on the process's one OCR helper thread, in the caller's context.

    A page read on two threads (``READ_THREADS=2``) gives its second half here; the
    context carries the page's deadline (:mod:`pipeline.read.deadline`). The thread is
    started once and kept, so no thread is started per page; work only ever waits on
    it from the OCR thread, never from the helper itself.
    """
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-helper")
    return _helper.submit(contextvars.copy_context().run, fn, *args)


def _forget_helper() -> None:
    """A forked child (an rq work horse) has no helper thread: start its own when needed."""
    global _helper
    _helper = None


os.register_at_fork(after_in_child=_forget_helper)

_TRANSLATE = str.maketrans(
    {
        "\u00ad": "-",  # soft hyphen (PyMuPDF maps '-' to it)
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u200b": "",  # zero-width space
        "\ufeff": "",  # BOM / zero-width no-break space
    }
)


def normalise_text(text: str) -> str:
    """NFKC, soft hyphen → '-', no-break spaces → ' ', zero-width characters dropped."""
    return unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)


@runtime_checkable
class OcrEngine(Protocol):
    """Reads a page image into lines of words with normalised boxes."""

    name: str

    def available(self) -> bool:
        """True when the engine's libraries and models are installed."""
        ...

    def read(self, image: np.ndarray, *, photo: bool = False) -> list[Line]:
        """Read ``image``; ``photo`` hints the page came from a camera (tilt, warp)."""
        ...


@dataclass(frozen=True)
class PixelWord:
    """A word in image pixels, before normalisation."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float


def clamp_box(x0: float, y0: float, x1: float, y1: float, width: float, height: float) -> BBox:
    w = max(width, 1.0)
    h = max(height, 1.0)

    def c(v: float) -> float:
        return min(1.0, max(0.0, v))

    return (c(x0 / w), c(y0 / h), c(x1 / w), c(y1 / h))


def union_box(boxes: Iterable[BBox]) -> BBox:
    xs0, ys0, xs1, ys1 = zip(*boxes, strict=True)
    return (min(xs0), min(ys0), max(xs1), max(ys1))


def make_line(words: Sequence[Word], confidence: float | None = None, text: str | None = None) -> Line:
    """A line from its words (left to right); confidence defaults to the weakest word."""
    ordered = tuple(sorted(words, key=lambda w: w.bbox[0]))
    conf = min((w.confidence for w in ordered), default=0.0) if confidence is None else confidence
    return Line(
        text=text if text is not None else " ".join(w.text for w in ordered),
        bbox=union_box(w.bbox for w in ordered),
        confidence=conf,
        words=ordered,
    )


def group_into_lines(words: Sequence[Word]) -> list[Line]:
    """Group loose words into reading-order lines by vertical overlap.

    Used where an engine gives words without lines; a word joins the current line when
    its vertical centre falls inside the line's band.
    """
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0])):
        cy = (word.bbox[1] + word.bbox[3]) / 2
        if lines:
            band = union_box(w.bbox for w in lines[-1])
            if band[1] <= cy <= band[3]:
                lines[-1].append(word)
                continue
        lines.append([word])
    return [make_line(group) for group in lines]


def sort_lines(lines: Iterable[Line]) -> list[Line]:
    """Reading order: top to bottom, then left to right (rounded to ~half a line)."""
    return sorted(lines, key=lambda ln: (round(ln.bbox[1] * 200), ln.bbox[0]))


def to_bgr(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def to_gray(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
