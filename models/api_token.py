"""API tokens: how an accounting package, ERP or CRM signs in to the HTTP API.

A token belongs to an office (it acts as that office's accountant) or to one client
(it acts as that client). Only the SHA-256 of its secret is stored; the secret is
shown once. Each token acts through a user row of its own (``user_id``: no password,
never signs in), so every audit entry and booking names the token, not a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(
        String(16)
    )  # the secret's first characters, to recognise it in a list
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True
    )  # sha256 hex of the secret
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), unique=True
    )  # the token's own actor
    office_id: Mapped[int] = mapped_column(
        ForeignKey("accounting_offices.id"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id"), index=True
    )  # None: the whole office
    scopes: Mapped[str] = mapped_column(String(64))  # space-separated: "read upload"
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id")
    )  # None: the command line
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
