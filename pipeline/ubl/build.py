"""Build a Peppol BIS Billing 3.0 UBL 2.1 Invoice or CreditNote from validated values.

``build_ubl(invoice, original)`` writes what the operator validated. It never changes
an amount so that the document passes: when the totals do not add up, the official
rules (``pipeline.ubl.validate``) report it and the release gate stops the document.
Structural choices (documented in ``pipeline.ubl.derive``):

* type code 380 (invoice) or 381 (credit note); ``type_code=`` may ask for 383 / 386;
* no buyer reference and no order reference: ``BuyerReference`` is ``n/a``
  (PEPPOL-EN16931-R003 needs one of the two; we do not invent one);
* no invoice lines, or lines that do not add up to the VAT breakdown (lines are not a
  validated field): one line per VAT rate, carrying that rate's taxable amount; a line
  whose quantity x price is not its net amount keeps the net amount;
* ``amount_due`` below the total: the difference is written as ``PrepaidAmount``
  (or ``PayableRoundingAmount`` for less than 5 cents, i.e. cash rounding);
* intra-community supply (K) without a known delivery date: the issue date is written
  as ActualDeliveryDate (BR-IC-11) and the buyer's country as deliver-to country;
* the original (PDF, or an image converted to PDF) is embedded as an
  AdditionalDocumentReference.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import PurePath

from lxml import etree

from models.enums import DocumentKind, DocumentType, UblProfile
from pipeline.core.records import InvoiceData, Party
from pipeline.core.xmlsafe import NS
from pipeline.intake.attached_file import pdf_opens, safe_name
from pipeline.ubl import belgian
from pipeline.ubl.derive import (
    CENT,
    LineOut,
    VatGroup,
    cents,
    identity,
    lines_out,
    normalise_vat,
    party_country,
    vat_groups,
)
from pipeline.ubl.rules import CUSTOMIZATION_ID, EN16931_CUSTOMIZATION_ID, PROFILE_ID

log = logging.getLogger(__name__)

NO_BUYER_REFERENCE = "n/a"
INVOICE_TYPE_CODES = {"380", "383", "386"}
CREDIT_NOTE_TYPE_CODE = "381"
ROUNDING_LIMIT = Decimal("0.05")
SEPA_IBAN_PREFIXES = frozenset({
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB",
    "GI", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT",
    "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM", "VA", "AD",
})

Original = tuple[str, bytes, str]  # (filename, content, mime type)

_CBC = f"{{{NS['cbc']}}}"
_CAC = f"{{{NS['cac']}}}"


def image_to_pdf(data: bytes) -> bytes:
    """A one-page PDF holding the image at its own size (PyMuPDF)."""
    import pymupdf

    with pymupdf.open(stream=data) as img:
        pdf_bytes = img.convert_to_pdf()
    return bytes(pdf_bytes)


def _cbc(parent: etree._Element, tag: str, text: object | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _CBC + tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = str(text)
    return el


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _CAC + name)


def amount(value: Decimal) -> str:
    """Two decimals, never float; more precise input is rounded (and logged)."""
    fixed = cents(value)
    if fixed != value:
        log.warning("amount %s written as %s (2 decimals)", value, fixed)
    return format(fixed, "f")


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _price(value: Decimal) -> str:
    return format(value if value.as_tuple().exponent < -2 else value.quantize(CENT), "f")


def build_ubl(
    invoice: InvoiceData,
    original: Original | None = None,
    *,
    type_code: str | None = None,
    profile: UblProfile = UblProfile.PEPPOL_BIS3,
) -> bytes:
    """The UBL document as UTF-8 bytes (with XML declaration).

    ``profile`` EN16931: the EN 16931 specification identifier, no Peppol business
    process and no ``n/a`` buyer reference (``pipeline.ubl.derive.choose_profile``)."""
    peppol = profile is UblProfile.PEPPOL_BIS3
    credit = invoice.document_type == DocumentType.CREDIT_NOTE
    if credit:
        code = CREDIT_NOTE_TYPE_CODE
        root = etree.Element(f"{{{NS['cn']}}}CreditNote", nsmap={None: NS["cn"], "cac": NS["cac"], "cbc": NS["cbc"]})
    else:
        code = type_code or "380"
        if code not in INVOICE_TYPE_CODES:
            raise ValueError(f"invoice type code {code} is not one of {sorted(INVOICE_TYPE_CODES)}")
        root = etree.Element(f"{{{NS['inv']}}}Invoice", nsmap={None: NS["inv"], "cac": NS["cac"], "cbc": NS["cbc"]})
    cur = invoice.currency.strip().upper()
    groups = vat_groups(invoice)
    lines = lines_out(invoice, groups)

    _cbc(root, "CustomizationID", CUSTOMIZATION_ID if peppol else EN16931_CUSTOMIZATION_ID)
    if peppol:
        _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.invoice_number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if invoice.due_date and not credit:
        _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", code)
    if invoice.note:
        _cbc(root, "Note", invoice.note)
    _cbc(root, "DocumentCurrencyCode", cur)
    if invoice.accounting_cost:
        _cbc(root, "AccountingCost", invoice.accounting_cost)
    buyer_ref = invoice.buyer_reference or (None if invoice.order_reference or not peppol else NO_BUYER_REFERENCE)
    if buyer_ref:
        _cbc(root, "BuyerReference", buyer_ref)
    if invoice.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.order_reference)
    if invoice.billing_reference:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", invoice.billing_reference)
    if original is not None:
        _attachment(root, invoice.invoice_number, original)

    no_vat_ids = any(g.category == "O" for g in groups)  # BR-O-02 / BR-O-03
    _party(_cac(root, "AccountingSupplierParty"), invoice.supplier, with_vat=not no_vat_ids)
    _party(_cac(root, "AccountingCustomerParty"), invoice.customer, with_vat=not no_vat_ids)
    if any(g.category == "K" for g in groups):
        delivery = _cac(root, "Delivery")
        _cbc(delivery, "ActualDeliveryDate", invoice.issue_date.isoformat())
        address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
        _cbc(_cac(address, "Country"), "IdentificationCode", party_country(invoice.customer))
        log.info("intra-community supply: issue date used as delivery date")
    _payment_means(root, invoice, credit)

    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", amount(invoice.total_vat), currencyID=cur)
    for g in groups:
        _tax_subtotal(tax_total, g, cur)

    _monetary_total(root, invoice, lines, cur)
    for number, line in enumerate(lines, start=1):
        _line(root, number, line, cur, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _attachment(root: etree._Element, doc_id: str, original: Original) -> None:
    filename, content, mime = original
    if mime.startswith("image/"):
        content = image_to_pdf(content)
        filename = str(PurePath(filename).with_suffix(".pdf"))
        mime = "application/pdf"
    elif mime != "application/pdf":
        raise ValueError(f"cannot embed {mime}: only PDF or images (converted to PDF)")
    if not pdf_opens(content):
        raise ValueError("the original to embed is not a PDF that opens")
    ref = _cac(root, "AdditionalDocumentReference")
    _cbc(ref, "ID", doc_id)
    _cbc(ref, "DocumentDescription", "CommercialInvoice")
    attachment = _cac(ref, "Attachment")
    # the name travels to the accountant's machine: no folders, no program's extension
    obj = _cbc(attachment, "EmbeddedDocumentBinaryObject", mimeCode=mime, filename=safe_name(filename, DocumentKind.PDF))
    obj.text = base64.b64encode(content).decode("ascii")


def _party(wrapper: etree._Element, party: Party, *, with_vat: bool) -> None:
    el = _cac(wrapper, "Party")
    ident = identity(party)
    if ident.endpoint:
        _cbc(el, "EndpointID", ident.endpoint[1], schemeID=ident.endpoint[0])
    if ident.legal_id and not ident.legal_id[0]:
        # an id without scheme can only be the party identifier (BT-29 / BT-46)
        _cbc(_cac(el, "PartyIdentification"), "ID", ident.legal_id[1])
    if party.name:
        _cbc(_cac(el, "PartyName"), "Name", party.name)
    address = _cac(el, "PostalAddress")
    if party.address.street:
        _cbc(address, "StreetName", party.address.street)
    if party.address.city:
        _cbc(address, "CityName", party.address.city)
    if party.address.postal_code:
        _cbc(address, "PostalZone", party.address.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party_country(party))
    vat = normalise_vat(party.vat)
    if vat and with_vat:
        scheme = _cac(el, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    has_legal_id = bool(ident.legal_id and ident.legal_id[0])
    if party.name or has_legal_id:  # no empty elements (PEPPOL-EN16931-R008)
        legal = _cac(el, "PartyLegalEntity")
        if party.name:
            _cbc(legal, "RegistrationName", party.name)
        if has_legal_id:
            _cbc(legal, "CompanyID", ident.legal_id[1], schemeID=ident.legal_id[0])
    if party.email:
        _cbc(_cac(el, "Contact"), "ElectronicMail", party.email)


def _payment_means(root: etree._Element, invoice: InvoiceData, credit: bool) -> None:
    iban = re.sub(r"\s", "", invoice.iban or "").upper() or None
    if not iban and not invoice.payment_reference and not (credit and invoice.due_date):
        return
    means = _cac(root, "PaymentMeans")
    if iban:
        sepa = iban[:2] in SEPA_IBAN_PREFIXES and invoice.currency.upper() == "EUR"
        _cbc(means, "PaymentMeansCode", "58" if sepa else "30",
             name="SEPA credit transfer" if sepa else "Credit transfer")
    else:
        _cbc(means, "PaymentMeansCode", "1", name="Instrument not defined")
    if credit and invoice.due_date:
        _cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
    if invoice.payment_reference:
        ref = invoice.payment_reference.strip()
        _cbc(means, "PaymentID", belgian.format_ogm(ref) if belgian.looks_like_ogm(ref) and belgian.format_ogm(ref) else ref)
    if iban:
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", iban)
        if invoice.supplier.name:
            _cbc(account, "Name", invoice.supplier.name)
        if invoice.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", re.sub(r"\s", "", invoice.bic).upper())


def _tax_category(parent: etree._Element, tag: str, g: VatGroup, *, reasons: bool) -> None:
    cat = _cac(parent, tag)
    _cbc(cat, "ID", g.category)
    if g.category != "O" and g.rate is not None:
        _cbc(cat, "Percent", _plain(g.rate))
    if reasons:
        if g.reason_code:
            _cbc(cat, "TaxExemptionReasonCode", g.reason_code)
        if g.reason_text:
            _cbc(cat, "TaxExemptionReason", g.reason_text)
    _cbc(_cac(cat, "TaxScheme"), "ID", "VAT")


def _tax_subtotal(tax_total: etree._Element, g: VatGroup, cur: str) -> None:
    sub = _cac(tax_total, "TaxSubtotal")
    _cbc(sub, "TaxableAmount", amount(g.base if g.base is not None else Decimal(0)), currencyID=cur)
    _cbc(sub, "TaxAmount", amount(g.amount if g.amount is not None else Decimal(0)), currencyID=cur)
    _tax_category(sub, "TaxCategory", g, reasons=True)


def _monetary_total(root: etree._Element, invoice: InvoiceData, lines: Iterable[LineOut], cur: str) -> None:
    total = _cac(root, "LegalMonetaryTotal")
    _cbc(total, "LineExtensionAmount", amount(sum((ln.net for ln in lines), Decimal(0))), currencyID=cur)
    _cbc(total, "TaxExclusiveAmount", amount(invoice.total_excl_vat), currencyID=cur)
    _cbc(total, "TaxInclusiveAmount", amount(invoice.total_incl_vat), currencyID=cur)
    due = invoice.amount_due if invoice.amount_due is not None else invoice.total_incl_vat
    difference = invoice.total_incl_vat - due
    if difference and abs(difference) < ROUNDING_LIMIT:
        _cbc(total, "PayableRoundingAmount", amount(-difference), currencyID=cur)
    elif difference:
        _cbc(total, "PrepaidAmount", amount(difference), currencyID=cur)
    _cbc(total, "PayableAmount", amount(due), currencyID=cur)


def _line(root: etree._Element, number: int, line: LineOut, cur: str, credit: bool) -> None:
    el = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(el, "ID", number)
    _cbc(el, "CreditedQuantity" if credit else "InvoicedQuantity", _plain(line.quantity), unitCode=line.unit_code)
    _cbc(el, "LineExtensionAmount", amount(line.net), currencyID=cur)
    if line.accounting_cost:
        _cbc(el, "AccountingCost", line.accounting_cost)
    item = _cac(el, "Item")
    _cbc(item, "Name", line.description[:200])
    _tax_category(item, "ClassifiedTaxCategory", line.group, reasons=False)
    price = _cac(el, "Price")
    _cbc(price, "PriceAmount", _price(line.price), currencyID=cur)
    if line.base_quantity is not None and line.base_quantity != 1:
        _cbc(price, "BaseQuantity", _plain(line.base_quantity), unitCode=line.unit_code)
