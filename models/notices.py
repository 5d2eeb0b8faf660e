"""What a client is told by e-mail when a document needs them (unreadable, not an invoice, a second copy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk


class ClientNoticeSetting(Base):
    """A client's choice: where its notices go and how often ("immediate", "daily" digest, or "off")."""

    __tablename__ = "client_notice_settings"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    rhythm: Mapped[str] = mapped_column(String(16), default="daily", server_default="daily")
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[created_at]


class ClientNotice(Base):
    """One document that needs its client, for one reason; ``sent_at`` once it went out in an e-mail."""

    __tablename__ = "client_notices"
    __table_args__ = (UniqueConstraint("document_id", "reason"),)

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    reason: Mapped[str] = mapped_column(String(32))  # unreadable, not_an_invoice, duplicate
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
