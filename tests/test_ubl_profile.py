"""Every document becomes UBL, in the profile it can meet: receipts, 0 % rates, parties
without an electronic address, and the remedies a failure maps to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from models.enums import DocumentType, UblProfile
from pipeline.core.records import VatBreakdownLine
from pipeline.ubl.derive import derived_number, split_reason
from pipeline.ubl.findings import Finding
from pipeline.ubl.parse import IncompleteInvoice, invoice_data_from_values, parse_ubl
from pipeline.ubl.profile import build_for_best_profile
from pipeline.ubl.remedies import for_findings
from pipeline.ubl.rules import peppol_only

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
TICKET = {
    "document_type": DocumentType.RECEIPT, "supplier_name": "Bakkerij Peeters", "issue_date": date(2026, 11, 3),
    "total_incl_vat": Decimal("12.72"), "customer_name": "Client BV", "customer_vat": "BE0123456749",
    "invoice_number": derived_number("ab" * 32),
}


def _text(xml: bytes, path: str) -> str | None:
    found = etree.fromstring(xml).find(path, NS)
    return None if found is None else found.text


def test_a_belgian_ticket_is_a_peppol_purchase_invoice_with_its_vat_per_rate() -> None:
    values = dict(TICKET, supplier_vat="BE0987654394",
                  vat_breakdown=[VatBreakdownLine(Decimal(6), Decimal("12.00"), Decimal("0.72"))])
    xml, report, profile = build_for_best_profile(invoice_data_from_values(values))
    assert report.ok, [str(f) for f in report.fatal]
    assert profile is UblProfile.PEPPOL_BIS3
    assert _text(xml, "cbc:InvoiceTypeCode") == "380"
    assert _text(xml, "cbc:ID") == "R-ABABABABABAB"  # no ticket number: derived from the sha256, stable
    parsed = parse_ubl(xml)
    assert parsed.value("supplier_name") == "Bakkerij Peeters" and parsed.value("customer_vat") == "BE0123456749"
    assert parsed.value("total_excl_vat") == Decimal("12.00") and parsed.value("total_vat") == Decimal("0.72")


def test_a_shop_without_an_address_gets_en16931_with_the_routing_rules_only_reported() -> None:
    values = dict(TICKET, supplier_identifier="CO-REG-12345",
                  vat_exemption_code="VATEX-EU-O", vat_exemption_reason="no VAT shown on the ticket")
    xml, report, profile = build_for_best_profile(invoice_data_from_values(values))
    assert profile is UblProfile.EN16931 and report.ok, [str(f) for f in report.fatal]
    assert _text(xml, "cbc:CustomizationID") == "urn:cen.eu:en16931:2017"
    assert _text(xml, "cbc:ProfileID") is None
    assert {"PEPPOL-EN16931-R020", "PEPPOL-EN16931-R001"} <= report.warning_ids  # reported, not blocking
    assert _text(xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "O"


def test_a_ticket_without_vat_asks_for_the_breakdown_or_a_reason_and_the_seller() -> None:
    with pytest.raises(IncompleteInvoice) as raised:
        invoice_data_from_values(dict(TICKET))
    assert {"vat_breakdown", "vat_exemption_reason", "supplier_vat", "supplier_identifier"} <= set(raised.value.fields)


def test_a_printed_zero_rate_marked_exempt_asks_for_the_reason_not_a_rule_id() -> None:
    values = dict(TICKET, document_type=DocumentType.INVOICE, supplier_vat="BE0987654394",
                  total_excl_vat=Decimal("12.72"), total_vat=Decimal(0),
                  vat_breakdown=[VatBreakdownLine(Decimal(0), Decimal("12.72"), Decimal(0), "E")])
    _, report, _ = build_for_best_profile(invoice_data_from_values(values))
    assert report.fatal_ids == {"BR-E-10"}
    remedy = for_findings(report.fatal)
    assert not remedy.supervisor and "vat_exemption_reason" in remedy.fields
    assert "exemption reason" in remedy.say and remedy.signature == "BR-E-10"
    values["vat_exemption_reason"] = "Vrijgesteld, art. 44 WBTW"
    xml, report, _ = build_for_best_profile(invoice_data_from_values(values))
    assert report.ok and _text(xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason") \
        == "Vrijgesteld, art. 44 WBTW"


def test_a_zero_rate_stays_zero_rated_without_a_reason() -> None:
    values = dict(TICKET, document_type=DocumentType.INVOICE, supplier_vat="BE0987654394",
                  total_excl_vat=Decimal("12.72"), total_vat=Decimal(0),
                  vat_breakdown=[VatBreakdownLine(Decimal(0), Decimal("12.72"), Decimal(0))])
    xml, report, _ = build_for_best_profile(invoice_data_from_values(values))
    assert report.ok and _text(xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == "Z"


def test_rules_without_a_field_go_to_a_supervisor() -> None:
    remedy = for_findings([Finding("cen", "BR-XX-99", "fatal", "[BR-XX-99]-Something nobody can fill")])
    assert remedy.supervisor and remedy.fields == () and "supervisor" in remedy.say


def test_peppol_only_rules_and_reasons() -> None:
    assert peppol_only("PEPPOL-EN16931-R020") and peppol_only("DE-R-004") and not peppol_only("BR-CO-15")
    assert split_reason("VATEX-EU-132: art. 44") == ("VATEX-EU-132", "art. 44")
