"""Onboarding: an office creates its clients, invites their users, resets passwords, deactivates users.

Access (as in ``pipeline.api._common``): an admin for any office; an accountant only within
their own office (clients of that office, accountant and client users of that office); nobody
else. Invitations and resets are one-time links sent by e-mail (``pipeline.core.mail``):
only the token's hash is stored, a link expires (INVITE_HOURS / RESET_HOURS) and works once.
A reset asked for an unknown or inactive address sends nothing and says the same as for a
known one (addresses are not probed).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AccountingOffice, AuditEntry, Client, User, UserSession
from models.enums import Role
from models.tenancy import AccountLink
from pipeline.api._common import current_settings, require_role, work
from pipeline.core.accounts import Principal, audit, hash_password
from pipeline.core.errors import BoekbrugError, Conflict, Forbidden, NotFound
from pipeline.core.i18n import LANGUAGES, N_, translate
from pipeline.core.identifiers import (
    kbo_from_vat,
    kbo_valid,
    normalise_kbo,
    normalise_vat,
    vat_problem,
)
from pipeline.core.mail import send

log = logging.getLogger(__name__)

INVITE_HOURS = 72
RESET_HOURS = 1
VAT_PERIODS = ("monthly", "quarterly")
INVITABLE = (Role.ACCOUNTANT, Role.CLIENT)  # an office invites these; the centre's staff come from the CLI
MIN_PASSWORD = 10


class InvalidInput(BoekbrugError):
    code = "invalid_input"
    hint = N_("Correct the value and try again.")


class LinkInvalid(BoekbrugError):
    """Unknown, expired or already used: one answer for all three."""

    code = "link_invalid"
    hint = N_("Ask for a new link (Forgot your password?) or a new invitation.")


@dataclass(frozen=True)
class ClientView:
    id: int
    office_id: int
    name: str
    vat: str | None
    enterprise_number: str | None
    vat_period: str
    language: str | None


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    office_id: int | None
    client_id: int | None
    active: bool
    invited: bool  # invited, no password set yet


@dataclass(frozen=True)
class OfficeRef:
    id: int
    name: str


# ---------------------------------------------------------------------- access
def may_onboard(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.ACCOUNTANT)


def _office_of(principal: Principal, office_id: int | None) -> int:
    """The office this principal acts for: an accountant's own, an admin's choice."""
    require_role(principal, Role.ACCOUNTANT)
    if principal.role is Role.ADMIN:
        if office_id is None:
            raise InvalidInput(N_("choose an office"))
        return office_id
    if principal.office_id is None or (office_id is not None and office_id != principal.office_id):
        raise Forbidden(N_("an accountant acts for their own office only"))
    return principal.office_id


def offices_for(principal: Principal) -> list[OfficeRef]:
    require_role(principal, Role.ACCOUNTANT)
    with work() as session:
        query = select(AccountingOffice).order_by(AccountingOffice.name)
        if principal.role is not Role.ADMIN:
            query = query.where(AccountingOffice.id == principal.office_id)
        return [OfficeRef(o.id, o.name) for o in session.scalars(query)]


# ---------------------------------------------------------------------- clients
def create_client(
    principal: Principal,
    name: str,
    *,
    office_id: int | None = None,
    vat: str | None = None,
    enterprise_number: str | None = None,
    vat_period: str = "quarterly",
    language: str | None = None,
) -> ClientView:
    """A new client of the office; the VAT number and KBO number are checked (check digits)."""
    office = _office_of(principal, office_id)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(N_("a client needs a name"))
    vat_clean = normalise_vat(vat) if vat and vat.strip() else None
    if vat_clean:
        problem = vat_problem(vat_clean)
        if problem:
            raise InvalidInput(N_("VAT number {vat}: {problem}"), params={"vat": vat_clean, "problem": problem})
    kbo = normalise_kbo(enterprise_number) if enterprise_number and enterprise_number.strip() else None
    if kbo and not kbo_valid(kbo):
        raise InvalidInput(N_("enterprise number {kbo} is not valid (check digits)"), params={"kbo": kbo})
    kbo = kbo or (kbo_from_vat(vat_clean) if vat_clean else None)
    if vat_period not in VAT_PERIODS:
        raise InvalidInput(N_("VAT return rhythm must be one of {choices}"), params={"choices": ", ".join(VAT_PERIODS)})
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(N_("language must be one of {choices}"), params={"choices": ", ".join(LANGUAGES)})
    with work() as session:
        if session.get(AccountingOffice, office) is None:
            raise NotFound(N_("office {id} not found"), params={"id": office})
        if session.scalars(select(Client).where(Client.office_id == office, Client.name == name)).first():
            raise Conflict(N_("the office has a client named {name} already"), params={"name": repr(name)})
        client = Client(office_id=office, name=name, vat=vat_clean, enterprise_number=kbo, vat_period=vat_period,
                        language=language)
        session.add(client)
        session.flush()
        audit(session, principal.user_id, "client_created", f"client:{client.id}", name)
        return _client_view(client)


def clients_of(principal: Principal, office_id: int | None = None) -> list[ClientView]:
    office = _office_of(principal, office_id)
    with work() as session:
        return [_client_view(c) for c in session.scalars(select(Client).where(Client.office_id == office)
                                                          .order_by(Client.name))]


# ---------------------------------------------------------------------- users
def users_of(principal: Principal, office_id: int | None = None) -> list[UserView]:
    office = _office_of(principal, office_id)
    with work() as session:
        users = list(session.scalars(select(User).where(User.office_id == office).order_by(User.username)))
        return [_user_view(u, _awaiting_password(session, u.id)) for u in users]


def invite_user(
    principal: Principal,
    email: str,
    display_name: str,
    role: Role,
    *,
    office_id: int | None = None,
    client_id: int | None = None,
    language: str | None = None,
    base_url: str = "",
) -> UserView:
    """A new user of the office (signing in with their e-mail address), and an e-mail with a one-time
    link that sets their password. Raises MailNotConfigured (nothing is kept) when mail cannot go."""
    office = _office_of(principal, office_id)
    email = (email or "").strip().lower()
    if "@" not in email or " " in email or len(email) > 120:
        raise InvalidInput(N_("give a valid e-mail address"))
    if role not in INVITABLE:
        raise Forbidden(N_("an office invites accountants and client users only"))
    if role is Role.CLIENT and client_id is None:
        raise InvalidInput(N_("a client user belongs to a client: choose one"))
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(N_("language must be one of {choices}"), params={"choices": ", ".join(LANGUAGES)})
    with work() as session:
        if client_id is not None:
            client = session.get(Client, client_id)
            if client is None or client.office_id != office:
                raise NotFound(N_("client {id} not found"), params={"id": client_id})
        if session.scalars(select(User).where(User.username == email)).first() is not None:
            raise Conflict(N_("a user with this e-mail address exists already"))
        user = User(username=email, display_name=" ".join(display_name.split()) or email,
                    password_hash=hash_password(secrets.token_urlsafe(32)),  # nobody knows it: the link sets one
                    role=role, office_id=office, client_id=client_id if role is Role.CLIENT else None,
                    language=language)
        session.add(user)
        session.flush()
        token = _new_link(session, user.id, "invite", INVITE_HOURS, principal.user_id)
        lang = language or _office_language(session, office)
        _mail(email, "invite", token, lang, base_url)  # raises before the commit: no user without a link
        audit(session, principal.user_id, "user_invited", f"user:{user.id}", f"{role} {email}")
        return _user_view(user, True)



def _office_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user of an office the principal may manage (NotFound / Forbidden otherwise)."""
    user = session.get(User, user_id)
    if user is None or user.office_id is None:
        raise NotFound(N_("user {id} not found"), params={"id": user_id})
    _office_of(principal, user.office_id)
    return user


def _end_links(session: Session, user_id: int) -> None:
    """Every one-time link of the user not used yet stops working now."""
    session.execute(update(AccountLink).where(AccountLink.user_id == user_id, AccountLink.used_at.is_(None))
                    .values(used_at=datetime.now(UTC)))

def deactivate_user(principal: Principal, user_id: int) -> UserView:
    """The user can no longer sign in; their open sessions and links end now."""
    with work() as session:
        user = _office_user(session, principal, user_id)
        if user.id == principal.user_id:
            raise Conflict(N_("you cannot deactivate yourself"))
        user.active = False
        session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
        _end_links(session, user.id)
        audit(session, principal.user_id, "user_deactivated", f"user:{user.id}", user.username)
        return _user_view(user, False)


def resend_invitation(principal: Principal, user_id: int, *, base_url: str = "") -> UserView:
    """A new invitation e-mail with a new one-time link, for an active user who never chose a password;
    every earlier link of theirs stops working. Raises MailNotConfigured (nothing changes) when mail cannot go."""
    with work() as session:
        user = _office_user(session, principal, user_id)
        if not user.active:
            raise Conflict(N_("this user is deactivated: reactivate them first"))
        if not _awaiting_password(session, user.id):
            raise Conflict(N_("this user chose a password already: they can ask for a new one (Forgot your "
                              "password?)"))
        _end_links(session, user.id)
        token = _new_link(session, user.id, "invite", INVITE_HOURS, principal.user_id)
        _mail(user.username, "invite", token, user.language or _office_language(session, user.office_id), base_url)
        audit(session, principal.user_id, "invitation_resent", f"user:{user.id}", user.username)
        return _user_view(user, True)


def reactivate_user(principal: Principal, user_id: int) -> UserView:
    """A deactivated user can sign in again (with their password; one who never chose one gets a new invitation)."""
    with work() as session:
        user = _office_user(session, principal, user_id)
        if user.role not in INVITABLE:
            raise Forbidden(N_("an office invites accountants and client users only"))
        user.active = True
        user.failed_logins, user.locked_until = 0, None
        audit(session, principal.user_id, "user_reactivated", f"user:{user.id}", user.username)
        return _user_view(user, _awaiting_password(session, user.id))


# ---------------------------------------------------------------------- links
def request_reset(email: str, *, base_url: str = "") -> None:
    """Send a reset link to an active user with this address; silent for any other address."""
    email = (email or "").strip().lower()
    with work() as session:
        user = session.scalars(select(User).where(User.username == email)).first()
        if user is None or not user.active or "@" not in email:
            log.info("password reset asked for an unknown or inactive address")
            return
        token = _new_link(session, user.id, "reset", RESET_HOURS, None)
        lang = user.language or _office_language(session, user.office_id)
        _mail(email, "reset", token, lang, base_url)
        audit(session, user.id, "reset_requested", f"user:{user.id}")


def link_purpose(token: str) -> str | None:
    """``"invite"`` or ``"reset"`` for a live link; None for an unknown, expired or used one."""
    with work() as session:
        link = _live_link(session, token)
        return link.purpose if link else None


def set_password(token: str, password: str) -> str:
    """Set the password through a one-time link; returns the user name to sign in with."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(N_("a password needs at least {n} characters"), params={"n": MIN_PASSWORD})
    with work() as session:
        link = _live_link(session, token)
        if link is None:
            raise LinkInvalid(N_("this link is unknown, expired or used already"))
        user = session.get(User, link.user_id)
        if user is None or not user.active:
            raise LinkInvalid(N_("this link is unknown, expired or used already"))
        link.used_at = datetime.now(UTC)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))  # old sessions end
        audit(session, user.id, "password_set", f"user:{user.id}", link.purpose)
        return user.username


# ---------------------------------------------------------------------- helpers
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(session, user_id: int, purpose: str, hours: int, by: int | None) -> str:  # type: ignore[no-untyped-def]
    token = secrets.token_urlsafe(32)
    session.add(AccountLink(token_hash=_hash(token), user_id=user_id, purpose=purpose,
                            expires_at=datetime.now(UTC) + timedelta(hours=hours), created_by=by))
    session.flush()
    return token


def _live_link(session, token: str) -> AccountLink | None:  # type: ignore[no-untyped-def]
    if not token or len(token) > 128:
        return None
    link = session.scalars(select(AccountLink).where(AccountLink.token_hash == _hash(token))).first()
    if link is None or link.used_at is not None:
        return None
    expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
    return link if expires > datetime.now(UTC) else None


def _awaiting_password(session, user_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Invited and never chose a password (a user made on the command line was never invited)."""
    invited = session.scalar(select(AccountLink.id).where(AccountLink.user_id == user_id,
                                                          AccountLink.purpose == "invite").limit(1))
    if invited is None:
        return False
    chose = session.scalar(select(AuditEntry.id).where(AuditEntry.action == "password_set",
                                                       AuditEntry.target == f"user:{user_id}").limit(1))
    return chose is None


def _office_language(session, office_id: int | None) -> str:  # type: ignore[no-untyped-def]
    office = session.get(AccountingOffice, office_id) if office_id else None
    return office.language if office and office.language in LANGUAGES else "nl"


SUBJECTS = {"invite": N_("Your Boekbrug account: choose a password"), "reset": N_("Boekbrug: choose a new password")}
BODIES = {
    "invite": N_("You were invited to Boekbrug. Open this link to choose your password (valid {hours} hours, once):"),
    "reset": N_("Someone asked to reset your Boekbrug password. Open this link to choose a new one "
                "(valid {hours} hour, once). If it was not you, ignore this e-mail:"),
}


def _mail(address: str, purpose: str, token: str, lang: str, base_url: str) -> None:
    settings = current_settings()
    link = f"{(base_url or 'http://localhost:8501').rstrip('/')}/setpassword?token={token}"
    hours = INVITE_HOURS if purpose == "invite" else RESET_HOURS
    message = EmailMessage()
    message["Subject"] = translate(SUBJECTS[purpose], lang)
    message["From"] = settings.smtp_from or "boekbrug@localhost"
    message["To"] = address
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid()
    message.set_content(translate(BODIES[purpose], lang).format(hours=hours) + "\n\n" + link + "\n")
    send(settings, message)


def _client_view(client: Client) -> ClientView:
    return ClientView(client.id, client.office_id, client.name, client.vat, client.enterprise_number,
                      client.vat_period, client.language)


def _user_view(user: User, invited: bool) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.office_id, user.client_id,
                    bool(user.active), invited)
