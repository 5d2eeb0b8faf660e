"""Give the memory a page used back to the system once the page is read.

A page's work (a 2000 × 2800 px render and its clean-up copies, the recogniser's
tensors, Tesseract's page) is freed when the page is done, but glibc keeps freed
heap in the process — in the OCR thread's own malloc arena too — so a worker's
resident memory only grew from page to page (192 MB after start-up, 672 MB after
the 16 scans and photos of the dev set). :func:`release` asks glibc to hand the free
pages back (``malloc_trim(0)``, every arena), which keeps a worker near 400 MB
between pages; on a C library without it (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release() -> bool:
    """Return freed heap memory to the system; False where the C library cannot."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
