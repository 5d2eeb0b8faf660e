"""Documents (one per uploaded file, attachment, or invoice split out of one) and pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at, intpk, str_enum, utcnow
from models.enums import (
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    PaymentStatus,
)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        # an exact re-upload for the same client is the same document
        UniqueConstraint("client_id", "sha256", "part"),
        Index("ix_documents_client_status", "client_id", "status"),
        Index("ix_documents_dup_key", "supplier_key", "invoice_number"),
    )

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    # "" for a whole file; "p3-4" for an invoice split out of a PDF; set by the splitter
    part: Mapped[str] = mapped_column(String(32), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_path: Mapped[str] = mapped_column(String(255))  # relative to DATA_DIR
    original_filename: Mapped[str] = mapped_column(String(500))  # as uploaded, for display
    size_bytes: Mapped[int]
    kind: Mapped[DocumentKind | None] = mapped_column(str_enum(DocumentKind))
    channel: Mapped[str] = mapped_column(String(32), default="upload")  # upload, email, folder, cli
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus), default=DocumentStatus.RECEIVED, index=True
    )
    # Why the document stands where it does, one column per meaning (never parsed back):
    # why a step FAILED, as "[code] message a person understands"; retry reads it again
    error: Mapped[str | None] = mapped_column(Text)
    # why it was set aside (REJECTED, DUPLICATE): by an operator, or no invoice on it
    rejection_reason: Mapped[str | None] = mapped_column(String(2000))
    # what sent it back from release: the official rules' fatal findings ("[rule_violation] …",
    # all of them on its FAILED UblRelease row) or why the UBL could not be built
    rule_findings: Mapped[str | None] = mapped_column(Text)
    # notes a person must see before it may go (pages left unread, several invoices in one
    # PDF); a document with notes is never released by the machine alone
    review_notes: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    # the page ranges where the machine sees separate invoices, [[1, 2], [3, 4]] (1-based,
    # inclusive): the split form starts from them
    invoice_page_ranges: Mapped[list[list[int]] | None] = mapped_column(JSON(none_as_null=True))
    document_type: Mapped[DocumentType | None] = mapped_column(str_enum(DocumentType))
    page_count: Mapped[int | None]
    page_from: Mapped[int | None]
    page_to: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=0)  # a supervisor may raise it
    reading_started_at: Mapped[datetime | None]
    # who reads it: an rq worker's name, or "embedded:<host>:<pid>"; a dead reader's document is recovered
    reading_by: Mapped[str | None] = mapped_column(String(128))
    read_seconds: Mapped[float | None]
    engine: Mapped[str | None] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    auto_released: Mapped[bool] = mapped_column(default=False)
    # denormalised key fields, kept in step with the fields, for duplicates and the library
    supplier_key: Mapped[str | None] = mapped_column(String(64))  # VAT, KBO or name
    supplier_name: Mapped[str | None] = mapped_column(String(255))
    invoice_number: Mapped[str | None] = mapped_column(String(128))
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    total_incl_vat: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    received_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    released_at: Mapped[datetime | None]
    payment_status: Mapped[PaymentStatus | None] = mapped_column(str_enum(PaymentStatus))
    # an e-mail: one line per attachment, taken or refused with the reason (pipeline.intake.email)
    attachment_lines: Mapped[list[Any] | None] = mapped_column(JSON)

    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )

    @property
    def status_reason(self) -> str | None:
        """Why it stands where it does, in words: the failure, the rejection, the rule
        findings, or the notes that keep it for a person (the first that applies)."""
        return (self.error or self.rejection_reason or self.rule_findings
                or "; ".join(self.review_notes or ()) or None)

    def clear_reasons(self) -> None:
        """A fresh start (read again): no failure, rejection, findings or notes left."""
        self.error = self.rejection_reason = self.rule_findings = None
        self.review_notes = self.invoice_page_ranges = None


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]  # 1-based
    width: Mapped[float]
    height: Mapped[float]
    source: Mapped[FieldSource] = mapped_column(str_enum(FieldSource))
    engine: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    # lines with words and normalised boxes, as pipeline.core.records.Line serialised
    lines: Mapped[list[Any]] = mapped_column(default=list)
    seconds: Mapped[float] = mapped_column(default=0.0)

    document: Mapped[Document] = relationship(back_populates="pages")
