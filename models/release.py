"""What leaves the centre: UBL releases, deliveries, booking proposals, supplier memory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk, str_enum
from models.enums import DeliveryChannel, ReleaseStatus, UblProfile


class UblRelease(Base):
    """One UBL build and its rule findings. At most one PASSED release per document."""

    __tablename__ = "ubl_releases"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # set only for a passed release: the unique constraint makes a second release impossible
    released_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    status: Mapped[ReleaseStatus] = mapped_column(str_enum(ReleaseStatus))
    ruleset: Mapped[str] = mapped_column(String(64))
    profile: Mapped[UblProfile | None] = mapped_column(str_enum(UblProfile))  # the specification it meets
    xml_path: Mapped[str | None] = mapped_column(String(255))  # relative to DATA_DIR
    sha256: Mapped[str | None] = mapped_column(String(64))
    findings: Mapped[list[object]] = mapped_column(JSON, default=list)
    fatal_count: Mapped[int] = mapped_column(default=0)
    # a failed build: what failed ("BR-E-10+BR-S-02", "incomplete:vat_breakdown"), to see it come back
    failure: Mapped[str | None] = mapped_column(String(255))
    warning_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[intpk]
    release_id: Mapped[int] = mapped_column(ForeignKey("ubl_releases.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[DeliveryChannel] = mapped_column(str_enum(DeliveryChannel))
    path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created_at]


class BookingProposal(Base):
    """A proposed ledger account and VAT code for a document line, and what became of it."""

    __tablename__ = "booking_proposals"
    __table_args__ = (UniqueConstraint("document_id", "line_index"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    line_index: Mapped[int] = mapped_column(default=-1)  # -1: the whole document
    ledger_account: Mapped[str | None] = mapped_column(String(32))
    vat_code: Mapped[str | None] = mapped_column(String(32))
    basis: Mapped[str | None] = mapped_column(String(255))  # "last 3 bookings of supplier"
    confidence: Mapped[float] = mapped_column(default=0.0)
    accepted: Mapped[bool | None]
    final_ledger_account: Mapped[str | None] = mapped_column(String(32))
    final_vat_code: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[created_at]


class SupplierProfile(Base):
    """What the office knows of a supplier, learnt from validated documents."""

    __tablename__ = "supplier_profiles"
    __table_args__ = (UniqueConstraint("office_id", "supplier_key"),)

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(ForeignKey("accounting_offices.id"), index=True)
    supplier_key: Mapped[str] = mapped_column(String(64))  # VAT or KBO, normalised
    name: Mapped[str | None] = mapped_column(String(255))
    vat: Mapped[str | None] = mapped_column(String(32))
    enterprise_number: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    usual_vat_rates: Mapped[list[object]] = mapped_column(JSON, default=list)
    ledger_account: Mapped[str | None] = mapped_column(String(32))
    vat_code: Mapped[str | None] = mapped_column(String(32))
    # field name → the supplier's layout for it, learnt from operators' validations (label words,
    # offset, page, printed format: pipeline.suppliers.positions); "currency" → the usual currency
    field_positions: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    documents_seen: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
