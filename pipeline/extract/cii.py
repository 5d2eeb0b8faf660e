"""``parse_cii(xml_bytes) -> Extraction`` for UN/CEFACT CII: Factur-X / ZUGFeRD 2.x /
XRechnung (``CrossIndustryInvoice``) and ZUGFeRD 1.0 (``CrossIndustryDocument``).

Elements are matched by local name, so both namespace generations read the same.
Every value is ``source=STRUCTURED`` with confidence 1.0. The XML is parsed with
entities and network access off (``pipeline.core.xmlsafe.parse_untrusted``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from models.enums import DocumentType, FieldSource
from pipeline.core import checks
from pipeline.core.errors import UnsupportedFormat
from pipeline.core.records import (
    ExtractedField,
    Extraction,
    InvoiceLine,
    VatBreakdownLine,
)

CREDIT_TYPES = {"381", "396", "532"}


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == name]


def _find(el: Any, path: str) -> Any | None:
    """``"A/B|C/D"``: local names; ``|`` separates alternatives for one step."""
    found = _find_all(el, path)
    return found[0] if found else None


def _find_all(el: Any, path: str) -> list[Any]:
    current = [el]
    for step in path.split("/"):
        nxt = []
        for node in current:
            for alt in step.split("|"):
                nxt.extend(_kids(node, alt))
        current = nxt
    return current


def _text(el: Any, path: str) -> str | None:
    node = _find(el, path) if el is not None else None
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _dec(el: Any, path: str) -> Decimal | None:
    text = _text(el, path)
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _date(el: Any, path: str) -> date | None:
    text = _text(el, path)
    if not text:
        return None
    digits = text.replace("-", "")[:8]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _party(party: Any, role: str) -> dict[str, Any]:
    out: dict[str, Any] = {f"{role}_name": _text(party, "Name")}
    for reg in _find_all(party, "SpecifiedTaxRegistration"):
        node = _find(reg, "ID")
        if node is not None and node.text and node.get("schemeID") == "VA":
            out[f"{role}_vat"] = checks.normalise_vat(node.text)
    addr = _find(party, "PostalTradeAddress")
    if addr is not None:
        parts = [_text(addr, "LineOne"), _text(addr, "LineTwo"), " ".join(x for x in (_text(addr, "PostcodeCode"), _text(addr, "CityName")) if x), _text(addr, "CountryID")]
        out[f"{role}_address"] = ", ".join(p for p in parts if p) or None
    legal = _text(party, "SpecifiedLegalOrganization/ID")
    vat = out.get(f"{role}_vat")
    if vat and checks.kbo_from_vat(vat):
        out[f"{role}_enterprise_number"] = checks.kbo_from_vat(vat)
    elif legal and checks.check_kbo(legal).ok and len(checks.normalise_kbo(legal)) == 10:
        out[f"{role}_enterprise_number"] = checks.normalise_kbo(legal)
    return out


def parse_cii(xml_bytes: bytes) -> Extraction:
    from pipeline.core.xmlsafe import parse_untrusted

    root = parse_untrusted(xml_bytes).getroot()
    local = root.tag.rsplit("}", 1)[-1]
    if local not in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        raise UnsupportedFormat(f"The XML is a {local}, not a CII invoice.")
    doc = _find(root, "ExchangedDocument|HeaderExchangedDocument")
    trade = _find(root, "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
    agreement = _find(trade, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement") if trade is not None else None
    settlement = _find(trade, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement") if trade is not None else None
    type_code = _text(doc, "TypeCode")
    values: dict[str, Any] = {
        "invoice_number": _text(doc, "ID"),
        "issue_date": _date(doc, "IssueDateTime/DateTimeString"),
    }
    if agreement is not None:
        for role, tag in (("supplier", "SellerTradeParty"), ("customer", "BuyerTradeParty")):
            party = _find(agreement, tag)
            if party is not None:
                values.update(_party(party, role))
        values["buyer_reference"] = _text(agreement, "BuyerReference")
        values["order_reference"] = _text(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID")
    if settlement is not None:
        values["currency"] = _text(settlement, "InvoiceCurrencyCode")
        values["payment_reference"] = _text(settlement, "PaymentReference")
        means = _find(settlement, "SpecifiedTradeSettlementPaymentMeans")
        if means is not None:
            iban = _text(means, "PayeePartyCreditorFinancialAccount/IBANID")
            values["iban"] = checks.normalise_iban(iban) if iban else None
            values["bic"] = _text(means, "PayeeSpecifiedCreditorFinancialInstitution/BICID")
        values["due_date"] = _date(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString")
        summ = _find(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation")
        if summ is not None:
            values["total_excl_vat"] = _dec(summ, "TaxBasisTotalAmount")
            cur = values.get("currency")
            taxes = _find_all(summ, "TaxTotalAmount")
            tax = next((t for t in taxes if t.get("currencyID") in (None, cur)), taxes[0] if taxes else None)
            values["total_vat"] = Decimal(tax.text.strip()) if tax is not None and tax.text else None
            values["total_incl_vat"] = _dec(summ, "GrandTotalAmount")
            values["amount_due"] = _dec(summ, "DuePayableAmount")
        values["vat_breakdown"] = [
            VatBreakdownLine(
                rate=_dec(t, "RateApplicablePercent|ApplicablePercent"),
                base=_dec(t, "BasisAmount"),
                amount=_dec(t, "CalculatedAmount"),
                category=_text(t, "CategoryCode"),
                exemption_reason=_text(t, "ExemptionReason"),
            )
            for t in _find_all(settlement, "ApplicableTradeTax")
        ] or None
    lines = []
    for item in _find_all(trade, "IncludedSupplyChainTradeLineItem") if trade is not None else []:
        if _find(item, "SpecifiedTradeProduct") is None:
            continue  # a note-only line (ZUGFeRD 1)
        lines.append(
            InvoiceLine(
                description=_text(item, "SpecifiedTradeProduct/Name"),
                quantity=_dec(item, "SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery/BilledQuantity"),
                unit_price=_dec(item, "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement/NetPriceProductTradePrice/ChargeAmount"),
                net_amount=_dec(item, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation|SpecifiedTradeSettlementMonetarySummation/LineTotalAmount"),
                vat_rate=_dec(item, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement/ApplicableTradeTax/RateApplicablePercent|ApplicablePercent"),
                vat_category=_text(item, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement/ApplicableTradeTax/CategoryCode"),
            )
        )
    values["lines"] = lines or None
    fields = {
        name: ExtractedField(name=name, value=value, confidence=1.0, source=FieldSource.STRUCTURED)
        for name, value in values.items()
        if value is not None and value != []
    }
    credit = type_code in CREDIT_TYPES
    return Extraction(DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE, fields)
