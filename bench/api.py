"""HTTP API benchmark: uploads per second, download latency p50/p99, and the API's overhead over the domain call.

    .venv/bin/python bench/api.py [--postgres URL] [--uploads 100] [--downloads 400] [--only sqlite|postgresql]

For SQLite and for PostgreSQL (a fresh schema): the API runs as ``python -m pipeline
serve`` in its own process (uvicorn, one worker); this process is the client (httpx,
one keep-alive connection, requests one after another) and, for comparison, calls
the same ``pipeline.api`` functions directly with the same principal.

* uploads: distinct Peppol UBL invoices, each read, validated and released in-process
  by the upload call (no Redis), over HTTP and directly;
* downloads: the released UBL (``GET /v1/documents/{id}/ubl``, a recorded delivery),
  the document's status with its fields (``GET /v1/documents/{id}``), and ``GET /v1/me``
  (authentication, rate limit and audit alone);
* overhead = HTTP median − direct median: parsing, auth (a token lookup), the rate
  limit, the audit entry every call writes, JSON and the loopback round trip; and, as
  wall times swing with the machine's load, the CPU the server spends per call against
  the CPU of the direct call (``CPU/call``).
Goal (issue 17): overhead ≤ 5 ms over the domain call.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a queue.py: keep this folder off the import path so the standard library's ``queue`` is imported
sys.path[:] = [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import itertools
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
import psutil

UBL = ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
POSTGRES = os.environ.get(
    "TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/boekbrug_test",
)


def _pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}",
        schema,
    )


def _drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _variant(tag: str, n: int) -> bytes:
    """A distinct invoice (own number and issue date), so no duplicate suspicion holds it back."""
    issue = (date(2025, 1, 1) + timedelta(days=n % 600)).isoformat()
    number = f"{tag}-{n:06d}"
    return (
        UBL.read_bytes()
        .replace(b"INV-2026-0042", number.encode())
        .replace(b"2026-11-02", issue.encode())
    )


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[
        min(len(ordered) - 1, int(len(ordered) * 0.99))
    ] * 1000


def _time(call: Callable[[], object], count: int) -> list[float]:
    took = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        took.append(time.perf_counter() - start)
    return took


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _measure(
    call: Callable[[], object], count: int, process: psutil.Process | None
) -> tuple[list[float], float]:
    """(wall seconds per call, CPU ms per call) — CPU of ``process`` (the server), or of this process."""
    before = _cpu(process) if process else time.process_time()
    took = _time(call, count)
    after = _cpu(process) if process else time.process_time()
    return took, (after - before) / count * 1000


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(
    label: str, url: str, data_dir: Path, uploads: int, downloads: int
) -> dict[str, float]:
    env = os.environ | {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "API_RATE_BURST": "1000000",
        "API_RATE_PER_SECOND": "1000000",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATA_DIR",
                "DATABASE_URL",
                "API_RATE_BURST",
                "API_RATE_PER_SECOND",
            )
        }
    )
    os.environ.pop("REDIS_URL", None)
    from pipeline import api
    from pipeline.api import tokens
    from pipeline.core.accounts import get_or_create_client, get_or_create_office
    from pipeline.core.config import settings
    from pipeline.core.db import migrate, unit_of_work
    from pipeline.deliver.common import system_principal

    settings.cache_clear()
    data_dir.mkdir(parents=True, exist_ok=True)
    migrate(url)
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Bench office")
        client_id = get_or_create_client(session, office, "Bench client").id
    made = tokens.create_token(system_principal(), "bench", office_id=office.id)
    caller = tokens.authenticate(made.secret)
    assert caller is not None
    principal = caller.principal

    port = _free_port()
    server_log = data_dir / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("wb"),
    )
    figures: dict[str, float] = {}
    try:
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {made.secret}"},
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if http.get("/v1/me").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the API did not start: {server_log.read_text()[-2000:]}"
                )
            time.sleep(0.2)

        def http_upload(n: int) -> int:
            answer = http.post(
                f"/v1/clients/{client_id}/documents",
                files={"file": (f"h{n}.xml", _variant("H", n))},
            )
            assert answer.status_code == 201 and answer.json()["status"] != "failed", (
                answer.text
            )
            return answer.json()["document_id"]

        def direct_upload(n: int) -> int:
            (result,) = api.upload(
                principal, client_id, [(f"d{n}.xml", _variant("D", n + 300))]
            )
            assert result.created and result.document_id is not None
            return result.document_id

        for n in range(
            3
        ):  # warm both processes: the Peppol rules compile once per process
            http_upload(10**6 + n)
            direct_upload(10**6 + n)
        ids: list[int] = []
        serving = psutil.Process(server.pid)
        start, cpu = time.perf_counter(), _cpu(serving)
        for n in range(uploads):
            ids.append(http_upload(n))
        http_took = time.perf_counter() - start
        figures["upload cpu http"] = (_cpu(serving) - cpu) / uploads * 1000
        start, cpu = time.perf_counter(), time.process_time()
        for n in range(uploads):
            ids.append(direct_upload(n))
        direct_took = time.perf_counter() - start
        figures["upload cpu direct"] = (time.process_time() - cpu) / uploads * 1000
        figures["uploads/s http"] = uploads / http_took
        figures["uploads/s direct"] = uploads / direct_took
        figures["upload ms http"] = http_took / uploads * 1000
        figures["upload ms direct"] = direct_took / uploads * 1000

        released = {
            row["document_id"]
            for row in api.library_rows(
                principal, client_id=client_id, statuses=["released"]
            )
        }
        ids = [i for i in ids if i in released]
        print(
            f"  {len(ids)} of {2 * uploads} timed uploads released in the call",
            file=sys.stderr,
        )
        picks = [ids[i % len(ids)] for i in range(downloads)]
        cursor = itertools.cycle(picks)
        checks = {
            "ubl": (
                lambda: http.get(
                    f"/v1/documents/{next(cursor)}/ubl"
                ).raise_for_status(),
                lambda: api.download_ubl(principal, next(cursor)),
            ),
            "status": (
                lambda: http.get(f"/v1/documents/{next(cursor)}").raise_for_status(),
                lambda: (
                    api.document_detail(principal, (i := next(cursor))),
                    api.library_document(principal, i),
                ),
            ),
            "me": (lambda: http.get("/v1/me").raise_for_status(), lambda: None),
        }
        for name, (over_http, direct) in checks.items():
            _time(over_http, 20)
            _time(direct, 20)
            http_took, http_cpu = _measure(over_http, downloads, serving)
            direct_took, direct_cpu = _measure(direct, downloads, None)
            h50, h99 = _ms(http_took)
            d50, d99 = _ms(direct_took)
            figures[f"{name} cpu http"], figures[f"{name} cpu direct"] = (
                http_cpu,
                direct_cpu,
            )
            figures[f"{name} p50 http"], figures[f"{name} p99 http"] = h50, h99
            figures[f"{name} p50 direct"], figures[f"{name} p99 direct"] = d50, d99
        http.close()
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"\n{label}: {uploads} uploads, {downloads} requests per endpoint (one client, one connection)"
    )
    print(
        f"  uploads (UBL, read + validated + released in the call): HTTP {figures['uploads/s http']:.1f}/s "
        f"({figures['upload ms http']:.1f} ms each), direct {figures['uploads/s direct']:.1f}/s "
        f"({figures['upload ms direct']:.1f} ms) → overhead {figures['upload ms http'] - figures['upload ms direct']:.1f} ms"
        f"; CPU per upload: server {figures['upload cpu http']:.1f} ms, direct {figures['upload cpu direct']:.1f} ms"
    )
    for name, title in (
        ("ubl", "download UBL"),
        ("status", "status + fields"),
        ("me", "GET /v1/me"),
    ):
        h50, h99 = figures[f"{name} p50 http"], figures[f"{name} p99 http"]
        d50, d99 = figures[f"{name} p50 direct"], figures[f"{name} p99 direct"]
        print(
            f"  {title:16} HTTP p50 {h50:6.2f} ms p99 {h99:6.2f} ms | direct p50 {d50:6.2f} ms p99 {d99:6.2f} ms"
            f" | overhead p50 {h50 - d50:5.2f} ms"
            f" | CPU/call: server {figures[f'{name} cpu http']:5.2f} ms, direct {figures[f'{name} cpu direct']:5.2f} ms"
            f" → {figures[f'{name} cpu http'] - figures[f'{name} cpu direct']:5.2f} ms"
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--downloads", type=int, default=400)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        if args.only in (None, "sqlite"):
            data = Path(tmp) / "sqlite"
            run(
                "SQLite",
                f"sqlite:///{data / 'bench.sqlite3'}",
                data,
                args.uploads,
                args.downloads,
            )
        if args.only in (None, "postgresql"):
            url, schema = _pg_schema_url(args.postgres)
            try:
                run(
                    "PostgreSQL",
                    url,
                    Path(tmp) / "postgresql",
                    args.uploads,
                    args.downloads,
                )
            finally:
                _drop_schema(args.postgres, schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
