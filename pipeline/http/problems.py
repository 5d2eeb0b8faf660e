"""Errors as RFC 9457 problem details (``application/problem+json``) with the project's stable codes.

Every error body has ``type`` (``urn:boekbrug:problem:<code>``), ``title``, ``status``,
``detail``, ``instance`` (the path) and ``code`` (the stable code of
``pipeline.core.errors``, the intake's refusals included), ``hint`` where there is one.
A 404 never says whether a document or client exists for someone else: the domain
answers "not found" for both, and so does this layer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pipeline.core.errors import BoekbrugError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
STATUS_OF_CODE = {
    "not_found": 404,
    "forbidden": 403,
    "insufficient_scope": 403,
    "unauthorized": 401,
    "invalid_token": 401,
    "conflict": 409,
    "already_issued": 409,
    "too_large": 413,
    "rate_limited": 429,
    "mail_not_configured": 503,
    "mail_failed": 502,
    "internal_error": 500,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}
CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
}


class Problem(Exception):
    """An HTTP-layer refusal (authentication, scope, rate, size) with a stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}
        self.extra = extra


def body(status: int, code: str, detail: str, instance: str, **extra: Any) -> bytes:
    payload: dict[str, Any] = {
        "type": f"urn:boekbrug:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    payload.update(
        {key: value for key, value in extra.items() if value not in (None, "")}
    )
    return json.dumps(payload, ensure_ascii=False, default=str).encode()


def response(
    status: int,
    code: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    return Response(
        body(status, code, detail, instance, **extra),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def status_for(error: BoekbrugError) -> int:
    return STATUS_OF_CODE.get(error.code, 422)


def from_domain(request: Request, error: BoekbrugError, **extra: Any) -> Response:
    return response(
        status_for(error),
        error.code,
        error.message,
        request.url.path,
        hint=error.hint or None,
        **extra,
    )


def install(app: FastAPI) -> None:
    """Every error the app can raise answers problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> Response:
        return response(
            error.status,
            error.code,
            error.detail,
            request.url.path,
            error.headers,
            **error.extra,
        )

    @app.exception_handler(BoekbrugError)
    async def _domain(request: Request, error: BoekbrugError) -> Response:
        return from_domain(request, error)

    @app.exception_handler(ValueError)
    async def _value(request: Request, error: ValueError) -> Response:
        return response(422, "invalid_value", str(error), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {
                "location": [str(p) for p in e.get("loc", ())],
                "message": e.get("msg", ""),
            }
            for e in error.errors()
        ]
        return response(
            422,
            "invalid_request",
            "the request does not have the expected shape",
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        code = CODE_OF_STATUS.get(error.status_code, "error")
        detail = (
            error.detail
            if isinstance(error.detail, str)
            else TITLES.get(error.status_code, "Error")
        )
        return response(
            error.status_code,
            code,
            detail,
            request.url.path,
            getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return response(
            500,
            "internal_error",
            "something went wrong on our side; it was logged",
            request.url.path,
        )
