"""Signing in and out: a session token the workbench keeps in ``st.session_state``.

Only the token's hash is stored; a session expires after SESSION_MINUTES.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete

from models import UserSession
from pipeline.api._common import current_settings, work
from pipeline.core import accounts
from pipeline.core.accounts import Principal, SignInError, TooManyAttempts

__all__ = ["SignInError", "SignedIn", "TooManyAttempts", "resume", "sign_in", "sign_out"]


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


def sign_in(username: str, password: str, code: str | None = None, source: str = "unknown") -> SignedIn:
    """Check the password (and the authenticator code, once enrolled) and open a session;
    raises SignInError with a message to show (``TooManyAttempts``: wait and retry).

    ``source``: where the attempt comes from (the client's address), for throttling.
    A failed attempt is still committed (counted, audited): the throttle must hold.
    """
    with work() as session:
        try:
            principal = accounts.sign_in(session, username.strip(), password, source=source, code=code)
        except SignInError:
            session.commit()
            raise
        token = accounts.open_session(session, principal, current_settings().session_minutes)
    return SignedIn(token, principal)


def resume(token: str | None, now: datetime | None = None) -> Principal | None:
    """The principal of a live session; None when absent, unknown or expired."""
    if not token:
        return None
    with work() as session:
        return accounts.resume_session(session, token, now or datetime.now(UTC))


def sign_out(token: str | None) -> None:
    if not token:
        return
    digest = hashlib.sha256(token.encode()).hexdigest()
    with work() as session:
        session.execute(delete(UserSession).where(UserSession.token_hash == digest))
