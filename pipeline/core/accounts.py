"""Offices, clients and users: creating them, and signing in.

Passwords are hashed with Argon2id (memory-hard). Five failed sign-ins lock the
account for 15 minutes. A signed-in user becomes a ``Principal``: the user in
hand that every API call takes, and from which every access check is made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from models import AccountingOffice, AuditEntry, Client, User, UserSession
from models.enums import Role
from pipeline.core.i18n import DEFAULT_LANGUAGE, normalise_language

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_HASHER = PasswordHasher()  # argon2id, library defaults (64 MiB, t=3)


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


def sign_in(session: Session, username: str, password: str, now: datetime | None = None) -> Principal:
    """Check the password; count failures and lock the account after MAX_FAILED_LOGINS."""
    now = now or datetime.now(UTC)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        _HASHER.hash(password)  # same work either way: no user enumeration by timing
        audit(session, None, "sign_in_failed", username)
        raise SignInError("Unknown user or wrong password.")
    locked = user.locked_until and (user.locked_until if user.locked_until.tzinfo else user.locked_until.replace(tzinfo=UTC))
    if locked and locked > now:
        audit(session, user.id, "sign_in_locked", username)
        raise SignInError("Too many failed attempts: this account is locked for a while.")
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        audit(session, user.id, "sign_in_failed", username)
        raise SignInError("Unknown user or wrong password.") from None
    user.failed_logins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(session, user.id, "sign_in", username)
    return principal_of(user)


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
