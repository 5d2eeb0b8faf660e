"""Settings read once from the environment and passed in.

| variable | default | meaning |
|---|---|---|
| DATA_DIR | ./data/runtime | originals, renders, releases, exports |
| DATABASE_URL | sqlite:///$DATA_DIR/boekbrug.sqlite3 | any SQLAlchemy URL (PostgreSQL for several machines) |
| REDIS_URL | unset | unset: jobs run in-process; set: jobs go to rq workers |
| OCR_ENGINE | auto | auto (Tesseract first pass, PP-OCR on uncertain crops), rapidocr, tesseract |
| AUTO_ACCEPT | 0.99 | calibrated confidence above which a field needs no human look |
| SECOND_LOOK_RATE | 0.05 | share of auto-released documents sampled for a second look |
| LEASE_SECONDS | 600 | how long a claimed validation task stays with its operator |
| MAX_UPLOAD_MB | 50 | larger files are refused (the original is still kept) |
| MAX_PAGES | 50 | pages read per document |
| MAX_PIXELS | 60000000 | decompression-bomb guard for images |
| SECONDS_PER_PAGE | 60 | OCR time limit per page |
| SESSION_MINUTES | 480 | workbench sign-in lifetime |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    ocr_engine: str
    auto_accept: float
    second_look_rate: float
    lease_seconds: int
    max_upload_mb: int
    max_pages: int
    max_pixels: int
    seconds_per_page: int
    session_minutes: int

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def releases_dir(self) -> Path:
        return self.data_dir / "releases"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)


def from_environment(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / "data" / "runtime").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'boekbrug.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL") or None,
        ocr_engine=env.get("OCR_ENGINE", "auto"),
        auto_accept=float(env.get("AUTO_ACCEPT", "0.99")),
        second_look_rate=float(env.get("SECOND_LOOK_RATE", "0.05")),
        lease_seconds=int(env.get("LEASE_SECONDS", "600")),
        max_upload_mb=int(env.get("MAX_UPLOAD_MB", "50")),
        max_pages=int(env.get("MAX_PAGES", "50")),
        max_pixels=int(env.get("MAX_PIXELS", "60000000")),
        seconds_per_page=int(env.get("SECONDS_PER_PAGE", "60")),
        session_minutes=int(env.get("SESSION_MINUTES", "480")),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read from the environment once."""
    return from_environment()
