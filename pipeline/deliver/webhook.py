"""Forward one released UBL to an HTTPS webhook, signed so the receiver can trust it.

The body is the UBL itself (``application/xml``). Headers:

* ``X-Boekbrug-Timestamp``: seconds since the epoch when it was signed;
* ``X-Boekbrug-Signature``: ``sha256=`` + hex HMAC-SHA256 over ``timestamp + "." + body``
  with the target's secret (a receiver recomputes it and refuses old timestamps);
* ``X-Boekbrug-Delivery``: the forwarding's id, the same on every retry (idempotency);
* ``X-Boekbrug-Document`` and ``X-Boekbrug-Profile``.

A 2xx answer is a delivery; anything else (or no answer) is a failed attempt, retried
with back-off by ``pipeline.deliver.forward``.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import requests

TIMEOUT_SECONDS = 20


class WebhookRefused(Exception):
    """The receiver answered, but not with 2xx."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    given: str,
    *,
    max_age: float = 300,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = (now if now is not None else time.time()) - float(timestamp)
    except ValueError:
        return False
    return abs(age) <= max_age and hmac.compare_digest(
        signature(secret, timestamp, body), given
    )


def post(
    url: str,
    secret: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float = TIMEOUT_SECONDS,
) -> str:
    """POST the signed body; the answer in words. Raises WebhookRefused or requests' errors."""
    stamp = str(int(time.time()))
    sent = {
        "Content-Type": "application/xml",
        "X-Boekbrug-Timestamp": stamp,
        "X-Boekbrug-Signature": signature(secret, stamp, body),
        **headers,
    }
    answer = requests.post(
        url, data=body, headers=sent, timeout=timeout, allow_redirects=False
    )
    said = f"HTTP {answer.status_code}: {answer.text[:300]}"
    if not 200 <= answer.status_code < 300:
        raise WebhookRefused(said)
    return said
