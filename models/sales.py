"""The client's other errands: outgoing invoices, paying incoming ones, bank statements.

* ``ClientProfile`` — what a client's own invoices and payments need: its address,
  e-mail, IBAN and BIC (one row per client);
* ``SalesContact`` — a customer of a client (who the client invoices);
* ``SalesInvoice`` / ``SalesLine`` — an outgoing invoice or credit note, draft then
  issued (an issued one is never edited; a credit note corrects it);
* ``InvoiceCounter`` — one row per (client, year): the last number given, updated
  under a row lock so numbers never repeat and never skip;
* ``PaymentLog`` — every payment prepared for a supplier and every confirmed IBAN
  change: the memory the IBAN-change hold compares against.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at, intpk


class ClientProfile(Base):
    __tablename__ = "client_profiles"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), unique=True)
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="BE")
    email: Mapped[str | None] = mapped_column(String(254))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[created_at]


class SalesContact(Base):
    __tablename__ = "sales_contacts"
    __table_args__ = (UniqueConstraint("client_id", "name"),)

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    vat: Mapped[str | None] = mapped_column(String(32))
    enterprise_number: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="BE")
    email: Mapped[str | None] = mapped_column(String(254))
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    created_at: Mapped[created_at]


class InvoiceCounter(Base):
    __tablename__ = "invoice_counters"
    __table_args__ = (UniqueConstraint("client_id", "year"),)

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class SalesInvoice(Base):
    __tablename__ = "sales_invoices"
    __table_args__ = (
        UniqueConstraint("client_id", "number"),
        UniqueConstraint("client_id", "year", "sequence"),
    )

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("sales_contacts.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(16), default="invoice")  # invoice, credit_note
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, issued
    number: Mapped[str | None] = mapped_column(String(32))
    year: Mapped[int | None]
    sequence: Mapped[int | None]
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_reference: Mapped[str | None] = mapped_column(String(32))  # +++ddd/dddd/ddddd+++
    credit_of_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoices.id"))
    note: Mapped[str | None] = mapped_column(Text)
    total_excl_vat: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    total_vat: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    total_incl_vat: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    payment_status: Mapped[str | None] = mapped_column(String(32))  # paid
    issued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    sent_to: Mapped[str | None] = mapped_column(String(254))
    paid_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    lines: Mapped[list[SalesLine]] = relationship(
        back_populates="invoice", order_by="SalesLine.position", cascade="all, delete-orphan"
    )


class SalesLine(Base):
    __tablename__ = "sales_lines"

    id: Mapped[intpk]
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoices.id"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    vat_category: Mapped[str] = mapped_column(String(2), default="S")  # S, Z, E, AE, K
    net_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))

    invoice: Mapped[SalesInvoice] = relationship(back_populates="lines")


class PaymentLog(Base):
    """A payment prepared for a supplier (kind "payment") or a confirmed IBAN ("iban_confirmed")."""

    __tablename__ = "payment_log"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    supplier_key: Mapped[str] = mapped_column(String(64), index=True)
    supplier_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="payment")
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    reference: Mapped[str | None] = mapped_column(String(140))
    message_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
