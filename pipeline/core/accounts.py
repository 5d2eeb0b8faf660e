"""Offices, clients and users: creating them, and signing in.

Passwords are hashed with Argon2id (memory-hard). Signing in answers the same, in the
same time, for names that exist and names that do not; failures slow down the source
that makes them and, for at most a minute, new sources trying the same name — nothing
locks the owner out. Admins and supervisors add a TOTP code once enrolled
(``python -m pipeline users totp NAME``). A signed-in user becomes a ``Principal``: the
user in hand that every API call takes, and from which every access check is made.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, object_session

from models import (
    AccountingOffice,
    AuditEntry,
    Client,
    SignInAttempt,
    User,
    UserSession,
)
from models.enums import Role
from pipeline.core.i18n import DEFAULT_LANGUAGE, normalise_language

_HASHER = PasswordHasher()  # argon2id, library defaults (64 MiB, t=3)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """The signed-in user, as every API call receives it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    office_id: int | None = None
    client_id: int | None = None
    language: str = DEFAULT_LANGUAGE  # the user's own, else the office's: every screen and e-mail

    @property
    def is_centre(self) -> bool:
        """Operators and supervisors of the validation centre (and admins)."""
        return self.role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


def language_of(session: Session | None, user: User) -> str:
    """The user's language; where none is chosen, the language of the user's office."""
    if user.language:
        return normalise_language(user.language)
    office_id = user.office_id
    if office_id is None and user.client_id is not None and session is not None:
        client = session.get(Client, user.client_id)
        office_id = client.office_id if client is not None else None
    office = session.get(AccountingOffice, office_id) if session is not None and office_id is not None else None
    return normalise_language(office.language if office is not None else None)


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.display_name, user.role, user.office_id, user.client_id,
                     language_of(object_session(user), user))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def audit(session: Session, user_id: int | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    session.add(AuditEntry(user_id=user_id, action=action, target=target, detail=(detail or None) and detail[:2000]))


def get_or_create_office(session: Session, name: str) -> AccountingOffice:
    office = session.scalars(select(AccountingOffice).where(AccountingOffice.name == name)).first()
    if office is None:
        office = AccountingOffice(name=name)
        session.add(office)
        session.flush()
    return office


def get_or_create_client(session: Session, office: AccountingOffice, name: str, **details: object) -> Client:
    client = session.scalars(select(Client).where(Client.office_id == office.id, Client.name == name)).first()
    if client is None:
        client = Client(office_id=office.id, name=name, **details)
        session.add(client)
        session.flush()
    return client


def find_client(session: Session, name_or_id: str) -> Client | None:
    if name_or_id.isdigit():
        found = session.get(Client, int(name_or_id))
        if found is not None:
            return found
    return session.scalars(select(Client).where(Client.name == name_or_id)).first()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str | None = None,
    office_id: int | None = None,
    client_id: int | None = None,
) -> User:
    if role is Role.ACCOUNTANT and office_id is None:
        raise ValueError("an accountant belongs to an office: give --office")
    if role is Role.CLIENT and client_id is None:
        raise ValueError("a client user belongs to a client: give --client")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise ValueError(f"user {username!r} exists already")
    if client_id is not None and office_id is None:
        client = session.get(Client, client_id)
        office_id = client.office_id if client else None
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        office_id=office_id,
        client_id=client_id,
    )
    session.add(user)
    session.flush()
    return user


class SignInError(Exception):
    pass


# ----------------------------------------------------------------------------- sign-in
# One answer for every failure, known user or not, wrong password or wrong code.
WRONG = "Unknown user, wrong password or wrong code."
THROTTLE_WINDOW = timedelta(hours=1)  # failures older than this no longer count
SOURCE_FREE_FAILURES = 10  # failures from one source before it must wait
SOURCE_MAX_WAIT = timedelta(minutes=15)
ACCOUNT_FREE_FAILURES = 5  # failures on one name (from sources it never signed in from) before a wait
ACCOUNT_MAX_WAIT = timedelta(minutes=1)  # short: an attacker can slow the owner down, never lock them out
KNOWN_SOURCE_DAYS = 30  # a source the account signed in from lately is the owner's: the name's count spares it
SECOND_FACTOR_ROLES = (Role.ADMIN, Role.SUPERVISOR)


class TooManyAttempts(SignInError):
    """Wait before trying again; said the same for known and unknown names."""

    def __init__(self, wait: timedelta) -> None:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        super().__init__(f"Too many failed sign-ins: wait {seconds} seconds, then try again.")
        self.wait = wait


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """An Argon2id hash of nothing anyone types: unknown names are checked against it, so
    they take the time of a real check."""
    return _HASHER.hash(secrets.token_hex(16))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _progressive_wait(failures: list[datetime], free: int, cap: timedelta, now: datetime) -> timedelta:
    """After ``free`` failures, 1 s, 2 s, 4 s … (up to ``cap``) from the last one."""
    if len(failures) < free:
        return timedelta(0)
    delay = min(cap, timedelta(seconds=2 ** min(len(failures) - free, 20)))
    return max(timedelta(0), max(failures) + delay - now)


def throttle_wait(session: Session, name: str, source: str, now: datetime) -> timedelta:
    """How long ``source`` must wait before trying ``name`` again (zero: go ahead).

    Per source: a progressive delay after SOURCE_FREE_FAILURES failures, up to 15 minutes.
    Per name (known or not, counted the same): after ACCOUNT_FREE_FAILURES failures, a
    progressive delay of at most a minute — but failures from sources that signed in
    as this name lately do not count against it, and such a source never waits for the
    name's count: the owner is never locked out by someone else's guessing."""
    since = now - THROTTLE_WINDOW
    by_source = [_aware(t) for t in session.scalars(select(SignInAttempt.created_at).where(
        SignInAttempt.source == source, SignInAttempt.ok.is_(False), SignInAttempt.created_at >= since))]
    wait = _progressive_wait(by_source, SOURCE_FREE_FAILURES, SOURCE_MAX_WAIT, now)
    known = set(session.scalars(select(SignInAttempt.source).where(
        SignInAttempt.username == name, SignInAttempt.ok.is_(True),
        SignInAttempt.created_at >= now - timedelta(days=KNOWN_SOURCE_DAYS))))
    if source in known:
        return wait
    by_name = [_aware(t) for t, where in session.execute(select(SignInAttempt.created_at, SignInAttempt.source).where(
        SignInAttempt.username == name, SignInAttempt.ok.is_(False), SignInAttempt.created_at >= since))
        if where not in known]
    return max(wait, _progressive_wait(by_name, ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_WAIT, now))


def _code_ok(user: User, code: str | None) -> bool:
    if not user.totp_secret:
        return True
    cleaned = "".join((code or "").split())
    return cleaned.isdigit() and pyotp.TOTP(user.totp_secret).verify(cleaned, valid_window=1)


def sign_in(session: Session, username: str, password: str, now: datetime | None = None, *,
            source: str = "unknown", code: str | None = None) -> Principal:
    """Check the password (and the TOTP code, once enrolled); every attempt is recorded.

    Unknown names and known ones get the same answer in the same time: an unknown name
    is checked against a dummy Argon2id hash, and throttling counts the name as typed.
    Nothing locks an account: a source that keeps failing waits longer each time, and
    a name under attack makes new sources wait at most a minute (``throttle_wait``)."""
    now = now or datetime.now(UTC)
    name = username.strip().lower()[:120]
    source = (source or "unknown")[:64]
    wait = throttle_wait(session, name, source, now)
    if wait > timedelta(0):
        audit(session, None, "sign_in_throttled", name, f"from {source}")
        raise TooManyAttempts(wait)
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    known = user is not None and user.active
    try:
        _HASHER.verify(user.password_hash if known else _dummy_hash(), password)
        password_ok = known
    except (VerificationError, InvalidHashError):
        password_ok = False
    if not password_ok or not _code_ok(user, code):
        session.add(SignInAttempt(username=name, source=source, ok=False, created_at=now))
        audit(session, user.id if known else None, "sign_in_failed", name, f"from {source}")
        raise SignInError(WRONG)
    session.add(SignInAttempt(username=name, source=source, ok=True, created_at=now))
    session.execute(delete(SignInAttempt).where(SignInAttempt.username == name,
                                                SignInAttempt.created_at < now - timedelta(days=KNOWN_SOURCE_DAYS)))
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.role in SECOND_FACTOR_ROLES and not user.totp_secret:
        log.warning("%s (%s) signed in without a second factor: enrol one with "
                    "`python -m pipeline users totp %s`", user.username, user.role, user.username)
        audit(session, user.id, "sign_in_without_second_factor", name, f"from {source}")
    audit(session, user.id, "sign_in", name, f"from {source}")
    return principal_of(user)


def enrol_totp(session: Session, username: str, issuer: str = "Boekbrug") -> str:
    """A new TOTP secret for ``username``; returns the otpauth:// URI for an authenticator app.
    From now on the user's sign-in asks for the six-digit code."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise ValueError(f"no user {username!r}")
    user.totp_secret = pyotp.random_base32()
    audit(session, user.id, "totp_enrolled", username)
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=username, issuer_name=issuer)


def open_session(session: Session, principal: Principal, minutes: int, now: datetime | None = None) -> str:
    """A new session token for a signed-in user; only its hash is stored."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=principal.user_id,
                            expires_at=now + timedelta(minutes=minutes)))
    return token


def resume_session(session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The principal of a live session token; None when unknown or expired."""
    now = now or datetime.now(UTC)
    row = session.scalars(
        select(UserSession).where(UserSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
    ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return None
    user = session.get(User, row.user_id)
    return principal_of(user) if user is not None and user.active else None


def visible_client_ids(session: Session, principal: Principal) -> tuple[int, ...] | None:
    """The one rule of who sees which clients' documents; None means all.

    The validation centre (operators, supervisors) and admins see every client; an
    accountant the clients of their office; a client user only its own business."""
    if principal.role in (Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR):
        return None
    if principal.role is Role.ACCOUNTANT:
        if principal.office_id is None:
            return ()
        return tuple(session.scalars(select(Client.id).where(Client.office_id == principal.office_id)))
    if principal.role is Role.CLIENT:
        return () if principal.client_id is None else (principal.client_id,)
    return ()
