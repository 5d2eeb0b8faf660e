"""Who is calling: a bearer API token (``bbk_…``) or a workbench session token.

``needs(scope)`` is the dependency every route takes: it authenticates, applies the
caller's rate limit, checks the scope, and leaves the ``Caller`` on the request for
the audit. An unknown, expired or revoked token is one answer (401 ``invalid_token``);
a session acts with every scope its user's role allows. Failed attempts are rate
limited per address, so guessing is slow as well as hopeless (256-bit secrets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipeline import api
from pipeline.api import tokens
from pipeline.core.accounts import Principal
from pipeline.http.problems import Problem
from pipeline.http.ratelimit import Limiter, retry_after

CALLER_KEY = "boekbrug.caller"
CHALLENGE = 'Bearer realm="boekbrug"'
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token (`bbk_…`, from `python -m pipeline tokens create` or the workbench's API tokens "
    "page) or a workbench session token.",
)


@dataclass(frozen=True)
class Caller:
    principal: Principal
    scopes: frozenset[str]
    token_id: int | None  # None: a workbench session
    key: str  # the rate-limit bucket


def _limit(limiter: Limiter, key: str) -> None:
    wait = limiter.take(key)
    if wait > 0:
        raise Problem(
            429,
            "rate_limited",
            "too many requests; slow down",
            headers={"Retry-After": retry_after(wait)},
        )


def identify(secret: str) -> Caller | None:
    """The caller of a bearer secret (API token or workbench session); None when unknown, expired or revoked."""
    if secret.startswith(tokens.PREFIX):
        found = tokens.authenticate(secret)
        if found is None:
            return None
        return Caller(
            found.principal, found.scopes, found.token_id, f"token:{found.token_id}"
        )
    principal = api.resume(secret)
    if principal is None:
        return None
    return Caller(
        principal, frozenset(tokens.SCOPES), None, f"user:{principal.user_id}"
    )


def needs(scope: str) -> Callable[..., Caller]:
    """The dependency of a route that needs ``scope`` (``read`` or ``upload``)."""

    def authenticated(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        limiter: Limiter = request.app.state.limiter
        address = request.client.host if request.client else "unknown"
        if credentials is None or not credentials.credentials:
            _limit(limiter, f"address:{address}")
            raise Problem(
                401,
                "unauthorized",
                "send an API token: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": CHALLENGE},
            )
        known: Caller | None = request.scope.get(
            CALLER_KEY
        )  # an upload is identified before its body is read
        caller = known or identify(credentials.credentials.strip())
        if caller is None:
            _limit(limiter, f"address:{address}")
            raise Problem(
                401,
                "invalid_token",
                "the token is unknown, expired or revoked",
                headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
            )
        request.scope[CALLER_KEY] = caller
        _limit(limiter, caller.key)
        if scope not in caller.scopes:
            raise Problem(
                403,
                "insufficient_scope",
                f"this token lacks the {scope!r} scope",
                headers={
                    "WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope", scope="{scope}"'
                },
            )
        return caller

    return authenticated


READ = Depends(needs("read"))
UPLOAD = Depends(needs("upload"))
