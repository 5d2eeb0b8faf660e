"""A worker asked to stop (SIGTERM, as systemd or a deploy sends it) stops — it is not restarted
by its own Redis-outage loop as if it had ended by itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis
from rq import Worker

from pipeline.core.config import PROJECT_ROOT


def test_sigterm_stops_an_idle_worker(redis_url: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data")}
    subprocess.run([sys.executable, "-m", "pipeline", "migrate"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    worker = subprocess.Popen([sys.executable, "-m", "pipeline", "worker"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + 120
        while Worker.count(connection=connection) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert Worker.count(connection=connection) == 1, "the worker never registered"
        time.sleep(1)  # idle, waiting for jobs
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert "starting a fresh one" not in (worker.stderr.read() if worker.stderr else "")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
