"""Issue 18's probes, re-run as numbers (not a test; ``python tests/trust_probes.py --db postgresql``).

1. simultaneous uploads: two whole batches of the same 45 files at once, plus the same
   files received one by one from a third thread — documents recorded, lost, errors;
2. a reader killed with SIGKILL mid-read without Redis, N times — documents recovered by
   the next process's start (``pipeline ingest``), lost;
3. sign-in: median time of a wrong password for a known name and for an unknown one;
   a name guessed from many sources, then the owner signs in from their own machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text

from models import Document
from models.enums import DocumentStatus, Role
from pipeline.core import config
from pipeline.core.accounts import (
    SignInError,
    create_user,
    get_or_create_client,
    get_or_create_office,
    sign_in,
)
from pipeline.core.db import migrate, unit_of_work
from pipeline.intake.receive import receive
from pipeline.jobs.ingest import ingest_files

UBL = ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/boekbrug_test")
HANGING_READER = """
import sys, time
import pipeline.jobs.read_job as read_job
def hang(*args, **kwargs):
    print("reading", flush=True)
    time.sleep(600)
read_job.read_and_extract = hang
read_job.read_job(int(sys.argv[1]))
"""


def database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'probe.sqlite3'}"
    else:
        schema = f"probe_{uuid.uuid4().hex[:10]}"
        with create_engine(PG).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG}?options=-csearch_path%3D{schema}"
    migrate(url)
    return url


def settings_for(url: str, folder: Path):  # type: ignore[no-untyped-def]
    os.environ.update(DATABASE_URL=url, DATA_DIR=str(folder / "data"))
    os.environ.pop("REDIS_URL", None)
    config.settings.cache_clear()
    return config.settings()


def variants(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"INV-{n:04d}.xml"
        path.write_bytes(UBL.read_bytes().replace(b"INV-2026-0042", f"INV-P{n:04d}".encode()))
        paths.append(path)
    return paths


def probe_uploads(url: str, settings, folder: Path) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    paths = variants(folder / "batch", 45)
    with unit_of_work(url) as session:
        client_id = session.scalars(select(Document.client_id)).first() or get_or_create_client(
            session, get_or_create_office(session, "Office"), "Client").id
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def batch() -> None:
        try:
            barrier.wait()
            outcome = ingest_files(settings, "Client", paths, enqueue_now=False)
            errors.extend(RuntimeError(why) for _, why in outcome.not_taken)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    def one_by_one() -> None:
        barrier.wait()
        for path in paths:
            try:
                with unit_of_work(url) as session:
                    receive(session, settings, client_id=client_id, filename=path.name, data=path.read_bytes())
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

    threads = [threading.Thread(target=batch), threading.Thread(target=batch), threading.Thread(target=one_by_one)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with unit_of_work(url) as session:
        recorded = session.scalar(select(func.count()).select_from(Document).where(Document.original_filename.like("INV-%")))
    return 45 * 3, recorded, 45 - recorded, len(errors)


def probe_crashes(url: str, settings, folder: Path, count: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    paths = variants(folder / "crash", count)
    for path in paths:  # distinct numbers from the batch probe
        path.write_bytes(path.read_bytes().replace(b"INV-P", b"INV-K"))
    ids = ingest_files(settings, "Client", paths, enqueue_now=False).document_ids
    env = {**os.environ}
    for document_id in ids:
        reader = subprocess.Popen([sys.executable, "-c", HANGING_READER, str(document_id)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, text=True)
        assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
        reader.send_signal(signal.SIGKILL)
        reader.wait()
    subprocess.run([sys.executable, "-m", "pipeline", "ingest", *map(str, paths), "--client", "Client"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=600)
    with unit_of_work(url) as session:
        stuck = [i for i in ids if session.get(Document, i).status in (DocumentStatus.READING, DocumentStatus.RECEIVED)]
    return len(ids), len(ids) - len(stuck), len(stuck)


def probe_sign_in(url: str) -> dict[str, float]:
    with unit_of_work(url) as session:
        create_user(session, "probe-admin", "right-password", Role.ADMIN)
    now = datetime.now(UTC)

    def attempt(name: str, password: str, source: str, at: datetime) -> tuple[str, float]:
        started = time.perf_counter()
        with unit_of_work(url) as session:
            try:
                sign_in(session, name, password, at, source=source)
                answer = "ok"
            except SignInError as error:
                answer = str(error)
        return answer, time.perf_counter() - started

    attempt("warm-up", "x", "probe-w", now)
    known = [attempt("probe-admin", "wrong", f"probe-k{i}", now)[1] for i in range(4)]
    unknown = [attempt("probe-nobody", "wrong", f"probe-u{i}", now)[1] for i in range(4)]
    attempt("probe-admin", "right-password", "owner", now)
    for i in range(30):
        attempt("probe-admin", "guess", f"probe-a{i}", now + timedelta(seconds=i))
    owner, _ = attempt("probe-admin", "right-password", "owner", now + timedelta(seconds=31))
    return {"known_ms": 1000 * statistics.median(known), "unknown_ms": 1000 * statistics.median(unknown),
            "owner_after_30_guesses": owner == "ok"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--crashes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as raw:
        folder = Path(raw)
        url = database(args.db, folder)
        settings = settings_for(url, folder)
        with unit_of_work(url) as session:
            get_or_create_client(session, get_or_create_office(session, "Office"), "Client", vat="BE0987654394")
        print(f"[{args.db}] uploads (attempted, recorded, lost, errors):", probe_uploads(url, settings, folder))
        print(f"[{args.db}] crashes (attempted, recovered, stuck):", probe_crashes(url, settings, folder, args.crashes))
        print(f"[{args.db}] sign-in:", probe_sign_in(url))
        if args.db == "postgresql":
            from pipeline.core.db import engine_for

            engine_for(url).dispose()
            with create_engine(PG).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{url.rsplit("%3D", 1)[1]}" CASCADE'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
