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
    # every 100th block stays alive: free() alone cannot shrink the heap past them, wherever the
    # allocator put the blocks (a long-lived process's heap has holes: one pin "above" them may land
    # in a hole below, and free() then trims the top by itself before release() is asked)
    pins = set(blocks[99::100])
    for ptr in blocks:
        if ptr not in pins:
            libc.free(ptr)
    before = _rss_mb()
    assert release() is True
    after = _rss_mb()
    for ptr in pins:
        libc.free(ptr)
    assert before - after > 100, (before, after)
