"""Benchmark: start-up (XSD load + XSLT compile) and warm build + validate per document.

Run: ``.venv/bin/python bench/ubl.py [ROUNDS]``. Uses the 13 valid Peppol examples of
../shared/peppol (read, rebuilt, validated) or, without them, a built Belgian invoice.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.ubl.build import build_ubl
from pipeline.ubl.parse import invoice_data_from_values, parse_ubl
from pipeline.ubl.validate import validate, warm_up

SHARED = Path(__file__).resolve().parents[2] / "shared" / "peppol" / "examples" / "valid" / "peppol"


def main(rounds: int = 20) -> None:
    started = time.perf_counter()
    compile_s = warm_up()
    print(f"start-up: XSD load + XSLT compile {compile_s * 1000:.0f} ms "
          f"(process import + warm-up {(time.perf_counter() - started) * 1000:.0f} ms)")
    invoices = []
    for path in sorted(SHARED.glob("*/*.xml")):
        ex = parse_ubl(path.read_bytes())
        invoices.append((path.name, invoice_data_from_values({k: f.value for k, f in ex.fields.items()},
                                                             ex.document_type)))
    first = []
    for _name, inv in invoices:  # first touch of each document shape
        t = time.perf_counter()
        validate(build_ubl(inv))
        first.append(time.perf_counter() - t)
    build_ms, validate_ms, total_ms = [], [], []
    for _ in range(rounds):
        for _name, inv in invoices:
            t0 = time.perf_counter()
            xml = build_ubl(inv)
            t1 = time.perf_counter()
            validate(xml)
            t2 = time.perf_counter()
            build_ms.append((t1 - t0) * 1000)
            validate_ms.append((t2 - t1) * 1000)
            total_ms.append((t2 - t0) * 1000)
    print(f"documents: {len(invoices)}, rounds: {rounds}, first pass median {statistics.median(first) * 1000:.1f} ms")
    print(f"warm median build {statistics.median(build_ms):.2f} ms, validate {statistics.median(validate_ms):.2f} ms, "
          f"build+validate {statistics.median(total_ms):.2f} ms (p90 {sorted(total_ms)[int(len(total_ms) * 0.9)]:.2f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
