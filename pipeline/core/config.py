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
| MAX_UPLOAD_MB | 50 | larger files are refused before anything is stored |
| QUOTA_MB_PER_CLIENT | 5000 | storage a client's originals may take; a file that would pass it is refused (0: no bound) |
| MAX_PAGES | 50 | pages read per document |
| MAX_PIXELS | 60000000 | decompression-bomb guard for images |
| SECONDS_PER_PAGE | 60 | OCR time limit per page |
| READ_THREADS | min(2, CPUs this process may use) | threads one page's OCR may use (1 for a pool of one worker per core) |
| SESSION_MINUTES | 480 | workbench sign-in lifetime |
| MAIL_DOMAIN | boekbrug.localhost | clients' inbound addresses are <client-slug>@MAIL_DOMAIN |
| MAILIN_HOST / MAILIN_PORT | 127.0.0.1 / 2525 | where `python -m pipeline mailin` listens |
| MAIL_MAX_MB | 25 | larger inbound messages are refused at SMTP time |
| SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS | unset, 587, … | outgoing mail (forwarding UBL to an import mailbox) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    quota_mb_per_client: int
    max_pages: int
    max_pixels: int
    seconds_per_page: int
    session_minutes: int
    mail_domain: str = "boekbrug.localhost"
    mailin_host: str = "127.0.0.1"
    mailin_port: int = 2525
    mail_max_mb: int = 25
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    read_threads: int = 1

    @property
    def drop_dir(self) -> Path:
        """Watched drop folders, one per client (scanners, a Peppol access point)."""
        return self.data_dir / "drop"

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


def read_threads(env: dict[str, str] | None = None) -> int:
    """READ_THREADS, else min(2, the CPUs this process may run on); never below 1."""
    env = os.environ if env is None else env
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    value = (env.get("READ_THREADS") or "").strip()
    return max(1, int(value) if value else min(2, cpus))


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
        quota_mb_per_client=int(env.get("QUOTA_MB_PER_CLIENT", "5000")),
        max_pages=int(env.get("MAX_PAGES", "50")),
        max_pixels=int(env.get("MAX_PIXELS", "60000000")),
        seconds_per_page=int(env.get("SECONDS_PER_PAGE", "60")),
        read_threads=read_threads(env),
        session_minutes=int(env.get("SESSION_MINUTES", "480")),
        mail_domain=(env.get("MAIL_DOMAIN") or "boekbrug.localhost").strip().lower(),
        mailin_host=env.get("MAILIN_HOST") or "127.0.0.1",
        mailin_port=int(env.get("MAILIN_PORT") or "2525"),
        mail_max_mb=int(env.get("MAIL_MAX_MB") or "25"),
        smtp_host=(env.get("SMTP_HOST") or "").strip() or None,
        smtp_port=int(env.get("SMTP_PORT") or (587 if _yes(env.get("SMTP_STARTTLS", "1")) else 25)),
        smtp_from=env.get("SMTP_FROM") or None,
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=_yes(env.get("SMTP_STARTTLS", "1")),
    )


def _yes(text: str | None) -> bool:
    return (text or "").strip().lower() not in ("0", "false", "no", "")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read from the environment once."""
    return from_environment()
