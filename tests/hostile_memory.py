"""Peak memory of files through intake → read → extract, measured in a fresh process.

``python -m tests.hostile_memory [--ballast MB] FILE…`` ingests each FILE in turn for
the client "Client" with the settings of the environment (DATABASE_URL, DATA_DIR,
OCR_ENGINE …) and prints one JSON object per file: the document ids and
``peak_growth_mb``, how far the process's peak resident memory (VmHWM, reset just
before each file) rose above what it held just before that file. Measured in the pytest process, ru_maxrss only ever rises,
so an earlier test's peak hid the case's and the budget could never fail; and a child's
ru_maxrss starts from its parent's, so the child reads its own address space's peak.
``BALLAST_MB`` holds that many megabytes more during the ingest, to show the
measurement sees an allocation (tests/test_hostile_corpus.py checks it does).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psutil

import pipeline.extract
import pipeline.read  # noqa: F401
from pipeline.core.config import settings
from pipeline.jobs.ingest import ingest_files


def peak_mb() -> float:
    """The peak resident memory of this process's own address space (VmHWM).

    Not ``getrusage``'s ru_maxrss: Linux carries that over from the parent at fork and
    exec, so a child of a big pytest process would start with the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def reset_peak() -> None:
    """Start the peak afresh from what the process holds now (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def resident_mb() -> float:
    """What the process holds now (an import's passing peak may lie above it)."""
    return psutil.Process().memory_info().rss / 2**20


def measure(path: Path, ballast_mb: int = 0) -> dict[str, object]:
    current = settings()
    before = resident_mb()
    reset_peak()
    ballast = bytes([1]) * (ballast_mb * 2**20)  # written, so every page is resident
    outcome = ingest_files(current, "Client", [path])
    growth = peak_mb() - before
    del ballast
    return {"file": str(path), "document_ids": list(outcome.document_ids), "peak_growth_mb": round(growth, 1)}


def main(argv: list[str]) -> int:
    ballast_mb = 0
    if argv[:1] == ["--ballast"]:
        ballast_mb, argv = int(argv[1]), argv[2:]
    for name in argv:  # one process for all: the peak is reset before each file
        print(json.dumps(measure(Path(name), ballast_mb)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
