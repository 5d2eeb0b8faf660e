"""A read page's freed heap goes back to the system (pipeline.read.memory.release)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest

from pipeline.read.memory import release

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_release_hands_freed_heap_back() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    # 160 MB in 4 KB blocks (below mmap's threshold: on the heap), touched so they are resident
    blocks = []
    for _ in range(40_000):
        ptr = libc.malloc(4096)
        ctypes.memset(ptr, 1, 4096)
        blocks.append(ptr)
    pin = libc.malloc(64)  # a live block above them: free() alone cannot shrink the heap
    for ptr in blocks:
        libc.free(ptr)
    before = _rss_mb()
    assert release() is True
    after = _rss_mb()
    libc.free(pin)
    assert before - after > 100, (before, after)
