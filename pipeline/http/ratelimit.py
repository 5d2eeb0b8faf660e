"""Rate limits per token: a token bucket, in this process or shared through Redis.

A bucket holds ``burst`` requests and refills at ``rate`` per second; a request takes
one. ``take(key)`` answers 0 when the request may go, else the seconds to wait (the
``Retry-After``). With REDIS_URL set every API process shares the buckets (one Lua
script, atomic, on Redis's clock); without it each process keeps its own.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

KEY_PREFIX = "boekbrug:ratelimit:"
_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class Limiter(Protocol):
    def take(self, key: str) -> float: ...


class MemoryLimiter:
    """Buckets in this process (the embedded default)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if (
                len(self._buckets) > 100_000
            ):  # forget full buckets rather than grow without end
                self._buckets = {
                    k: v for k, v in self._buckets.items() if v[0] < self.burst - 1
                }
            return (1 - tokens) / self.rate


class RedisLimiter:
    """Buckets shared by every API process through Redis; falls back to this process's own when Redis is away."""

    def __init__(self, url: str, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._redis = Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._script = self._redis.register_script(_SCRIPT)
        self._fallback = MemoryLimiter(rate, burst)

    def take(self, key: str) -> float:
        try:
            return float(
                self._script(keys=[KEY_PREFIX + key], args=[self.rate, self.burst])
            )
        except RedisError:
            return self._fallback.take(key)


def limiter_for(redis_url: str | None, rate: float, burst: int) -> Limiter:
    return (
        RedisLimiter(redis_url, rate, burst)
        if redis_url
        else MemoryLimiter(rate, burst)
    )


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
