"""How fast the supervisors' dashboard is on 100,000 documents.

    .venv/bin/python bench/dashboard.py [--documents 100000] [--postgres URL] [--repeat 5]

Fills a fresh database (an SQLite file in a temporary folder; with ``--postgres`` also a
private schema in that PostgreSQL database, dropped afterwards) in bulk with SQLAlchemy
core — documents, a few fields each, validation tasks, second looks and corrections — then
times every view of ``pipeline.reports.metrics`` (median of ``--repeat`` runs), unfiltered and for
one office. Goal: under one second per view.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
# run as a script, bench/ comes first on the path, and bench/queue.py would shadow the stdlib's queue
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, insert, text

from models import (
    AccountingOffice,
    Client,
    Correction,
    Document,
    ExtractedFieldRow,
    User,
    ValidationTask,
)
from models.enums import (
    DocumentStatus,
    FieldSource,
    FieldState,
    Role,
    TaskKind,
    TaskState,
)
from pipeline.core.db import migrate, session_factory
from pipeline.reports import metrics

OFFICES, CLIENTS, SUPPLIERS, OPERATORS = 10, 300, 3000, 25
FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_excl_vat", "total_vat", "total_incl_vat")
START = datetime(2026, 8, 1, tzinfo=UTC)
CHUNK = 10_000


def _chunked(engine, table, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start:start + CHUNK])


def fill(url: str, documents: int, seed: int = 7) -> float:
    """Insert the synthetic centre; returns seconds taken."""
    began = time.perf_counter()
    rng = random.Random(seed)
    engine = create_engine(url)
    _chunked(engine, AccountingOffice.__table__, [{"id": i, "name": f"Office {i}", "created_at": START}
                                                  for i in range(1, OFFICES + 1)])
    _chunked(engine, Client.__table__, [{"id": i, "office_id": 1 + i % OFFICES, "name": f"Client {i}",
                                         "vat_period": "quarterly", "deadline_day": 20, "created_at": START}
                                        for i in range(1, CLIENTS + 1)])
    _chunked(engine, User.__table__, [{"id": i, "username": f"op{i}", "display_name": f"Operator {i}",
                                       "password_hash": "-", "role": Role.OPERATOR.value, "active": True,
                                       "failed_logins": 0, "created_at": START} for i in range(1, OPERATORS + 1)])
    docs, fields, tasks, corrections = [], [], [], []
    task_id = 0
    for doc_id in range(1, documents + 1):
        received = START + timedelta(seconds=rng.randrange(0, 90 * 86400))
        supplier = rng.randrange(SUPPLIERS)
        auto = rng.random() < 0.6
        done = rng.random() < 0.93
        released = received + timedelta(minutes=rng.randrange(2, 3000)) if done else None
        status = DocumentStatus.RELEASED if done else DocumentStatus.NEEDS_VALIDATION
        docs.append({
            "id": doc_id, "client_id": 1 + rng.randrange(CLIENTS), "part": "", "sha256": f"{doc_id:064x}",
            "original_path": "x", "original_filename": "x.pdf", "size_bytes": 1000, "channel": "upload",
            "status": status.value, "attempts": 1, "priority": 0, "auto_released": auto and done,
            "reading_started_at": received + timedelta(seconds=5), "read_seconds": rng.uniform(1, 20),
            "supplier_key": f"BE{supplier:010d}", "supplier_name": f"Supplier {supplier}",
            "received_at": received, "updated_at": received, "released_at": released,
        })
        for name in FIELDS:
            fields.append({"document_id": doc_id, "name": name, "value": "x", "machine_value": "x",
                           "raw_confidence": rng.random(), "confidence": rng.random(), "checks": [],
                           "source": FieldSource.TEXT_LAYER.value, "machine_source": FieldSource.TEXT_LAYER.value,
                           "state": FieldState.CERTAIN.value, "created_at": received, "updated_at": received})
        second = auto and done and rng.random() < 0.05
        if auto and not second:
            continue
        task_id += 1
        kind = TaskKind.SECOND_LOOK if second else TaskKind.VALIDATE
        operator = 1 + rng.randrange(OPERATORS)
        done_at = (released or received) - timedelta(minutes=1) if done else None
        state = TaskState.DONE if done else rng.choice([TaskState.OPEN, TaskState.OPEN, TaskState.CLAIMED])
        tasks.append({
            "id": task_id, "document_id": doc_id, "client_id": docs[-1]["client_id"], "kind": kind.value,
            "state": state.value, "score": rng.random(), "expected_errors": rng.random(), "priority": 0,
            "deadline": received + timedelta(days=rng.randrange(5, 60)), "done_by": operator if done else None,
            "done_at": done_at, "seconds_spent": rng.uniform(10, 120) if done else 0.0, "version": 1,
            "created_at": received + timedelta(seconds=30),
        })
        if done:
            for name in rng.sample(FIELDS, rng.randrange(2, 6)):
                confidence = rng.random()
                corrections.append({
                    "document_id": doc_id, "task_id": task_id, "user_id": operator, "field_name": name,
                    "action": "confirm" if rng.random() < confidence else "correct",
                    "machine_confidence": confidence, "seconds": round(rng.uniform(1, 15), 2), "created_at": done_at,
                })
    for table, rows in ((Document.__table__, docs), (ExtractedFieldRow.__table__, fields),
                        (ValidationTask.__table__, tasks), (Correction.__table__, corrections)):
        _chunked(engine, table, rows)
    if url.startswith("postgresql"):
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    print(f"filled {documents:,} documents, {len(fields):,} fields, {len(tasks):,} tasks, "
          f"{len(corrections):,} corrections in {time.perf_counter() - began:.1f} s")
    return time.perf_counter() - began


def time_views(url: str, repeat: int) -> list[tuple[str, str, float, int]]:
    results = []
    factory = session_factory(url)
    for label, filters in (("all", metrics.Filters()), ("office 3", metrics.Filters(office_id=3))):
        for name, view in metrics.VIEWS.items():
            timings = []
            for _ in range(repeat):
                with factory() as session:
                    began = time.perf_counter()
                    frame = view(session, filters)
                    timings.append(time.perf_counter() - began)
            results.append((name, label, statistics.median(timings), len(frame)))
    return results


def report(database: str, results: list[tuple[str, str, float, int]]) -> None:
    print(f"\n{database}: median of runs, seconds")
    print(f"{'view':<24} {'filter':<9} {'seconds':>8} {'rows':>6}  goal < 1 s")
    for name, label, seconds, rows in results:
        print(f"{name:<24} {label:<9} {seconds:>8.3f} {rows:>6}  {'ok' if seconds < 1 else 'SLOW'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", help="also on PostgreSQL (a private schema, dropped afterwards)")
    parser.add_argument("--keep", help="keep the SQLite file in this folder (and reuse it when there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        path = Path(args.keep or temporary) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            migrate(url)
            fill(url, args.documents)
        report("SQLite", time_views(url, args.repeat))
    if args.postgres:
        base = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        try:
            migrate(url)
            fill(url, args.documents)
            report("PostgreSQL", time_views(url, args.repeat))
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
