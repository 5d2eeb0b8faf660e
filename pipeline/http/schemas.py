"""The JSON shapes of the API. Money is a decimal string (``"1263.00"``), never a float; dates ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

Money = str  # a decimal with a point: "1263.00"
_REASON = re.compile(r"^\[(?P<code>[a-z_]+)\]\s*(?P<message>.*)$", re.DOTALL)


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class ErrorInfo(BaseModel):
    code: str = Field(
        description="stable code (pipeline.core.errors), e.g. unsupported_format"
    )
    message: str


def error_info(reason: str | None) -> ErrorInfo | None:
    if not reason:
        return None
    found = _REASON.match(reason)
    return (
        ErrorInfo(code=found["code"], message=found["message"])
        if found
        else ErrorInfo(code="error", message=reason)
    )


class ProblemOut(BaseModel):
    """RFC 9457 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    hint: str | None = None


class Me(BaseModel):
    user_id: int
    name: str
    role: str
    office_id: int | None
    client_id: int | None
    scopes: list[str]
    token_id: int | None = Field(description="None for a workbench session")


class ClientOut(BaseModel):
    id: int
    name: str


class UploadOut(BaseModel):
    document_id: int
    created: bool = Field(
        description="false: the same file was handed in before for this client (same SHA-256)"
    )
    filename: str
    status: str
    error: ErrorInfo | None = None


class FieldOut(BaseModel):
    name: str
    value: str = Field(description="the current value as shown")
    machine_value: str = Field(description="what the machine read")
    state: str = Field(
        description="certain, uncertain, failed_check, missing, confirmed, corrected"
    )
    source: str
    confidence: float = Field(description="0..1")
    checked_by: str


class DocumentOut(BaseModel):
    id: int
    client_id: int
    filename: str
    status: str
    error: ErrorInfo | None
    document_type: str | None
    supplier_name: str | None
    invoice_number: str | None
    total_incl_vat: Money | None
    received_at: datetime | None
    updated_at: datetime | None
    validated_by: str
    auto_released: bool
    ubl_available: bool
    fields: list[FieldOut]


class ReleasedOut(BaseModel):
    id: int
    client_id: int
    status: str
    document_type: str | None
    supplier_name: str | None
    supplier_key: str | None
    invoice_number: str | None
    issue_date: date | None
    due_date: date | None
    currency: str | None
    total_incl_vat: Money | None
    released_at: datetime | None
    delivered: bool
    ubl_filename: str


class ReleasedPageOut(BaseModel):
    items: list[ReleasedOut]
    next_cursor: str = Field(
        description="pass as `cursor` for the next page. Keep the last one: documents "
        "released later come after it."
    )
    has_more: bool = Field(description="false: nothing after this page yet")


class DeliveredOut(BaseModel):
    document_id: int
    status: str


class LineBookingIn(BaseModel):
    line_index: int = Field(ge=0)
    ledger_account: str | None = Field(default=None, max_length=32)
    vat_code: str | None = Field(default=None, max_length=32)


class BookingIn(BaseModel):
    """Omit a value to book it as proposed."""

    ledger_account: str | None = Field(default=None, max_length=32)
    vat_code: str | None = Field(default=None, max_length=32)
    lines: list[LineBookingIn] = Field(default_factory=list, max_length=1000)


class ProposalOut(BaseModel):
    id: int
    line_index: int = Field(description="-1: the whole document")
    label: str
    ledger_account: str | None = Field(description="what was proposed")
    vat_code: str | None
    confidence: float
    basis: str
    state: str = Field(description="proposed, accepted or overridden")
    booked_ledger_account: str | None
    booked_vat_code: str | None
    decided_by: str | None
    decided_at: datetime | None


class CustomerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    vat: str | None = Field(default=None, max_length=32)
    enterprise_number: str | None = Field(default=None, max_length=16)
    street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=100)
    country: str = Field(default="BE", min_length=2, max_length=2)
    email: str | None = Field(default=None, max_length=254)
    payment_terms_days: int = Field(default=30, ge=0, le=365)


class CustomerOut(BaseModel):
    id: int
    name: str
    vat: str | None
    enterprise_number: str | None
    address: str
    country: str
    email: str | None
    payment_terms_days: int


class SalesLineIn(BaseModel):
    description: str = Field(min_length=1, max_length=500)
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal(21)
    vat_category: str = Field(default="S", max_length=2)
    discount_percent: Decimal = Decimal(0)


class SalesInvoiceIn(BaseModel):
    customer_id: int
    lines: list[SalesLineIn] = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=1000)


class IssueIn(BaseModel):
    issue_date: date | None = None


class SendIn(BaseModel):
    to: str | None = Field(
        default=None,
        max_length=254,
        description="default: the customer's e-mail address",
    )


class SalesInvoiceOut(BaseModel):
    id: int
    document_type: str
    status: str
    number: str | None
    customer: str
    issue_date: date | None
    due_date: date | None
    total_incl_vat: Money | None
    payment_reference: str | None
    payment_status: str | None
    sent_to: str | None
    credit_of: str | None


class SentOut(BaseModel):
    invoice_id: int
    sent_to: str


class PaymentBatchIn(BaseModel):
    until: date | None = Field(
        default=None,
        description="pay what is due by this date (default: everything open)",
    )
    execution_date: date | None = None


class PayableOut(BaseModel):
    document_id: int
    supplier_name: str
    iban: str
    amount: Money
    reference: str
    due_date: date | None
    invoice_number: str | None


class HeldOut(BaseModel):
    payable: PayableOut
    previous_iban: str


class SkippedOut(BaseModel):
    document_id: int
    reason: str


class PaymentBatchOut(BaseModel):
    message_id: str | None
    total: Money
    included: list[PayableOut]
    held: list[HeldOut] = Field(
        description="IBAN changed since the supplier's last invoice: confirm in the workbench"
    )
    skipped: list[SkippedOut]
    pain001: str | None = Field(
        description="the SEPA credit transfer (pain.001) XML; null when nothing is payable"
    )


class MatchedOut(BaseModel):
    booking_date: date | None
    amount: Money
    credit: bool
    counterparty: str | None
    item: str
    how: str


class UnmatchedOut(BaseModel):
    booking_date: date | None
    amount: Money
    credit: bool
    counterparty: str | None
    communication: str | None
    reason: str


class StatementOut(BaseModel):
    matched: list[MatchedOut]
    unmatched: list[UnmatchedOut]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
