"""One bounded OCR thread per process, and time limits that stop the work they abandon.

Each page's OCR runs on the process's single ``ocr`` thread with a
:class:`~pipeline.read.deadline.Deadline`. When the page runs past its limit the
reader stops waiting, *cancels* the deadline and gives the work
``STOP_GRACE`` seconds to stop: Tesseract is handed the time left
(``Recognize(timeout=…)``) and every engine checks the deadline between its steps,
so the abandoned work ends within about one step. No thread is ever started per
page: however many pages time out, the process keeps one OCR thread (it used to
start a pool per page and leave each timed-out thread running, which piled up
threads and memory). Work that is still stopping when the next page comes is
simply ahead of it in the one thread's queue. With ``READ_THREADS`` >= 2 the page's
work on the OCR thread hands half of itself (the lower band of a scanned sheet, half
of the crop re-reads) to the process's one kept helper thread
(:func:`~pipeline.read.ocr.base.on_helper`), which carries the same deadline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pipeline.read.deadline import Deadline, PageCancelled, run_within

log = logging.getLogger(__name__)

T = TypeVar("T")
STOP_GRACE = 10.0  # seconds an abandoned page gets to stop before the reader moves on

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_running = 0  # pages submitted and not yet finished (read, failed or stopped)


class PageTimeout(Exception):
    """The page's OCR ran past its limit and was stopped."""


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
        return _executor


def idle() -> bool:
    """No page is being read or stopping on the OCR thread."""
    with _lock:
        return _running == 0


def _counted(deadline: Deadline, fn: Callable[[], T]) -> T:
    global _running
    try:
        return run_within(deadline, fn)
    finally:
        with _lock:
            _running -= 1


def run_page(fn: Callable[[], T], seconds: float) -> T:
    """``fn()`` on the OCR thread within ``seconds``; :class:`PageTimeout` past that."""
    global _running
    deadline = Deadline(seconds)
    pool = _pool()
    with _lock:
        _running += 1
    future: Future[T] = pool.submit(_counted, deadline, fn)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        deadline.cancel()
        done, _ = wait([future], timeout=STOP_GRACE)
        if not done:
            log.warning(
                "OCR of an abandoned page is still stopping after %.0f s", STOP_GRACE
            )
        raise PageTimeout from None
    except PageCancelled:  # the work saw its deadline pass just before the reader did
        raise PageTimeout from None
