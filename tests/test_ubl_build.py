"""Building Peppol BIS 3 UBL: Belgian cases, VAT categories, round trips, the CLI."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pymupdf
import pytest
from lxml import etree

from models.enums import DocumentType, FieldSource
from pipeline.__main__ import main
from pipeline.core.records import (
    Address,
    InvoiceData,
    InvoiceLine,
    Party,
    VatBreakdownLine,
)
from pipeline.core.xmlsafe import NS
from pipeline.ubl.build import build_ubl, image_to_pdf
from pipeline.ubl.parse import invoice_data_from_values, parse_address, parse_ubl
from pipeline.ubl.validate import validate

PEPPOL = Path(__file__).resolve().parents[2] / "shared" / "peppol"

SUPPLIER = Party("Voorbeeld Leverancier BV", vat="BE0123456749",
                 address=Address("Kerkstraat 1", "Gent", "9000", "BE"), email="facturen@leverancier.example")
CUSTOMER = Party("Exemple Client SRL", vat="BE0987654394", address=Address("Rue de la Loi 16", "Bruxelles", "1000"))


def _pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Factuur INV-2026-0042")
    return doc.tobytes()


def be_invoice(**changes: object) -> InvoiceData:
    invoice = InvoiceData(
        document_type=DocumentType.INVOICE, invoice_number="INV-2026-0042", issue_date=date(2026, 11, 2),
        currency="EUR", supplier=SUPPLIER, customer=CUSTOMER,
        total_excl_vat=D("1050.00"), total_vat=D("213.00"), total_incl_vat=D("1263.00"),
        vat_breakdown=(VatBreakdownLine(D(21), D("1000.00"), D("210.00")),
                       VatBreakdownLine(D(6), D("50.00"), D("3.00"))),
        lines=(InvoiceLine("Consultancy (uur)", D(10), D(100), D(1000), D(21), ledger_account="613000"),
               InvoiceLine("Vakliteratuur", D(2), D(25), D(50), D(6))),
        due_date=date(2026, 12, 2), iban="BE68 5390 0754 7034", bic="GKCCBEBB",
        payment_reference="+++202/6000/04236+++", accounting_cost="PRJ-7",
    )
    return dataclasses.replace(invoice, **changes)


def _clean(xml: bytes) -> None:
    report = validate(xml)
    assert report.findings == (), [str(f) for f in report.findings]


def test_belgian_invoice_is_clean_with_embedded_pdf() -> None:
    pdf = _pdf()
    xml = build_ubl(be_invoice(), ("scan.pdf", pdf, "application/pdf"))
    _clean(xml)
    root = etree.fromstring(xml)
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS).attrib["schemeID"] == "0208"
    assert root.findtext("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS) == "0987654394"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == "+++202/6000/04236+++"
    assert root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "BE68539007547034"
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "n/a"
    assert root.findtext("cac:InvoiceLine/cbc:AccountingCost", namespaces=NS) == "613000"
    obj = root.find("cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
    assert obj.attrib == {"mimeCode": "application/pdf", "filename": "scan.pdf"}
    assert base64.b64decode(obj.text) == pdf
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "1263.00"


def test_belgian_credit_note_is_clean() -> None:
    invoice = be_invoice(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-1",
                         billing_reference="INV-2026-0042", buyer_reference="PO-77812")
    xml = build_ubl(invoice)
    _clean(xml)
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == "INV-2026-0042"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentDueDate", namespaces=NS) == "2026-12-02"


@pytest.mark.parametrize("code", ["383", "386"])
def test_other_invoice_type_codes(code: str) -> None:
    xml = build_ubl(be_invoice(), type_code=code)
    assert validate(xml).ok
    with pytest.raises(ValueError):
        build_ubl(be_invoice(), type_code="389")


@pytest.mark.parametrize("category", ["AE", "K", "G"])
def test_zero_rated_cross_border_categories_are_clean(category: str) -> None:
    customer = Party("Kunde GmbH", vat="DE123456789", address=Address("Hauptstr. 1", "Berlin", "10115"))
    invoice = be_invoice(
        customer=customer if category != "AE" else CUSTOMER,
        vat_breakdown=(VatBreakdownLine(D(0), D("1050.00"), D("0.00"), category),),
        lines=(), total_vat=D("0.00"), total_incl_vat=D("1050.00"),
    )
    xml = build_ubl(invoice)
    _clean(xml)
    root = etree.fromstring(xml)
    code = root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode", namespaces=NS)
    assert code == {"AE": "VATEX-EU-AE", "K": "VATEX-EU-IC", "G": "VATEX-EU-G"}[category]
    assert len(root.findall("cac:InvoiceLine", NS)) == 1  # synthesised: one per VAT rate


def test_exempt_and_not_subject() -> None:
    exempt = be_invoice(vat_breakdown=(VatBreakdownLine(D(0), D("1050.00"), D("0.00"), "E",
                                                        "Vrijgesteld - art. 56bis WBTW"),),
                        lines=(), total_vat=D("0.00"), total_incl_vat=D("1050.00"))
    _clean(build_ubl(exempt))
    no_reason = dataclasses.replace(exempt, vat_breakdown=(VatBreakdownLine(D(0), D("1050.00"), D("0.00"), "E"),))
    assert validate(build_ubl(no_reason)).fatal_ids == {"BR-E-10"}  # no reason invented
    not_subject = dataclasses.replace(exempt, vat_breakdown=(VatBreakdownLine(None, D("1050.00"), D("0.00"), "O"),))
    _clean(build_ubl(not_subject))


def test_totals_that_do_not_add_up_are_reported_not_fixed() -> None:
    xml = build_ubl(be_invoice(total_incl_vat=D("1263.01")))
    report = validate(xml)
    assert "BR-CO-15" in report.fatal_ids
    assert "total_incl_vat" in report.fields_in_error()
    assert b"1263.01" in xml
    report = validate(build_ubl(be_invoice(total_vat=D("212.00"), total_incl_vat=D("1262.00"))))
    assert "BR-CO-14" in report.fatal_ids


def test_prepaid_and_rounding() -> None:
    assert validate(build_ubl(be_invoice(amount_due=D("263.00")))).ok
    xml = build_ubl(be_invoice(amount_due=D("1263.02")))
    assert b"PayableRoundingAmount" in xml and validate(xml).ok


def test_bad_structured_communication_and_kbo_are_reported() -> None:
    report = validate(build_ubl(be_invoice(payment_reference="+++202/6000/04237+++")))
    assert report.fatal_ids == {"BOEKBRUG-BE-OGM"}
    party = dataclasses.replace(SUPPLIER, enterprise_number="0123456749", vat="BE0987654394")
    report = validate(build_ubl(be_invoice(supplier=party)))
    assert "BOEKBRUG-BE-KBO-VAT" in report.warning_ids


def test_image_original_becomes_pdf() -> None:
    png = pymupdf.open(stream=_pdf()).load_page(0).get_pixmap(dpi=30).tobytes("png")
    assert image_to_pdf(png).startswith(b"%PDF")
    xml = build_ubl(be_invoice(), ("photo.png", png, "image/png"))
    _clean(xml)
    obj = etree.fromstring(xml).find(".//cbc:EmbeddedDocumentBinaryObject", NS)
    assert obj.attrib["filename"] == "photo.pdf"


def test_no_party_identifier_is_reported() -> None:
    invoice = be_invoice(customer=Party("Jan Peeters", address=Address(country="BE")))
    report = validate(build_ubl(invoice))
    assert report.fatal_ids == {"PEPPOL-EN16931-R010"}
    assert "customer_enterprise_number" in report.fields_in_error()


# ---------------------------------------------------------------------- parse
def test_parse_address() -> None:
    assert parse_address("Kerkstraat 1, 9000 Gent") == Address("Kerkstraat 1", "Gent", "9000", None)
    assert parse_address("Rue de la Loi 16\nB-1000 Bruxelles") == Address("Rue de la Loi 16", "Bruxelles", "1000", "BE")
    assert parse_address("Main street 2, 54321 Big city, SE").country == "SE"


def _examples() -> list[Path]:
    return sorted(PEPPOL.glob("examples/valid/peppol/*/*.xml")) if PEPPOL.exists() else []


@pytest.mark.skipif(not PEPPOL.exists(), reason="../shared/peppol not present (user clone)")
def test_there_are_13_examples() -> None:
    assert len(_examples()) == 13


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_round_trip_of_official_examples(path: Path) -> None:
    extraction = parse_ubl(path.read_bytes())
    assert all(f.source is FieldSource.STRUCTURED and f.confidence == 1.0 for f in extraction.fields.values())
    values = {name: found.value for name, found in extraction.fields.items()}
    xml = build_ubl(invoice_data_from_values(values, extraction.document_type))
    report = validate(xml)
    assert report.fatal == (), [str(f) for f in report.fatal]
    again = parse_ubl(xml)
    assert again.document_type == extraction.document_type
    for name in ("invoice_number", "issue_date", "due_date", "currency", "total_excl_vat", "total_vat",
                 "total_incl_vat", "amount_due", "vat_breakdown", "supplier_vat", "customer_vat",
                 "supplier_name", "customer_name", "iban", "payment_reference", "supplier_peppol_id"):
        assert again.value(name) == extraction.value(name), name


# ------------------------------------------------------------------------ CLI
def test_cli_ubl_and_validate_ubl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fields = {
        "supplier_name": {"value": "Voorbeeld Leverancier BV"}, "supplier_vat": {"value": "BE0123456749"},
        "supplier_address": {"value": "Kerkstraat 1, 9000 Gent"},
        "customer_name": {"value": "Exemple Client SRL"}, "customer_vat": {"value": "BE0987654394"},
        "invoice_number": {"value": "F-1"}, "issue_date": {"value": "2026-11-02"}, "currency": {"value": "EUR"},
        "total_excl_vat": {"value": "100.00"}, "total_vat": {"value": "21.00"}, "total_incl_vat": {"value": "121.00"},
        "iban": {"value": "BE68539007547034"}, "payment_reference": {"value": "+++202/6000/04236+++"},
        "vat_breakdown": {"value": [{"rate": "21", "base": "100.00", "amount": "21.00", "category": None}]},
        "lines": {"value": None},
    }
    doc = {"file": "f.pdf", "document_type": "invoice", "status": "ok", "error": None, "fields": fields}
    (tmp_path / "f.json").write_text(json.dumps(doc))
    (tmp_path / "f.pdf").write_bytes(_pdf())
    out = tmp_path / "f.xml"
    assert main(["ubl", str(tmp_path / "f.json"), "--original", str(tmp_path / "f.pdf"), "-o", str(out), "--validate"]) == 0
    assert "0 fatal, 0 warnings" in capsys.readouterr().out
    plain = {k: v["value"] for k, v in fields.items()} | {"total_incl_vat": "121.01"}
    (tmp_path / "g.json").write_text(json.dumps(plain))
    assert main(["ubl", str(tmp_path / "g.json"), "-o", str(tmp_path / "g.xml"), "--validate"]) == 1
    assert "BR-CO-15" in capsys.readouterr().out
    assert main(["validate-ubl", str(out), str(tmp_path / "g.xml")]) == 1
    printed = capsys.readouterr().out
    assert f"{out}: OK" in printed and "g.xml: FAIL" in printed
