"""Two ASGI guards around every request: the size limit, and the audit entry.

* ``BodyLimit`` refuses a body larger than allowed before reading it when it says
  its length, and stops reading at the limit when it does not (chunked): 413
  ``too_large``. Multipart file uploads may be MAX_UPLOAD_MB + 1 MB; any other body
  API_MAX_JSON_KB.
* ``Audit`` writes one audit entry per call under ``/v1`` once it is answered — who
  (the token's or session's user; none when authentication failed), method, path,
  status — and the token's last use.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api import tokens
from pipeline.http import problems
from pipeline.http.auth import CALLER_KEY, Caller

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


class Audit:
    """Writes the audit entry when the answer is ready and before it is sent: a caller never sees an unaudited answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        audited = False

        async def audit(status: int) -> None:
            nonlocal audited
            audited = True
            caller: Caller | None = scope.get(CALLER_KEY)
            await anyio.to_thread.run_sync(
                _record, caller, scope["method"], scope["path"], status
            )

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and not audited:
                await audit(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if not audited:  # no answer started (a crash, a dropped connection)
                await audit(500)


def _record(caller: Caller | None, method: str, path: str, status: int) -> None:
    try:
        tokens.record_call(
            caller.principal.user_id if caller else None,
            caller.token_id if caller else None,
            "api_call",
            f"{method} {path}",
            f"{status}"
            + (f" token:{caller.token_id}" if caller and caller.token_id else ""),
        )
    except (
        Exception
    ):  # the answer went out; a lost audit row is logged loudly, never a crash
        log.exception("could not audit %s %s (%s)", method, path, status)


async def _send_problem(
    send: Send, status: int, code: str, detail: str, path: str, **extra: Any
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
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
