"""The HTTP API's limits, read once from the environment.

| variable | default | meaning |
|---|---|---|
| API_RATE_PER_SECOND | 20 | sustained requests per second per token (or session, or address for failed sign-ins) |
| API_RATE_BURST | 100 | requests a token may make at once before the rate applies |
| API_MAX_JSON_KB | 1024 | largest body of a request that is not a file upload |

File uploads may be MAX_UPLOAD_MB (``pipeline.core.config``) plus 1 MB for the form around the file.
With REDIS_URL set, the rate limit is shared by every API process through Redis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from pipeline.core.config import settings as core_settings


@dataclass(frozen=True)
class HttpSettings:
    rate_per_second: float
    burst: int
    max_json_bytes: int
    max_upload_bytes: int
    redis_url: str | None
    sqlite: bool  # the embedded database: the access log is written in the request (see guards.AuditLog)


def from_environment(env: dict[str, str] | None = None) -> HttpSettings:
    env = dict(os.environ if env is None else env)
    core = core_settings()
    return HttpSettings(
        rate_per_second=float(env.get("API_RATE_PER_SECOND", "20")),
        burst=int(env.get("API_RATE_BURST", "100")),
        max_json_bytes=int(env.get("API_MAX_JSON_KB", "1024")) * 1024,
        max_upload_bytes=(core.max_upload_mb + 1) * 1024 * 1024,
        redis_url=core.redis_url,
        sqlite=core.database_url.startswith("sqlite"),
    )


@lru_cache(maxsize=1)
def http_settings() -> HttpSettings:
    return from_environment()
