"""The time limit of the page being read, seen from inside the OCR work.

:func:`pipeline.read.ocr_worker.run_page` sets a :class:`Deadline` for each page it
runs; the engines look at it between their steps (:func:`check`) and Tesseract is
given what is left (:func:`remaining_ms`), so a page that runs out of time stops its
own work instead of running on unseen in the background.
"""

from __future__ import annotations

import contextvars
import threading
import time


class PageCancelled(Exception):
    """The page's time is up (or it was abandoned): stop reading it."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + max(0.0, seconds)
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def expired(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() >= self.at

    def remaining(self) -> float:
        return 0.0 if self._cancelled.is_set() else max(0.0, self.at - time.monotonic())


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "page_deadline", default=None
)


def current() -> Deadline | None:
    return _current.get()


def run_within(deadline: Deadline, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call ``fn`` with ``deadline`` as the current page's deadline."""
    token = _current.set(deadline)
    try:
        return fn(*args, **kwargs)
    finally:
        _current.reset(token)


def check() -> None:
    """Raise :class:`PageCancelled` when the current page's time is up."""
    deadline = _current.get()
    if deadline is not None and deadline.expired:
        raise PageCancelled


def remaining_ms() -> int:
    """Milliseconds left for the current page (0: no limit set)."""
    deadline = _current.get()
    if deadline is None:
        return 0
    return max(1, int(deadline.remaining() * 1000))
