"""Shared fixtures: a temporary data directory and database per test, real services.

Database tests run on SQLite and on PostgreSQL (``db_url`` is parametrised); queue
tests run on a real Redis, flushed before and after like rq's own tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/boekbrug_test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def shared_dir() -> Path:
    """../shared (development corpus and Peppol artefacts); a user's clone may lack it."""
    if not SHARED.exists():
        pytest.skip("../shared is not present in this checkout")
    return SHARED


def _fresh_postgres_schema() -> tuple[str, str]:
    """A private schema in the test database, so parallel tests never meet."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema


def _drop_postgres_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at Alembic head, on SQLite and on PostgreSQL."""
    from pipeline.core.db import engine_for, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        migrate(url)
        yield url
        engine_for(url).dispose()
        return
    url, schema = _fresh_postgres_schema()
    migrate(url)
    yield url
    engine_for(url).dispose()
    _drop_postgres_schema(schema)


@pytest.fixture
def settings_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Settings for a database URL, with a private data dir; also set in the environment
    so jobs (which read settings themselves) see the same."""
    from pipeline.core import config

    def make(url: str, redis_url: str | None = None, **env: str):  # type: ignore[no-untyped-def]
        data_dir = tmp_path / "data"
        monkeypatch.setenv("DATA_DIR", str(data_dir))
        monkeypatch.setenv("DATABASE_URL", url)
        if redis_url:
            monkeypatch.setenv("REDIS_URL", redis_url)
        else:
            monkeypatch.delenv("REDIS_URL", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        config.settings.cache_clear()
        return config.settings()

    yield make
    config.settings.cache_clear()


@pytest.fixture
def redis_url() -> Iterator[str]:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[object, int]]:
    """A real SMTP server on a free local port (aiosmtpd): (its inbox, its port)."""
    from tests.smtp_inbox import smtp_server

    with smtp_server() as served:
        yield served
