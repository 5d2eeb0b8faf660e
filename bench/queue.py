"""Queue benchmark: documents per second end to end, and "next task" latency.

    .venv/bin/python bench/queue.py [--postgres URL] [--redis URL] [--docs 40] [--tasks 100000]

1. Ingest → read → extract → queued/released for text PDFs, in-process and with 1
   and 2 rq workers (Redis + PostgreSQL); prints documents per second and the
   median milliseconds of work per document.
   "ms work/doc" is wall time × workers / documents; "CPU ms/doc" adds this process's
   and the workers' CPU time, which a machine busy with other work does not inflate.
2. "Next task" (claim + commit) with 100,000 open tasks: median and p99 ms.
Goals (issue 4): ≤ 50 ms of work per text PDF; next task ≤ 20 ms at 100,000 open tasks.
"""

from __future__ import annotations

import sys
from pathlib import Path

# this file is named queue.py: keep its folder off the import path so the standard
# library's ``queue`` module is the one imported
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pg_schema_url(base: str) -> str:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{schema}"


def _text_pdfs(folder: Path, count: int) -> list[Path]:
    import pymupdf

    paths = []
    for i in range(count):
        doc = pymupdf.open()
        page = doc.new_page()
        y = 72
        for line in (
            "Drukkerij Vandamme BV", "Kerkstraat 12, 9000 Gent", "BTW BE0123456749",
            f"FACTUUR  Nummer: 2026-{i:05d}", "Factuurdatum: 03/11/2026", "Vervaldag: 03/12/2026",
            "Omschrijving            Aantal   Prijs     Bedrag",
            f"Drukwerk folders        {i + 1}        100,00    {100 * (i + 1)},00",
            f"Totaal excl. btw                           {100 * (i + 1)},00",
            f"BTW 21%                                    {21 * (i + 1)},00",
            f"Te betalen                                 {121 * (i + 1)},00 EUR",
            "IBAN BE68 5390 0754 7034   BIC GKCCBEBB",
        ):
            page.insert_text((72, y), line, fontsize=10)
            y += 16
        path = folder / f"bench-{i:05d}.pdf"
        doc.save(path)
        paths.append(path)
    return paths


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc), children excluded."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_to_end(database_url: str, redis_url: str | None, workers: int, docs: int,
               tmp: Path) -> tuple[float, float, float]:
    from pipeline.core import config
    from pipeline.core.accounts import get_or_create_client, get_or_create_office
    from pipeline.core.db import migrate, unit_of_work
    from pipeline.jobs.ingest import ingest_files
    from pipeline.reports.batch_summary import unfinished

    data_dir = tmp / f"data-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    os.environ.update({k: v for k, v in env.items() if k in ("DATA_DIR", "DATABASE_URL", "REDIS_URL")})
    if not redis_url:
        os.environ.pop("REDIS_URL", None)
    config.settings.cache_clear()
    settings = config.settings()
    migrate(database_url)
    with unit_of_work(database_url) as session:
        office = get_or_create_office(session, "Bench office")
        get_or_create_client(session, office, "Bench client")
    folder = tmp / f"pdfs-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    pdfs = _text_pdfs(folder, docs + 3)
    warm, pdfs = pdfs[:3], pdfs[3:]
    if not redis_url:  # in-process: load the extractor and compile the rules first, untimed
        ingest_files(settings, "Bench client", warm)
    procs = []
    if redis_url:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
        procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        from rq import Worker

        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + 120
        while Worker.count(connection=connection) < workers and time.monotonic() < deadline:
            time.sleep(0.2)  # wait until every worker has warmed up and registered
    cpu_before = time.process_time() + sum(_cpu_seconds(proc.pid) for proc in procs)
    started = time.perf_counter()
    outcome = ingest_files(settings, "Bench client", pdfs)
    while redis_url and unfinished(settings, outcome.document_ids):
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    # CPU of this process (ingest, and everything in-process) plus the workers': a figure
    # a busy machine does not inflate the way it inflates wall time
    cpu = time.process_time() + sum(_cpu_seconds(proc.pid) for proc in procs) - cpu_before
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)
    return docs / elapsed, 1000 * elapsed * max(workers, 1) / docs, 1000 * cpu / docs


def next_task_latency(database_url: str, tasks: int) -> tuple[float, float]:
    from sqlalchemy import insert

    from models import Client, Document, User, ValidationTask
    from models.enums import Role, TaskKind, TaskState
    from pipeline.core.accounts import get_or_create_office
    from pipeline.core.db import migrate, session_factory, unit_of_work
    from pipeline.review.tasks import claim_next

    migrate(database_url)
    now = datetime.now(UTC)
    with unit_of_work(database_url) as session:
        office = get_or_create_office(session, "Latency office")
        client = Client(office_id=office.id, name="Latency client")
        session.add(client)
        session.flush()
        user = User(username=f"op-{uuid.uuid4().hex[:6]}", display_name="op", password_hash="x", role=Role.OPERATOR)
        session.add(user)
        session.flush()
        client_id, user_id = client.id, user.id
        for start in range(0, tasks, 10000):
            batch = range(start, min(start + 10000, tasks))
            session.execute(insert(Document), [
                {"client_id": client_id, "sha256": f"{i:064x}", "original_path": "x", "original_filename": f"{i}.pdf",
                 "size_bytes": 1, "status": "needs_validation", "part": "", "channel": "bench", "attempts": 0,
                 "priority": 0, "auto_released": False, "received_at": now, "updated_at": now} for i in batch])
        first_id = session.query(Document.id).order_by(Document.id).first()[0]
        for start in range(0, tasks, 10000):
            batch = range(start, min(start + 10000, tasks))
            session.execute(insert(ValidationTask), [
                {"document_id": first_id + i, "client_id": client_id, "kind": TaskKind.VALIDATE.value,
                 "state": TaskState.OPEN.value, "score": (i * 7919 % 10007) / 100.0, "expected_errors": 1.0,
                 "priority": 0, "version": 1, "seconds_spent": 0.0, "created_at": now - timedelta(minutes=i % 500)}
                for i in batch])
    timings = []
    factory = session_factory(database_url)
    for _ in range(200):
        session = factory()
        t0 = time.perf_counter()
        task = claim_next(session, user_id, 600)
        assert task is not None
        timings.append((time.perf_counter() - t0) * 1000)
        task.state = TaskState.DONE
        session.commit()
        session.close()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres:postgres@127.0.0.1:5432/boekbrug_test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        print("end to end, text PDFs (ingest → read → extract → queued/released)")
        print(f"{'setup':40} {'docs/s':>8} {'ms work/doc':>12} {'CPU ms/doc':>11}")
        rate, work, cpu = end_to_end(f"sqlite:///{tmp / 'inline.sqlite3'}", None, 1, args.docs, tmp)
        print(f"{'in-process, SQLite':40} {rate:8.1f} {work:12.1f} {cpu:11.1f}")
        for workers in (1, 2):
            rate, work, cpu = end_to_end(_pg_schema_url(args.postgres), args.redis, workers, args.docs, tmp)
            print(f"{f'{workers} rq worker(s), Redis + PostgreSQL':40} {rate:8.1f} {work:12.1f} {cpu:11.1f}")
        print(f"\nnext task with {args.tasks:,} open tasks (claim + commit, 200 claims)")
        for name, url in (("SQLite", f"sqlite:///{tmp / 'latency.sqlite3'}"), ("PostgreSQL", _pg_schema_url(args.postgres))):
            median, p99 = next_task_latency(url, args.tasks)
            print(f"{name:12} median {median:6.2f} ms   p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
