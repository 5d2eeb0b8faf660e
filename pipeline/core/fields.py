"""The catalogue of invoice fields: names, value types, and their JSON form.

Names follow ../shared/data/SCHEMA.md, plus the Belgian and UBL extras. The JSON form
is the stable interface of ``python -m pipeline extract --json`` and ``ubl``: dates
ISO ``YYYY-MM-DD``, amounts as decimal strings, identifiers normalised, breakdown and
lines as lists of objects, ``null`` where not found.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict
from dataclasses import fields as dc_fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from models.enums import DocumentType
from pipeline.core.records import ExtractedField, InvoiceLine, VatBreakdownLine


class FieldType(StrEnum):
    TEXT = "text"
    IDENTIFIER = "identifier"
    DATE = "date"
    AMOUNT = "amount"
    CURRENCY = "currency"
    VAT_BREAKDOWN = "vat_breakdown"
    LINES = "lines"


FIELD_TYPES: dict[str, FieldType] = {
    "supplier_name": FieldType.TEXT,
    "supplier_vat": FieldType.IDENTIFIER,
    "supplier_enterprise_number": FieldType.IDENTIFIER,
    "supplier_address": FieldType.TEXT,
    "customer_name": FieldType.TEXT,
    "customer_vat": FieldType.IDENTIFIER,
    "customer_enterprise_number": FieldType.IDENTIFIER,
    "customer_address": FieldType.TEXT,
    "invoice_number": FieldType.IDENTIFIER,
    "issue_date": FieldType.DATE,
    "due_date": FieldType.DATE,
    "currency": FieldType.CURRENCY,
    "total_excl_vat": FieldType.AMOUNT,
    "total_vat": FieldType.AMOUNT,
    "total_incl_vat": FieldType.AMOUNT,
    "iban": FieldType.IDENTIFIER,
    "bic": FieldType.IDENTIFIER,
    "payment_reference": FieldType.IDENTIFIER,
    "buyer_reference": FieldType.IDENTIFIER,
    "order_reference": FieldType.IDENTIFIER,
    "vat_breakdown": FieldType.VAT_BREAKDOWN,
    "lines": FieldType.LINES,
    # asked for only when the UBL rules need them (pipeline.ubl.remedies); never read by the machine
    "vat_exemption_reason": FieldType.TEXT,  # BT-120, for exempt (E) and other 0 % categories
    "vat_exemption_code": FieldType.IDENTIFIER,  # BT-121, a VATEX code such as VATEX-EU-132
    "supplier_electronic_address": FieldType.IDENTIFIER,  # BT-34, "0208:0123456749"
    "supplier_identifier": FieldType.IDENTIFIER,  # BT-29, e.g. a company registration number on a ticket
    "customer_electronic_address": FieldType.IDENTIFIER,  # BT-49
    "document_type": FieldType.TEXT,  # invoice, credit note, receipt: changes the document's type
}

FIELD_NAMES: tuple[str, ...] = tuple(FIELD_TYPES)

# What must be right before a document may leave the validation centre.
REQUIRED_FIELDS: dict[DocumentType, tuple[str, ...]] = {
    DocumentType.INVOICE: (
        "supplier_name",
        "invoice_number",
        "issue_date",
        "currency",
        "total_excl_vat",
        "total_vat",
        "total_incl_vat",
    ),
    DocumentType.CREDIT_NOTE: (
        "supplier_name",
        "invoice_number",
        "issue_date",
        "currency",
        "total_excl_vat",
        "total_vat",
        "total_incl_vat",
    ),
    DocumentType.RECEIPT: ("supplier_name", "issue_date", "total_incl_vat"),
    DocumentType.NOT_AN_INVOICE: (),
}


# Fields an operator fills only to answer a rule (pipeline.ubl.remedies); they are shown
# on the validation screen when the release asks for them.
REMEDY_FIELDS: tuple[str, ...] = (
    "vat_exemption_reason",
    "vat_exemption_code",
    "supplier_electronic_address",
    "supplier_identifier",
    "customer_electronic_address",
    "buyer_reference",
    "document_type",
)

# What an operator may type for a document type, in English, Dutch or French: compared without accents,
# case, hyphens or the kind of apostrophe ("Note de crédit", "facture d’avoir", "Kredietnota" all count)
_DOCUMENT_TYPE_WORDS = {
    **dict.fromkeys(("invoice", "factuur", "facture"), DocumentType.INVOICE),
    **dict.fromkeys(("credit note", "creditnote", "creditnota", "credit nota", "kredietnota", "krediet nota",
                     "creditfactuur", "credit factuur", "note de credit", "note credit", "facture d'avoir",
                     "facture d avoir", "avoir"), DocumentType.CREDIT_NOTE),
    **dict.fromkeys(("receipt", "ticket", "kasticket", "kassaticket", "kassabon", "bonnetje", "ticket de caisse",
                     "recu", "quittance"), DocumentType.RECEIPT),
    **dict.fromkeys(("not an invoice", "geen factuur", "pas une facture", "pas de facture", "ce n'est pas une facture"),
                    DocumentType.NOT_AN_INVOICE),
}


def _plain_key(text: str | None) -> str:
    """Lower case, accents off, one kind of apostrophe, hyphens and underscores as spaces, single spaces."""
    folded = unicodedata.normalize("NFKD", str(text or "").strip().lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("-", " ").replace("_", " ")
    return " ".join(folded.replace("' ", "'").split())


def document_type_from_text(text: str | None) -> DocumentType | None:
    """``"Credit note"``, ``"receipt"``, ``"factuur"``, ``"note de crédit"``, ``"kredietnota"`` → the document type;
    the type's own value (``credit_note``) too; None when not one."""
    key = _plain_key(text)
    return _DOCUMENT_TYPE_WORDS.get(key) or _DOCUMENT_TYPE_WORDS.get(key.replace(" ", ""))


# ----------------------------------------------------------------------- JSON codec
def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # JSON numbers from the truth files: go through str so 0.1 stays 0.1
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _dec_str(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def value_to_json(name: str, value: Any) -> Any:
    """A field value as it appears in the JSON interface."""
    if value is None:
        return None
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    if kind is FieldType.AMOUNT:
        return _dec_str(value)
    if kind is FieldType.DATE:
        return value.isoformat()
    if kind in (FieldType.VAT_BREAKDOWN, FieldType.LINES):
        return [
            {k: (_dec_str(v) if isinstance(v, Decimal) else v) for k, v in asdict(item).items()}
            for item in value
        ]
    return str(value)


def value_from_json(name: str, value: Any) -> Any:
    """Parse a JSON field value back into its Python type (Decimal, date, records)."""
    if value is None:
        return None
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    if kind is FieldType.AMOUNT:
        return _decimal(value)
    if kind is FieldType.DATE:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if kind is FieldType.VAT_BREAKDOWN:
        return [_record_from_json(VatBreakdownLine, item) for item in value]
    if kind is FieldType.LINES:
        return [_record_from_json(InvoiceLine, item) for item in value]
    return str(value)


def _record_from_json(cls: type, item: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in dc_fields(cls):
        raw = item.get(f.name)
        is_money = "Decimal" in str(f.type)
        kwargs[f.name] = _decimal(raw) if is_money else (None if raw is None else str(raw))
    return cls(**kwargs)


def field_to_json(found: ExtractedField) -> dict[str, Any]:
    return {
        "value": value_to_json(found.name, found.value),
        "confidence": round(found.confidence, 4),
        "page": found.page,
        "bbox": None if found.bbox is None else [round(c, 5) for c in found.bbox],
        "source": str(found.source),
        "checks": [{"name": c.name, "ok": c.ok, "message": c.message} for c in found.checks],
    }


def values_from_json(fields_json: dict[str, Any]) -> dict[str, Any]:
    """Accept either ``{name: value}`` or ``{name: {"value": …, …}}`` per field."""
    values: dict[str, Any] = {}
    for name, entry in fields_json.items():
        raw = entry.get("value") if isinstance(entry, dict) and "value" in entry else entry
        values[name] = value_from_json(name, raw)
    return values
