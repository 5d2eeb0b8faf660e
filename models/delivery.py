"""Forwarding to the office and the client's inbound mail: where releases go, every
attempt to get them there, and which addresses deliver mail to which client."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk, str_enum, utcnow
from models.enums import ForwardingState, TargetKind


class DeliveryTarget(Base):
    """Where an office's accounting package reads UBL: a folder, an import mailbox, a webhook.

    ``client_id`` set: a per-client override (the client's own dossier mailbox, say); a
    client with targets of its own uses only those, else its office's."""

    __tablename__ = "delivery_targets"

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(
        ForeignKey("accounting_offices.id"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[TargetKind] = mapped_column(str_enum(TargetKind))
    # export folder: unused (DATA_DIR/exports/…); e-mail: the import address; webhook: the https URL
    address: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))  # webhook HMAC key
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]


class Forwarding(Base):
    """One release to one target: delivered once, retried while it fails, never lost."""

    __tablename__ = "forwardings"
    __table_args__ = (
        UniqueConstraint("target_id", "release_id"),
        Index("ix_forwardings_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[intpk]
    target_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_targets.id"), index=True
    )
    release_id: Mapped[int] = mapped_column(ForeignKey("ubl_releases.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    state: Mapped[ForwardingState] = mapped_column(
        str_enum(ForwardingState), default=ForwardingState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(2000))
    delivered_at: Mapped[datetime | None]
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id")
    )  # a re-delivery on request
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ForwardingAttempt(Base):
    """Every try of a forwarding, successful or not, with what the other side said."""

    __tablename__ = "forwarding_attempts"

    id: Mapped[intpk]
    forwarding_id: Mapped[int] = mapped_column(ForeignKey("forwardings.id"), index=True)
    number: Mapped[int]
    ok: Mapped[bool]
    detail: Mapped[str | None] = mapped_column(
        Text
    )  # HTTP status and body start, SMTP reply, path
    seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[created_at]


class InboundAddress(Base):
    """A mailbox local part that delivers to a client (``<client-slug>@<MAIL_DOMAIN>``, more on request)."""

    __tablename__ = "inbound_addresses"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    local_part: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[created_at]
