"""Who is who: accounting offices, their clients (the businesses) and users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at, intpk, str_enum
from models.enums import Role


class AccountingOffice(Base):
    __tablename__ = "accounting_offices"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="nl", server_default="nl")  # nl, fr, en: its users' default
    created_at: Mapped[created_at]

    clients: Mapped[list[Client]] = relationship(back_populates="office")


class Client(Base):
    """A business whose invoices the validation centre handles for its accountant."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(ForeignKey("accounting_offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    vat: Mapped[str | None] = mapped_column(String(32))
    enterprise_number: Mapped[str | None] = mapped_column(String(16))
    # VAT return rhythm: "monthly" or "quarterly"; the deadline drives queue urgency
    vat_period: Mapped[str] = mapped_column(String(16), default="quarterly")
    deadline_day: Mapped[int] = mapped_column(default=20)
    language: Mapped[str | None] = mapped_column(String(8))  # for its e-mails and PDFs; None: the office's
    created_at: Mapped[created_at]

    office: Mapped[AccountingOffice] = relationship(back_populates="clients")


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("accounting_offices.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))  # None: the office's language
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # base32 TOTP secret (second factor); required at sign-in once enrolled
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_at]


class SignInAttempt(Base):
    """One sign-in attempt, by name as typed (known or not) and source: the throttle counts these."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_at", "username", "created_at"),
        Index("ix_sign_in_attempts_source_at", "source", "created_at"),
    )

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]


class UserSession(Base):
    """A signed-in browser session; only the token's hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[created_at]


class AuditEntry(Base):
    """Sign-ins, downloads, corrections and releases: who did what, when."""

    __tablename__ = "audit_log"

    id: Mapped[intpk]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[created_at]


class AccountLink(Base):
    """A one-time link sent by e-mail: an invitation (set a first password) or a password reset.

    Only the token's hash is stored; a link expires and works once (``used_at``)."""

    __tablename__ = "account_links"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "invite" or "reset"
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
