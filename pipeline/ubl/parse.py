"""Read an incoming Peppol / Mercurius UBL Invoice or CreditNote into field values.

``parse_ubl`` gives an ``Extraction`` (source STRUCTURED, confidence 1.0) with the
field names of ``pipeline.core.fields`` plus a few UBL extras (``*_enterprise_number``,
``*_peppol_id``, ``*_email``, ``bic``, ``billing_reference``, ``accounting_cost``,
``amount_due``, ``note``). ``invoice_data_from_values`` turns such values (or the
JSON of ``extract --json`` after ``values_from_json``) into an ``InvoiceData``.

Document-level allowances and charges have no place in ``InvoiceData``: they are read
as extra invoice lines (an allowance as a negative line) with their VAT category, so
the VAT breakdown and every total stay the same. A line whose price does not explain
its net amount (line allowances/charges) keeps its net amount and loses its unit price.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from models.enums import DocumentType, FieldSource
from pipeline.core import check_words as words
from pipeline.core.errors import BoekbrugError
from pipeline.core.records import (
    Address,
    ExtractedField,
    Extraction,
    InvoiceData,
    InvoiceLine,
    Party,
    VatBreakdownLine,
)
from pipeline.core.xmlsafe import CREDITNOTE_ROOT, NS, parse_untrusted
from pipeline.intake.attached_file import decode_embedded
from pipeline.ubl.build import NO_BUYER_REFERENCE

log = logging.getLogger(__name__)


class IncompleteInvoice(BoekbrugError):
    code = "incomplete_invoice"
    hint = "Fill in the missing fields before the UBL can be built."

    def __init__(self, message: str, *, fields: tuple[str, ...] = (), hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.fields = fields  # what an operator can fill to end it (pipeline.ubl.remedies)


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path, NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _dec(el: etree._Element, path: str) -> Decimal | None:
    text = _text(el, path)
    return None if text is None else Decimal(text)


def _date(el: etree._Element, path: str) -> date | None:
    text = _text(el, path)
    return None if text is None else date.fromisoformat(text[:10])


def format_address(address: Address) -> str | None:
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = [p for p in (address.street, city, address.country) if p]
    return ", ".join(parts) or None


def parse_ubl(xml_bytes: bytes) -> Extraction:
    """Field values of a UBL 2.1 Invoice / CreditNote. Raises ``HostileXml`` etc. like validate."""
    root = parse_untrusted(xml_bytes).getroot()
    credit = root.tag == CREDITNOTE_ROOT or _text(root, "cbc:InvoiceTypeCode") == "381"
    values: dict[str, Any] = {
        "invoice_number": _text(root, "cbc:ID"),
        "issue_date": _date(root, "cbc:IssueDate"),
        "due_date": _date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
        "currency": _text(root, "cbc:DocumentCurrencyCode"),
        "buyer_reference": _text(root, "cbc:BuyerReference"),
        "order_reference": _text(root, "cac:OrderReference/cbc:ID"),
        "billing_reference": _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        "accounting_cost": _text(root, "cbc:AccountingCost"),
        "note": _text(root, "cbc:Note"),
        "payment_reference": _text(root, "cac:PaymentMeans/cbc:PaymentID"),
        "iban": _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        "bic": _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
    }
    if values["buyer_reference"] == NO_BUYER_REFERENCE:
        values["buyer_reference"] = None
    for role, path in (("supplier", "cac:AccountingSupplierParty/cac:Party"),
                       ("customer", "cac:AccountingCustomerParty/cac:Party")):
        party = root.find(path, NS)
        if party is not None:
            values.update(_party_values(role, party))
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is not None:
        values["total_excl_vat"] = _dec(totals, "cbc:TaxExclusiveAmount")
        values["total_incl_vat"] = _dec(totals, "cbc:TaxInclusiveAmount")
        values["amount_due"] = _dec(totals, "cbc:PayableAmount")
    cur = values["currency"]
    tax_totals = root.findall("cac:TaxTotal", NS)
    main = next((t for t in tax_totals if t.find("cac:TaxSubtotal", NS) is not None), None)
    if main is None:
        main = next((t for t in tax_totals if t.find("cbc:TaxAmount", NS).get("currencyID") == cur), None)
    values["total_vat"] = _dec(main, "cbc:TaxAmount") if main is not None else None
    values["vat_breakdown"] = [_breakdown(sub) for sub in (main.findall("cac:TaxSubtotal", NS) if main is not None else [])]
    line_tag = "cac:CreditNoteLine" if root.tag == CREDITNOTE_ROOT else "cac:InvoiceLine"
    lines = [_line(el) for el in root.findall(line_tag, NS)]
    lines.extend(_allowance_line(el) for el in root.findall("cac:AllowanceCharge", NS))
    values["lines"] = lines
    fields = {
        name: ExtractedField(name=name, value=value, confidence=1.0, source=FieldSource.STRUCTURED)
        for name, value in values.items()
        if value is not None and value != []
    }
    return Extraction(DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE, fields,
                      warnings=attachment_warnings(root))


ATTACHMENT_NOTE = "attached file"


def attachment_warnings(root: etree._Element) -> tuple[str, ...]:
    """A note for every embedded file that is not what it claims to be (sniffed like an upload).

    Such a note keeps the document from auto-release: a person looks before anything
    the sender attached can reach the accountant (``pipeline.review.release_rule``)."""
    notes = []
    for node in root.iterfind("cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS):
        checked = decode_embedded(node.get("filename"), node.get("mimeCode"), node.text)
        if checked.problem is not None:
            notes.append(f"{ATTACHMENT_NOTE} {checked.filename!r} is not passed on: {checked.problem}")
    return tuple(notes)


def _party_values(role: str, party: etree._Element) -> dict[str, Any]:
    name = _text(party, "cac:PartyName/cbc:Name") or _text(party, "cac:PartyLegalEntity/cbc:RegistrationName")
    vat = None
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            vat = _text(scheme, "cbc:CompanyID")
    kbo = None
    for ident in party.iterfind(".//cbc:*[@schemeID='0208']", NS):
        kbo = kbo or (ident.text or "").strip() or None
    legal = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    legal_id = None
    if legal is None or not (legal.text or "").strip():
        legal = party.find("cac:PartyIdentification/cbc:ID", NS)  # BT-29 when there is no BT-30
    if legal is not None and (legal.text or "").strip() and legal.get("schemeID") != "0208":
        scheme = legal.get("schemeID")
        legal_id = f"{scheme}:{legal.text.strip()}" if scheme else legal.text.strip()
    endpoint = party.find("cbc:EndpointID", NS)
    address_el = party.find("cac:PostalAddress", NS)
    address = Address()
    if address_el is not None:
        address = Address(
            street=_text(address_el, "cbc:StreetName"),
            city=_text(address_el, "cbc:CityName"),
            postal_code=_text(address_el, "cbc:PostalZone"),
            country=_text(address_el, "cac:Country/cbc:IdentificationCode"),
        )
    peppol_id = None
    if endpoint is not None and endpoint.text and endpoint.get("schemeID"):
        peppol_id = f"{endpoint.get('schemeID')}:{endpoint.text.strip()}"
    return {
        f"{role}_name": name,
        f"{role}_vat": vat,
        f"{role}_enterprise_number": kbo,
        f"{role}_address": format_address(address),
        f"{role}_peppol_id": peppol_id,
        f"{role}_legal_id": legal_id,
        f"{role}_email": _text(party, "cac:Contact/cbc:ElectronicMail"),
    }


def _breakdown(sub: etree._Element) -> VatBreakdownLine:
    cat = sub.find("cac:TaxCategory", NS)
    reason = None
    if cat is not None:
        reason = _text(cat, "cbc:TaxExemptionReason") or _text(cat, "cbc:TaxExemptionReasonCode")
    return VatBreakdownLine(
        rate=_dec(cat, "cbc:Percent") if cat is not None else None,
        base=_dec(sub, "cbc:TaxableAmount"),
        amount=_dec(sub, "cbc:TaxAmount"),
        category=_text(cat, "cbc:ID") if cat is not None else None,
        exemption_reason=reason,
    )


def _line(el: etree._Element) -> InvoiceLine:
    qty_el = el.find("cbc:InvoicedQuantity", NS)
    if qty_el is None:
        qty_el = el.find("cbc:CreditedQuantity", NS)
    qty = Decimal(qty_el.text.strip()) if qty_el is not None and qty_el.text else None
    net = _dec(el, "cbc:LineExtensionAmount")
    price = _dec(el, "cac:Price/cbc:PriceAmount")
    base_qty = _dec(el, "cac:Price/cbc:BaseQuantity")
    if price is not None and base_qty and base_qty != 1:
        unit = price / base_qty
        price = unit if unit == unit.quantize(Decimal("0.000001")) else None
    if price is not None and qty is not None and net is not None and abs(qty * price - net) > Decimal("0.02"):
        price = None  # line allowances/charges: the net amount is what counts
    cat = el.find("cac:Item/cac:ClassifiedTaxCategory", NS)
    return InvoiceLine(
        description=_text(el, "cac:Item/cbc:Name"),
        quantity=qty,
        unit_price=price,
        net_amount=net,
        vat_rate=_dec(cat, "cbc:Percent") if cat is not None else None,
        vat_category=_text(cat, "cbc:ID") if cat is not None else None,
        unit_code=qty_el.get("unitCode") if qty_el is not None else None,
        ledger_account=_text(el, "cbc:AccountingCost"),
    )


def _allowance_line(el: etree._Element) -> InvoiceLine:
    charge = (_text(el, "cbc:ChargeIndicator") or "").lower() == "true"
    value = _dec(el, "cbc:Amount") or Decimal(0)
    reason = _text(el, "cbc:AllowanceChargeReason") or _text(el, "cbc:AllowanceChargeReasonCode")
    cat = el.find("cac:TaxCategory", NS)
    return InvoiceLine(
        description=f"{'Charge' if charge else 'Allowance'}: {reason}" if reason else ("Charge" if charge else "Allowance"),
        quantity=Decimal(1),
        unit_price=None,
        net_amount=value if charge else -value,
        vat_rate=_dec(cat, "cbc:Percent") if cat is not None else None,
        vat_category=_text(cat, "cbc:ID") if cat is not None else None,
    )


# ------------------------------------------------------------ values → InvoiceData
_POSTAL_CITY = re.compile(r"^(?:(?P<cc>[A-Z]{1,2})[- ])?(?P<postal>\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{3} ?\d{2})\s+(?P<city>.+)$")
_CITY_POSTAL = re.compile(r"^(?P<city>[^\d]+?)\s+(?P<postal>\d{4,5})$")


def parse_address(text: str | None) -> Address:
    """Street / postal code / city / country from one address string, heuristically.

    Parts are split on commas and new lines; a trailing two-letter part is the country;
    the part holding "1000 Brussel", "B-1000 Brussel", "75001 Paris", "SW1A 1AA London"
    or "Paris 75001" gives postal code and city; the first other part is the street.
    """
    if not text:
        return Address()
    parts = [p.strip() for p in re.split(r"[,\n;]+", text) if p.strip()]
    country = None
    if parts and re.fullmatch(r"[A-Za-z]{2}", parts[-1]):
        country = parts.pop().upper()
    postal = city = None
    rest: list[str] = []
    for part in parts:
        match = _POSTAL_CITY.match(part) or _CITY_POSTAL.match(part) if postal is None else None
        if match:
            postal, city = match.group("postal"), match.group("city").strip()
            cc = match.groupdict().get("cc")
            if cc and not country and len(cc) == 2:
                country = cc
            elif cc == "B" and not country:
                country = "BE"
        else:
            rest.append(part)
    street = rest[0] if rest else None
    if city is None and len(rest) > 1:
        city = rest[-1]
    return Address(street=street, city=city, postal_code=postal, country=country)


def _as_dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _party(values: dict[str, Any], role: str) -> Party:
    return Party(
        name=values.get(f"{role}_name"),
        vat=values.get(f"{role}_vat"),
        enterprise_number=values.get(f"{role}_enterprise_number"),
        address=parse_address(values.get(f"{role}_address")),
        email=values.get(f"{role}_email"),
        peppol_id=values.get(f"{role}_electronic_address") or values.get(f"{role}_peppol_id"),
        legal_id=values.get(f"{role}_identifier") or values.get(f"{role}_legal_id"),
    )


EXEMPT_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})
SELLER_IDS = ("vat", "enterprise_number", "identifier")  # one is needed (BR-CO-26)


def _exemption(values: dict[str, Any]) -> str | None:
    """The operator's exemption reason and code as one reason ("VATEX-EU-132: text")."""
    code = (str(values.get("vat_exemption_code") or "")).strip().upper()
    text = (str(values.get("vat_exemption_reason") or "")).strip()
    if code and text:
        return f"{code}: {text}"
    return code or text or None


# the category a VATEX code stands for (any other VATEX code is an exemption, E)
CODE_CATEGORY = {"VATEX-EU-O": "O", "VATEX-EU-AE": "AE", "VATEX-EU-IC": "K", "VATEX-EU-G": "G"}


def category_for(reason: str) -> str:
    code = reason.split(":", 1)[0].strip().upper()
    return CODE_CATEGORY.get(code, "E") if code.startswith("VATEX") else "E"


def _breakdown_with_reasons(lines: tuple[VatBreakdownLine, ...], reason: str | None) -> tuple[VatBreakdownLine, ...]:
    """The document-wide exemption reason on every 0 % VAT group without one of its own.

    A VATEX code is the operator's choice of category for the 0 % groups (VATEX-EU-O: not
    subject to VAT, VATEX-EU-AE: reverse charge, …); a reason without a code goes onto the
    groups already marked exempt (a zero rate, Z, takes no reason)."""
    if not reason:
        return lines
    coded = reason.upper().startswith("VATEX")
    out = []
    for line in lines:
        category = (line.category or "").strip().upper()
        zero = line.amount in (None, Decimal(0)) and line.rate in (None, Decimal(0))
        if coded and zero and category in ("", "Z", *EXEMPT_CATEGORIES) and not (line.exemption_reason or "").strip():
            line = replace(line, category=category_for(reason), exemption_reason=reason)
        elif category in EXEMPT_CATEGORIES and not (line.exemption_reason or "").strip():
            line = replace(line, exemption_reason=reason)
        out.append(line)
    return tuple(out)


def _exempt_group(base: Decimal, reason: str) -> VatBreakdownLine:
    """The one VAT group of a document that charges no VAT, in the category its reason says."""
    return VatBreakdownLine(rate=Decimal(0), base=base, amount=Decimal(0), category=category_for(reason),
                            exemption_reason=reason)


def _receipt_totals(values: dict[str, Any], breakdown: tuple[VatBreakdownLine, ...], reason: str | None,
                    ) -> tuple[Decimal | None, Decimal | None, Decimal | None, tuple[VatBreakdownLine, ...]]:
    """A till ticket prints the total and, per rate, the VAT: the other totals follow from
    the breakdown as printed. A ticket that shows no VAT at all needs the reason (a
    supervisor's decision: exempt small business, outside the scope of Belgian VAT …)."""
    excl, vat, incl = (_as_dec(values.get(n)) for n in ("total_excl_vat", "total_vat", "total_incl_vat"))
    if breakdown and all(line.base is not None and line.amount is not None for line in breakdown):
        if excl is None:
            excl = sum((line.base for line in breakdown if line.base is not None), Decimal(0))
        if vat is None:
            vat = sum((line.amount for line in breakdown if line.amount is not None), Decimal(0))
        return excl, vat, incl, breakdown
    if not breakdown and vat in (None, Decimal(0)) and reason and incl is not None:
        return incl, Decimal(0), incl, (_exempt_group(incl, reason),)
    if not breakdown and vat is None and excl is None:
        fields = ["vat_breakdown", "vat_exemption_reason", "vat_exemption_code"]
        say = words.RECEIPT_VAT_UNKNOWN
        if not any(values.get(f"supplier_{n}") for n in SELLER_IDS):
            fields += [f"supplier_{n}" for n in SELLER_IDS]
            say += "; " + words.RECEIPT_SELLER
        raise IncompleteInvoice(say, fields=tuple(fields))
    return excl, vat, incl, breakdown


def invoice_data_from_values(
    values: dict[str, Any], document_type: DocumentType | str | None = None
) -> InvoiceData:
    """An ``InvoiceData`` from field values. One missing total of the three is computed
    from the other two (logged); more missing required values raise ``IncompleteInvoice``."""
    doc_type = DocumentType(document_type or values.get("document_type") or DocumentType.INVOICE)
    if doc_type not in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE, DocumentType.RECEIPT):
        raise IncompleteInvoice(words.MARKED_NOT_INVOICE, fields=("document_type",))
    reason = _exemption(values)
    breakdown = _breakdown_with_reasons(tuple(values.get("vat_breakdown") or ()), reason)
    if doc_type is DocumentType.RECEIPT:
        excl, vat, incl, breakdown = _receipt_totals(values, breakdown, reason)
    else:
        excl, vat, incl = (_as_dec(values.get(n)) for n in ("total_excl_vat", "total_vat", "total_incl_vat"))
    if [excl, vat, incl].count(None) == 1:
        if incl is None:
            incl = excl + vat
        elif vat is None:
            vat = incl - excl
        else:
            excl = incl - vat
        log.info("one missing total computed from the other two")
    if not breakdown and reason and reason.upper().startswith("VATEX") and vat == 0 and excl is not None:
        breakdown = (_exempt_group(excl, reason),)  # no VAT charged, and the operator said why
    missing = [n for n in ("invoice_number", "issue_date") if not values.get(n)]
    missing += [n for n, v in (("total_excl_vat", excl), ("total_vat", vat), ("total_incl_vat", incl)) if v is None]
    if missing:
        raise IncompleteInvoice(f"missing: {', '.join(missing)}", fields=tuple(missing))
    return InvoiceData(
        document_type=doc_type,
        invoice_number=str(values["invoice_number"]).strip(),
        issue_date=_as_date(values["issue_date"]),
        currency=(values.get("currency") or "EUR").strip().upper(),
        supplier=_party(values, "supplier"),
        customer=_party(values, "customer"),
        total_excl_vat=excl,
        total_vat=vat,
        total_incl_vat=incl,
        vat_breakdown=breakdown,
        lines=tuple(values.get("lines") or ()),
        due_date=_as_date(values.get("due_date")),
        iban=values.get("iban"),
        bic=values.get("bic"),
        payment_reference=values.get("payment_reference"),
        buyer_reference=values.get("buyer_reference"),
        order_reference=values.get("order_reference"),
        billing_reference=values.get("billing_reference"),
        accounting_cost=values.get("accounting_cost"),
        note=values.get("note"),
        amount_due=_as_dec(values.get("amount_due")),
    )
