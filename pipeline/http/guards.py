"""Two ASGI guards around every request: the size limit, and the audit entry.

* ``BodyLimit`` refuses a body larger than allowed before reading it when it says
  its length, and stops reading at the limit when it does not (chunked): 413
  ``too_large``. Multipart file uploads may be MAX_UPLOAD_MB + 1 MB; any other body
  API_MAX_JSON_KB.
* ``Audit`` records one audit entry per call under ``/v1`` — who (the token's or
  session's user; none when authentication failed), method, path, status — and the
  token's last use; ``AuditLog`` writes them in batches from a thread of its own.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api import tokens
from pipeline.http import problems
from pipeline.http.auth import CALLER_KEY, CHALLENGE, Caller, identify

log = logging.getLogger(__name__)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit // 1024} KiB")


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_json_bytes: int, max_upload_bytes: int
    ) -> None:
        self.app = app
        self.max_json_bytes, self.max_upload_bytes = max_json_bytes, max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = (
            headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        )
        limit = self.max_upload_bytes if upload else self.max_json_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            error = BodyTooLarge(limit)
            await _send_problem(
                send, 413, "too_large", str(error.detail), scope["path"]
            )
            return
        if upload and not await _upload_caller(
            scope
        ):  # nobody spools a file for an unknown caller
            await _send_problem(
                send,
                401,
                "invalid_token",
                "the token is unknown, expired or revoked",
                scope["path"],
                headers=[
                    (
                        b"www-authenticate",
                        f'{CHALLENGE}, error="invalid_token"'.encode(),
                    )
                ],
            )
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


class OneAtATime:
    """SQLite only: the requests of this process are answered one at a time.

    SQLite has one writer; a transaction that read before another connection committed
    cannot write any more ("database is locked", at once, whatever the busy timeout), so
    concurrent uploads failed their in-process release jobs. PostgreSQL needs no such
    thing. Several API processes on one SQLite file would still meet: use PostgreSQL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = anyio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self._lock:
            await self.app(scope, receive, send)


class AuditLog:
    """Where the access log goes.

    PostgreSQL: a thread of its own writes a batch per commit, at most ``delay`` seconds after the
    call (a commit per call would cost a WAL flush each); ``close`` writes what is left. SQLite
    (``inline``): each entry is written in the request, before its answer goes out, because a
    writer beside the request's own transactions would make them fail ("database is locked": a
    read transaction cannot become a write one after another connection committed). The domain's
    own audit entries (an upload, a download, a booking) stay in the call's own transaction."""

    def __init__(
        self,
        *,
        inline: bool = False,
        delay: float = 0.05,
        batch: int = 500,
        backlog: int = 100_000,
    ) -> None:
        self.inline = inline
        self.delay, self.batch, self.backlog = delay, batch, backlog
        self._queue: queue.Queue[tokens.CallRecord | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._written = threading.Condition()
        self._unwritten = 0

    def add(self, record: tokens.CallRecord) -> None:
        with self._written:
            self._unwritten += 1
        self._queue.put(record)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="api-audit", daemon=True
                    )
                    self._thread.start()

    def write_now(self, record: tokens.CallRecord) -> None:
        """The inline way: one entry, one commit, in the caller's thread."""
        try:
            tokens.record_calls([record])
        except Exception:  # the answer is ready; a lost access-log entry is logged loudly, never a crash
            log.exception("could not write the API audit entry of %s", record.target)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything added so far is written (tests, shutdown)."""
        with self._written:
            return self._written.wait_for(lambda: self._unwritten == 0, timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(30)
            self._thread = None

    def _run(self) -> None:
        pending: list[tokens.CallRecord] = []
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                stop = True
            else:
                pending.append(first)
            deadline = time.monotonic() + self.delay
            while not stop and len(pending) < self.batch:
                try:
                    more = self._queue.get(
                        timeout=max(0.0, deadline - time.monotonic())
                    )
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                else:
                    pending.append(more)
            try:
                tokens.record_calls(pending)
                with self._written:
                    self._unwritten -= len(pending)
                    self._written.notify_all()
                pending = []
            except (
                Exception
            ):  # the database is away: keep them (bounded) and try with the next batch
                log.exception(
                    "could not write %d API audit entries; retrying with the next batch",
                    len(pending),
                )
                with self._written:
                    self._unwritten -= max(0, len(pending) - self.backlog)
                pending = pending[-self.backlog :]
                time.sleep(min(1.0, self.delay * 10))


class Audit:
    """One audit entry per call under ``/v1``: who, method, path, status."""

    def __init__(self, app: ASGIApp, log: AuditLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        recorded = False

        async def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            caller: Caller | None = scope.get(CALLER_KEY)
            token = f" token:{caller.token_id}" if caller and caller.token_id else ""
            entry = tokens.CallRecord(
                caller.principal.user_id if caller else None,
                caller.token_id if caller else None,
                f"{scope['method']} {scope['path']}",
                f"{status}{token}",
                datetime.now(UTC),
            )
            if self.log.inline:
                await anyio.to_thread.run_sync(self.log.write_now, entry)
            else:
                self.log.add(entry)

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and not recorded:
                await record(
                    message["status"]
                )  # written or queued before the caller sees the answer
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if not recorded:  # no answer started (a crash, a dropped connection)
                await record(500)


async def _upload_caller(scope: Scope) -> bool:
    """Identify the caller of a file upload before its body is read; False when the bearer is absent or unknown.
    The route's own check (scope, rate) still runs, with the caller found here."""
    authorization = (
        dict(scope["headers"]).get(b"authorization", b"").decode("latin-1").strip()
    )
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return False
    caller = await anyio.to_thread.run_sync(identify, secret.strip())
    if caller is None:
        return False
    scope[CALLER_KEY] = caller
    return True


async def _send_problem(
    send: Send,
    status: int,
    code: str,
    detail: str,
    path: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> None:
    payload = problems.body(status, code, detail, path, **extra)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", problems.MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
