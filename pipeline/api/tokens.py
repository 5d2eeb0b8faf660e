"""API tokens for accounting packages, ERP and CRM: create, list, revoke, authenticate.

A token belongs to an office (it acts as an accountant of that office) or to one
client (it acts as that client); the access rule is then the one every call already
follows (``visible_client_ids``). The secret (``bbk_`` + 256 random bits) is shown once;
only its SHA-256 is stored. Scopes: ``read`` (every GET, downloads included) and
``upload`` (every call that hands something in or changes something). A token expires
(at most ``MAX_DAYS``) and can be revoked; either ends it at once.

Who manages tokens: an admin (any office or client) and an accountant (their own
office and its clients). Each token acts through a user row of its own (no password,
never signs in), so audit entries and bookings say which token did it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from models import AccountingOffice, ApiToken, AuditEntry, Client, User
from models.enums import Role
from pipeline.api._common import require_client, require_role, work
from pipeline.core import check_words as words
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_

PREFIX = "bbk_"
SCOPES = ("read", "upload")
DEFAULT_DAYS = 90
MAX_DAYS = 730
LAST_USED_GRAIN = timedelta(
    minutes=1
)  # a token's last use is written at most once a minute
NO_PASSWORD = (
    "!api-token: no password sign-in"  # not an Argon2 hash: verification always fails
)


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    office_id: int
    office_name: str
    client_id: int | None
    client_name: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        return (
            "expired"
            if _aware(self.expires_at) <= (now or datetime.now(UTC))
            else "active"
        )


@dataclass(frozen=True)
class NewToken:
    secret: str  # shown once, never stored
    token: TokenView


@dataclass(frozen=True)
class TokenTarget:
    """An office or a client a token can be made for."""

    office_id: int | None
    client_id: int | None
    label: str  # in English (logs, the API); the workbench says it from ``name``
    name: str = ""


@dataclass(frozen=True)
class TokenCaller:
    """A live token: who it acts as, and what it may do."""

    token_id: int
    principal: Principal
    scopes: frozenset[str]
    expires_at: datetime


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_manage(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.ACCOUNTANT)


def parse_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    unknown = wanted - set(SCOPES)
    if unknown or not wanted:
        raise ValueError(
            words.TOKEN_SCOPES.format(scopes=" + ".join(SCOPES), got=", ".join(sorted(unknown)) or "-")
        )
    return tuple(s for s in SCOPES if s in wanted)


# ---------------------------------------------------------------------- managing
def token_targets(principal: Principal) -> list[TokenTarget]:
    """The offices and clients ``principal`` may make tokens for: each office first, then its clients."""
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        offices = select(AccountingOffice.id, AccountingOffice.name).order_by(
            AccountingOffice.name
        )
        clients = select(Client.id, Client.name, Client.office_id).order_by(Client.name)
        if principal.role is not Role.ADMIN:
            offices = offices.where(AccountingOffice.id == (principal.office_id or -1))
            clients = clients.where(Client.office_id == (principal.office_id or -1))
        by_office: dict[int, list[TokenTarget]] = {}
        for client_id, name, office_id in session.execute(clients):
            by_office.setdefault(office_id, []).append(
                TokenTarget(None, client_id, f"client {name}", name)
            )
        found: list[TokenTarget] = []
        for office_id, name in session.execute(offices):
            found.append(
                TokenTarget(office_id, None, f"office {name} (all its clients)", name)
            )
            found.extend(by_office.get(office_id, []))
        return found


def create_token(
    principal: Principal,
    name: str,
    *,
    office_id: int | None = None,
    client_id: int | None = None,
    scopes: Iterable[str] = SCOPES,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> NewToken:
    """A new token for an office (``office_id``) or one client (``client_id``); the secret is in the result only."""
    require_role(principal, Role.ACCOUNTANT)
    label = " ".join((name or "").split())[:120]
    if not label:
        raise ValueError(words.TOKEN_NAME)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(words.TOKEN_DAYS.format(days=MAX_DAYS))
    chosen = parse_scopes(scopes)
    now = now or datetime.now(UTC)
    with work() as session:
        office, client = _target(session, principal, office_id, client_id)
        secret = PREFIX + secrets.token_urlsafe(32)
        actor = User(
            username=f"api-token-{secrets.token_hex(6)}",
            display_name=f"API token: {label}",
            password_hash=NO_PASSWORD,
            role=Role.CLIENT if client else Role.ACCOUNTANT,
            office_id=office.id,
            client_id=client.id if client else None,
        )
        session.add(actor)
        session.flush()
        row = ApiToken(
            name=label,
            prefix=secret[: len(PREFIX) + 6],
            token_hash=digest(secret),
            user_id=actor.id,
            office_id=office.id,
            client_id=client.id if client else None,
            scopes=" ".join(chosen),
            created_by=principal.user_id or None,
            expires_at=now + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        audit(
            session,
            principal.user_id or None,
            "api_token_created",
            f"api_token:{row.id}",
            f"{label} for {'client ' + client.name if client else 'office ' + office.name}; {row.scopes}; "
            f"expires {row.expires_at:%Y-%m-%d}",
        )
        return NewToken(
            secret, _view(row, office.name, client.name if client else None)
        )


def list_tokens(principal: Principal) -> list[TokenView]:
    """Every token ``principal`` manages (an admin: all; an accountant: their office's), newest first."""
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        query = (
            select(ApiToken, AccountingOffice.name, Client.name)
            .join(AccountingOffice, AccountingOffice.id == ApiToken.office_id)
            .join(Client, Client.id == ApiToken.client_id, isouter=True)
            .order_by(ApiToken.id.desc())
        )
        if principal.role is not Role.ADMIN:
            query = query.where(ApiToken.office_id == (principal.office_id or -1))
        return [
            _view(row, office, client) for row, office, client in session.execute(query)
        ]


def revoke_token(
    principal: Principal, token_id: int, now: datetime | None = None
) -> TokenView:
    """End a token at once (its actor is deactivated too); revoking twice changes nothing."""
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        row = session.get(ApiToken, token_id)
        if row is None or (
            principal.role is not Role.ADMIN and row.office_id != principal.office_id
        ):
            raise NotFound(N_("API token {id} not found"), params={"id": token_id})
        if row.revoked_at is None:
            row.revoked_at = now or datetime.now(UTC)
            row.revoked_by = principal.user_id or None
            session.execute(
                update(User).where(User.id == row.user_id).values(active=False)
            )
            audit(
                session,
                principal.user_id or None,
                "api_token_revoked",
                f"api_token:{row.id}",
                row.name,
            )
        office = session.get(AccountingOffice, row.office_id)
        client = session.get(Client, row.client_id) if row.client_id else None
        return _view(
            row, office.name if office else "", client.name if client else None
        )


# ---------------------------------------------------------------------- using
def authenticate(secret: str, now: datetime | None = None) -> TokenCaller | None:
    """The live token with this secret; None when unknown, revoked or expired (the caller learns no more)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    now = now or datetime.now(UTC)
    with work() as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(secret))
        ).first()
        if found is None:
            return None
        row, actor = found
        if (
            row.revoked_at is not None
            or _aware(row.expires_at) <= now
            or not actor.active
        ):
            return None
        principal = Principal(
            actor.id,
            actor.username,
            actor.display_name,
            actor.role,
            row.office_id,
            row.client_id,
        )
        return TokenCaller(
            row.id, principal, frozenset(row.scopes.split()), _aware(row.expires_at)
        )


@dataclass(frozen=True)
class CallRecord:
    """One HTTP call, for the audit log."""

    user_id: int | None  # None: authentication failed
    token_id: int | None  # None: a workbench session, or no caller
    target: str  # "GET /v1/documents/12"
    detail: str  # "200 token:3"
    at: datetime


def record_calls(calls: Sequence[CallRecord]) -> None:
    """The audit entries of HTTP calls, in one unit of work; a token's last use is kept to the minute."""
    if not calls:
        return
    with work() as session:
        session.execute(
            insert(AuditEntry),
            [
                {
                    "user_id": c.user_id,
                    "action": "api_call",
                    "target": c.target[:255],
                    "detail": c.detail[:2000],
                    "created_at": c.at,
                }
                for c in calls
            ],
        )
        last: dict[int, datetime] = {}
        for c in calls:
            if c.token_id is not None:
                last[c.token_id] = max(c.at, last.get(c.token_id, c.at))
        for token_id, at in last.items():
            session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at < at - LAST_USED_GRAIN,
                    ),
                )
                .values(last_used_at=at)
            )


# ---------------------------------------------------------------------- shaping
def _target(
    session: Session, principal: Principal, office_id: int | None, client_id: int | None
) -> tuple[AccountingOffice, Client | None]:
    if (office_id is None) == (client_id is None):
        raise ValueError(words.TOKEN_TARGET)
    if client_id is not None:
        client = require_client(
            session, principal, client_id
        )  # NotFound for another office's client
        office = session.get(AccountingOffice, client.office_id)
        assert office is not None
        return office, client
    office = session.get(AccountingOffice, office_id)
    if office is None or (
        principal.role is not Role.ADMIN and principal.office_id != office_id
    ):
        raise NotFound(N_("office {id} not found"), params={"id": office_id})
    return office, None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _view(row: ApiToken, office_name: str, client_name: str | None) -> TokenView:
    return TokenView(
        row.id,
        row.name,
        row.prefix,
        row.office_id,
        office_name,
        row.client_id,
        client_name,
        tuple(row.scopes.split()),
        _aware(row.created_at or datetime.now(UTC)),
        _aware(row.expires_at),
        row.revoked_at and _aware(row.revoked_at),
        row.last_used_at and _aware(row.last_used_at),
    )
