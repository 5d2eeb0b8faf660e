"""Issue 18 item 5: workers ride out a Redis outage, and a dead worker's document comes back fast.

Against a real Redis of the test's own (a redis-server on a free port, stopped and
started by the test; the shared one is never touched) and PostgreSQL: a worker starts
while Redis is down and carries on once it is up; Redis goes away while the worker
runs and comes back empty; a worker killed with SIGKILL is found dead by its heartbeat
and its document is read again within a minute.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from models import Document
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs import liveness
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.liveness import heartbeat_key
from pipeline.jobs.upkeep import recover

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
HEARTBEAT_TTL = 4
WAITING = (DocumentStatus.RECEIVED, DocumentStatus.READING)


class PrivateRedis:
    """A redis-server on a port of its own, without persistence, started and stopped at will."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # an outage, not a clean shutdown
            self.process.wait(10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


def _wait_for(predicate, seconds: float, what: str) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def _status(url: str, document_id: int) -> DocumentStatus:
    with unit_of_work(url) as session:
        return session.get(Document, document_id).status


def _variant(folder: Path, number: str) -> Path:
    path = folder / f"{number}.xml"
    path.write_bytes(UBL.read_bytes().replace(b"INV-2026-0042", number.encode()))
    return path


@pytest.mark.slow  # ~100 s: two Redis outages and a worker start
def test_a_worker_rides_out_redis_outages_and_a_dead_one_is_found_by_its_heartbeat(
    db_url: str, settings_for, private_redis: PrivateRedis, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("postgresql"):
        pytest.skip("workers on several machines share PostgreSQL")
    settings = settings_for(db_url, private_redis.url)
    with unit_of_work(db_url) as session:
        get_or_create_client(
            session,
            get_or_create_office(session, "Office"),
            "Client",
            vat="BE0987654394",
        )
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATA_DIR": str(settings.data_dir),
        "REDIS_URL": private_redis.url,
    }
    with log.open("w") as sink:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline",
                "worker",
                "--heartbeat-ttl",
                str(HEARTBEAT_TTL),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        # 1. Redis is down when the worker starts: it waits and says so, it does not exit
        _wait_for(
            lambda: "unreachable" in log.read_text(),
            120,
            "the worker says Redis is unreachable",
        )
        assert worker.poll() is None, log.read_text()
        private_redis.start()
        first = ingest_files(
            settings, "Client", [_variant(tmp_path, "INV-A")]
        ).document_ids[0]
        _wait_for(
            lambda: _status(db_url, first) is DocumentStatus.RELEASED,
            90,
            "read once Redis is up",
        )
        assert "answers again" in log.read_text()

        # 2. Redis goes away while the worker runs, and comes back empty
        private_redis.stop()
        outcome = ingest_files(
            settings, "Client", [_variant(tmp_path, "INV-B")]
        )  # not queued: Redis is down
        (second,) = outcome.document_ids
        assert outcome.not_queued == [second]
        time.sleep(3)
        assert worker.poll() is None, log.read_text()
        private_redis.start()
        # read (a suspected duplicate of the first, so it waits for an operator: read is what counts)
        _wait_for(
            lambda: _status(db_url, second) not in WAITING, 90, "read after the outage"
        )
        assert worker.poll() is None, log.read_text()

        # 3. the worker is killed: its heartbeat stops, and what it was reading is read again
        connection = Redis.from_url(private_redis.url)
        names = [
            key.decode().removeprefix(liveness.HEARTBEAT_PREFIX)
            for key in connection.keys(liveness.HEARTBEAT_PREFIX + "*")
        ]
        assert len(names) == 1
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    except AssertionError:
        print(log.read_text()[-8000:])
        raise
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(30)
    (third,) = ingest_files(
        settings.with_(redis_url=None),
        "Client",
        [_variant(tmp_path, "INV-C")],
        enqueue_now=False,
    ).document_ids
    with unit_of_work(
        db_url
    ) as session:  # as the killed worker left it: READING, by that worker
        document = session.get(Document, third)
        document.status = DocumentStatus.READING
        document.reading_by = f"rq:{names[0]}"
        from datetime import UTC, datetime

        document.reading_started_at = datetime.now(UTC)
    monkeypatch.setattr(liveness, "HEARTBEAT_TTL", HEARTBEAT_TTL)
    killed_at = time.monotonic()
    _wait_for(
        lambda: not connection.exists(heartbeat_key(names[0])),
        2 * HEARTBEAT_TTL,
        "the heartbeat expires",
    )
    # recovery rounds (every 30 s on the remaining workers; here run directly) requeue it
    found = recover(settings)
    assert found["requeued"] == 1
    assert _status(db_url, third) is DocumentStatus.RECEIVED
    assert time.monotonic() - killed_at < 60
