"""Frozen records passed between the stages of the pipeline.

intake → read → extract → queue → validate → ubl → deliver. Each stage takes and
returns these records; none of them touches the database. Money is ``Decimal``,
dates are ``date``; identifiers are normalised once, at extraction.

Boxes are normalised page coordinates ``(x0, y0, x1, y1)`` in 0..1 of the page width
and height (origin top-left), so a box means the same on a PDF page in points, on a
200 dpi render and on a phone photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from models.enums import DocumentType, FieldSource

BBox = tuple[float, float, float, float]


# ----------------------------------------------------------------------------- read
@dataclass(frozen=True)
class Word:
    text: str
    bbox: BBox
    confidence: float  # 0..1; the text layer reads 1.0


@dataclass(frozen=True)
class Line:
    text: str
    bbox: BBox
    confidence: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class PageText:
    """What was read on one page, by one engine."""

    number: int  # 1-based
    width: float  # of the source page: PDF points or image pixels
    height: float
    source: FieldSource  # TEXT_LAYER or OCR
    engine: str  # "pymupdf", "rapidocr", "tesseract", "rapidocr+tesseract"
    lines: tuple[Line, ...]
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class EmbeddedXml:
    """A structured invoice found in or as the document (UBL, CII/Factur-X/ZUGFeRD)."""

    filename: str
    syntax: str  # "UBL" or "CII"
    content: bytes


@dataclass(frozen=True)
class ReadResult:
    pages: tuple[PageText, ...]
    embedded_xml: EmbeddedXml | None = None
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page in self.pages)


# -------------------------------------------------------------------------- extract
@dataclass(frozen=True)
class Check:
    """One check that raised or lowered a field's confidence, said in words."""

    name: str  # "iban_checksum", "vat_check_digits", "totals_add_up", …
    ok: bool
    message: str


@dataclass(frozen=True)
class VatBreakdownLine:
    rate: Decimal | None  # percent, e.g. Decimal("21")
    base: Decimal | None
    amount: Decimal | None
    category: str | None = None  # UNCL5305: S, Z, E, AE, K, G, O
    exemption_reason: str | None = None


@dataclass(frozen=True)
class InvoiceLine:
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    net_amount: Decimal | None
    vat_rate: Decimal | None
    vat_category: str | None = None
    unit_code: str | None = None  # UN/ECE rec 20, default C62
    ledger_account: str | None = None  # booking proposal, travels as AccountingCost


FieldValueType = str | Decimal | date | list[VatBreakdownLine] | list[InvoiceLine] | None


@dataclass(frozen=True)
class ExtractedField:
    name: str
    value: Any  # FieldValueType; see pipeline.core.fields for each name's type
    confidence: float  # 0..1, raw (uncalibrated) from the extractor
    source: FieldSource
    page: int | None = None
    bbox: BBox | None = None
    checks: tuple[Check, ...] = ()
    raw_text: str | None = None  # the text the value was read from


def doubted(found: ExtractedField, check: Check, ceiling: float = 0.5) -> ExtractedField:
    """``found`` with a failed ``check`` said beside it, its confidence held at ``ceiling`` or
    below: a person decides."""
    return replace(found, confidence=min(found.confidence, ceiling), checks=(*found.checks, check))


@dataclass(frozen=True)
class Extraction:
    document_type: DocumentType
    fields: dict[str, ExtractedField]
    warnings: tuple[str, ...] = ()
    # several invoices found in one PDF: the page ranges (1-based, inclusive)
    invoice_page_ranges: tuple[tuple[int, int], ...] = ()

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return None if found is None else found.value


# ------------------------------------------------------------------------------ ubl
@dataclass(frozen=True)
class Address:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Party:
    name: str | None
    vat: str | None = None  # normalised: "BE0123456749"
    enterprise_number: str | None = None  # KBO/BCE, 10 digits, no prefix
    address: Address = field(default_factory=Address)
    email: str | None = None
    # Peppol participant id "scheme:value" (EAS), e.g. "0208:0123456749"; when None the
    # UBL builder derives the EndpointID from the enterprise or VAT number
    peppol_id: str | None = None
    # legal registration id (BT-30) "scheme:value" (ICD) when it is not a KBO number, e.g.
    # "0192:987654325"; a bare value without scheme is the party identifier (BT-29/BT-46)
    legal_id: str | None = None


@dataclass(frozen=True)
class InvoiceData:
    """Validated values of one invoice: what the UBL generator needs, nothing more."""

    document_type: DocumentType
    invoice_number: str
    issue_date: date
    currency: str
    supplier: Party
    customer: Party
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    vat_breakdown: tuple[VatBreakdownLine, ...]
    lines: tuple[InvoiceLine, ...] = ()
    due_date: date | None = None
    iban: str | None = None
    bic: str | None = None
    payment_reference: str | None = None
    buyer_reference: str | None = None
    order_reference: str | None = None
    billing_reference: str | None = None  # the invoice a credit note corrects
    accounting_cost: str | None = None
    note: str | None = None
    amount_due: Decimal | None = None
