"""How long from "Next document" to a screen ready to work on, with a big queue.

    .venv/bin/python bench/workbench.py [--documents 100000] [--rounds 40]

Builds a fresh SQLite database with ``--documents`` documents (13 fields each and
an open validation task) inserted in bulk with SQLAlchemy core, then times, per
round: claim (``api.next_task``: claim + TaskView) + page render (``api.page_image``,
rendered from the original PDF with PyMuPDF, uncached) + drawing the boxes and the
crops the Validate page shows. Saving (not part of the figure) is timed too, with
the release job switched off (in production it runs on a worker). Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from models import Document, ExtractedFieldRow, ValidationTask
from models.enums import (
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    TaskKind,
)
from pipeline.core.db import engine_for, unit_of_work
from pipeline.core.storage import store_original
from tests import workbench_data as testdata

BATCH = 5000


def populate(data_dir: Path, documents: int) -> None:
    testdata.fast_password_hashing()
    settings = testdata.configure(data_dir)
    with unit_of_work(settings.database_url) as session:
        world = testdata.seed_world(session)
    pdf, boxes = testdata.make_pdf(testdata.BASE_VALUES)
    stored = store_original(settings.data_dir, pdf)
    now = datetime.now(UTC)
    engine = engine_for(settings.database_url)
    with engine.begin() as conn:
        for start in range(1, documents + 1, BATCH):
            ids = range(start, min(start + BATCH, documents + 1))
            conn.execute(insert(Document), [{
                "id": i, "client_id": world.client_a, "part": "", "sha256": f"{i:064x}",
                "original_path": stored.relative_path, "original_filename": f"invoice-{i}.pdf", "size_bytes": len(pdf),
                "kind": DocumentKind.PDF, "channel": "bench", "status": DocumentStatus.NEEDS_VALIDATION,
                "document_type": DocumentType.INVOICE, "page_count": 1, "attempts": 1, "priority": 0,
                "auto_released": False, "received_at": now, "updated_at": now} for i in ids])
            conn.execute(insert(ExtractedFieldRow), [{
                "document_id": i, "name": name, "value": value, "machine_value": value,
                "raw_confidence": 0.6 if name in testdata.UNCERTAIN else 0.997,
                "confidence": 0.6 if name in testdata.UNCERTAIN else 0.997, "page": 1, "bbox": boxes[name],
                "source": FieldSource.TEXT_LAYER, "machine_source": FieldSource.TEXT_LAYER, "checks": [],
                "state": FieldState.UNCERTAIN if name in testdata.UNCERTAIN else FieldState.CERTAIN,
                "created_at": now, "updated_at": now} for i in ids for name, value in testdata.BASE_VALUES.items()])
            conn.execute(insert(ValidationTask), [{
                "document_id": i, "client_id": world.client_a, "kind": TaskKind.VALIDATE, "state": "open",
                "score": (i * 7919) % 1000 / 10.0, "expected_errors": 0.8, "priority": 0,
                "deadline": now + timedelta(days=20), "reason": "needs a look", "seconds_spent": 0.0, "version": 1,
                "created_at": now} for i in ids])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the database here (default: a temp dir)")
    args = parser.parse_args()

    from pipeline import api
    from pipeline.jobs import queues as jobs
    from workbench import components

    jobs.enqueue = lambda *a, **k: None  # type: ignore[assignment]  # the release runs on a worker in production
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        started = time.perf_counter()
        populate(data_dir, args.documents)
        print(f"populated {args.documents} documents in {time.perf_counter() - started:.1f} s")
        operator = api.resume(api.sign_in("op1", testdata.PASSWORD).token)
        assert operator is not None
        ready, claim, render, save = [], [], [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            view = api.next_task(operator)
            assert view is not None
            t1 = time.perf_counter()
            image = api.page_image(operator, view.document.id)
            assert image is not None
            components.boxed_page(image, view.first_to_look_at)
            for field in view.fields:
                if field.needs_look:
                    components.crop_of(image, field)
            t2 = time.perf_counter()
            api.save(operator, view.task_id, view.version, {"invoice_number": f"B-{view.document.id}"},
                     ["total_incl_vat"], None, 5.0)
            t3 = time.perf_counter()
            claim.append(t1 - t0)
            render.append(t2 - t1)
            ready.append(t2 - t0)
            save.append(t3 - t2)
    ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"
    print(f"rounds: {args.rounds}; queue: {args.documents} open tasks")
    print(f"claim + TaskView median {ms(claim)}; page render + boxes + crops median {ms(render)}")
    print(f"Next document → screen data ready: median {ms(ready)} (p90 "
          f"{sorted(ready)[int(len(ready) * 0.9) - 1] * 1000:.0f} ms); goal < 500 ms")
    print(f"save (corrections, decide, commit; release job off) median {ms(save)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
