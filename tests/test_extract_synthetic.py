"""Extraction on Belgian layouts drawn here with PyMuPDF (text layer only, fast)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from models.enums import DocumentType, FieldSource
from pipeline.core import checks
from pipeline.core.records import ReadResult
from pipeline.extract import extract
from pipeline.extract.textlayer import read_text_layer


def _pdf(pages: list[list[tuple[float, float, str, float]]]) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for items in pages:
        page = doc.new_page(width=595, height=842)
        for x, y, text, size in items:
            page.insert_text((x, y), text, fontsize=size, fontname="helv")
    return doc.tobytes()


OGM = checks.make_ogm(2026000123)


def _nl_invoice(number: str = "2026/0042") -> list[tuple[float, float, str, float]]:
    return [
        (40, 60, "Bakkerij De Gouden Aar BV", 16),
        (40, 78, "Kerkstraat 12", 9),
        (40, 90, "9000 Gent", 9),
        (40, 102, "BTW BE 0000.000.196", 9),
        (40, 114, "RPR Gent - Ondernemingsnummer 0000.000.196", 9),
        (330, 150, "Klant", 9),
        (330, 162, "Jansen Consultancy BV", 10),
        (330, 174, "Stationsplein 3", 9),
        (330, 186, "2000 Antwerpen", 9),
        (330, 198, "BTW BE0000000295", 9),
        (40, 150, "FACTUUR", 14),
        (40, 175, "Factuurnummer:", 9),
        (130, 175, number, 9),
        (40, 188, "Factuurdatum:", 9),
        (130, 188, "3 maart 2026", 9),
        (40, 201, "Vervaldag:", 9),
        (130, 201, "02/04/2026", 9),
        (40, 260, "Omschrijving", 9),
        (300, 260, "Aantal", 9),
        (360, 260, "Eenheidsprijs", 9),
        (440, 260, "BTW %", 9),
        (500, 260, "Bedrag", 9),
        (40, 278, "Brood volkoren", 9),
        (310, 278, "10", 9),
        (370, 278, "3,50", 9),
        (445, 278, "6%", 9),
        (500, 278, "35,00", 9),
        (40, 292, "Catering service", 9),
        (310, 292, "1", 9),
        (370, 292, "200,00", 9),
        (445, 292, "21%", 9),
        (500, 292, "200,00", 9),
        (330, 360, "Totaal excl. btw", 9),
        (490, 360, "235,00 EUR", 9),
        (40, 374, "BTW 6% over 35,00", 9),
        (200, 374, "2,10", 9),
        (40, 388, "BTW 21% over 200,00", 9),
        (200, 388, "42,00", 9),
        (330, 374, "Totaal btw", 9),
        (490, 374, "44,10 EUR", 9),
        (330, 388, "Te betalen", 9),
        (490, 388, "279,10 EUR", 9),
        (40, 440, "IBAN BE91 0000 0014 3476 BIC GKCCBEBB", 9),
        (40, 454, f"Mededeling: {OGM}", 9),
    ]


def test_dutch_belgian_invoice() -> None:
    ext = extract(read_text_layer(_pdf([_nl_invoice()])))
    v = ext.value
    assert ext.document_type == DocumentType.INVOICE
    assert v("invoice_number") == "2026/0042"
    assert v("issue_date") == date(2026, 3, 3)
    assert v("due_date") == date(2026, 4, 2)
    assert v("supplier_name") == "Bakkerij De Gouden Aar BV"
    assert v("supplier_vat") == "BE0000000196"
    assert v("customer_vat") == "BE0000000295"
    assert v("customer_name") == "Jansen Consultancy BV"
    assert v("supplier_enterprise_number") == "0000000196"
    assert v("iban") == "BE91000000143476"
    assert v("bic") == "GKCCBEBB"
    assert v("payment_reference") == OGM
    assert (v("total_excl_vat"), v("total_vat"), v("total_incl_vat")) == (D("235.00"), D("44.10"), D("279.10"))
    assert v("currency") == "EUR"
    rates = {(b.rate, b.base, b.amount) for b in v("vat_breakdown")}
    assert rates == {(D(6), D("35.00"), D("2.10")), (D(21), D("200.00"), D("42.00"))}
    lines = v("lines")
    assert [ln.net_amount for ln in lines] == [D("35.00"), D("200.00")]
    assert lines[0].quantity == D(10) and lines[0].unit_price == D("3.50")
    # checks back the confidences, boxes and pages point at the words
    total = ext.fields["total_incl_vat"]
    assert total.confidence >= 0.9 and any(c.name == "totals_add_up" and c.ok for c in total.checks)
    assert ext.fields["iban"].checks[0].ok
    assert total.page == 1 and total.source == FieldSource.TEXT_LAYER
    x0, y0, x1, y1 = total.bbox
    assert 0.8 < x0 < x1 <= 1 and 0.4 < y0 < y1 < 0.5


def test_failing_checksum_lowers_confidence() -> None:
    items = [i if "IBAN" not in i[2] else (40, 440, "IBAN BE91 0000 0014 3477", 9) for i in _nl_invoice()]
    ext = extract(read_text_layer(_pdf([items])))
    iban = ext.fields["iban"]
    assert iban.value == "BE91000000143477"
    assert iban.confidence <= 0.5 and not iban.checks[0].ok


def test_french_belgian_invoice() -> None:
    ogm = checks.make_ogm(555)
    items = [
        (40, 60, "Boulangerie du Parc SRL", 16),
        (40, 78, "Rue Haute 5, 1000 Bruxelles", 9),
        (40, 90, "N° TVA BE 0000.000.295", 9),
        (330, 140, "Client :", 9),
        (330, 152, "Dupont & Fils SA", 10),
        (330, 164, "Avenue Louise 10, 1050 Ixelles", 9),
        (40, 140, "Facture", 14),
        (40, 165, "N° de facture : F-2026-17", 9),
        (40, 178, "Date de facture : 15 janvier 2026", 9),
        (40, 191, "Échéance : 14.02.2026", 9),
        (330, 330, "Total HTVA", 9),
        (480, 330, "1.000,00 €", 9),
        (330, 344, "TVA 21%", 9),
        (480, 344, "210,00 €", 9),
        (330, 358, "Total TVAC", 9),
        (480, 358, "1.210,00 €", 9),
        (40, 420, f"Communication structurée : {ogm}", 9),
        (40, 432, "IBAN : BE91 0000 0014 3476", 9),
    ]
    ext = extract(read_text_layer(_pdf([items])))
    v = ext.value
    assert v("invoice_number") == "F-2026-17"
    assert v("issue_date") == date(2026, 1, 15)
    assert v("due_date") == date(2026, 2, 14)
    assert v("supplier_name") == "Boulangerie du Parc SRL"
    assert v("supplier_vat") == "BE0000000295"
    assert v("customer_name") == "Dupont & Fils SA"
    assert (v("total_excl_vat"), v("total_vat"), v("total_incl_vat")) == (D("1000.00"), D("210.00"), D("1210.00"))
    assert [(b.rate, b.base, b.amount) for b in v("vat_breakdown")] == [(D(21), D("1000.00"), D("210.00"))]
    assert v("payment_reference") == ogm
    assert v("currency") == "EUR"


def test_credit_note_and_known_party() -> None:
    items = [(40, 40, "CREDITNOTA", 14)] + [i for i in _nl_invoice() if i[2] != "FACTUUR"]
    # our own client's VAT number decides which side is the customer
    ext = extract(read_text_layer(_pdf([items])), known_parties=["BE0000000196"])
    assert ext.document_type == DocumentType.CREDIT_NOTE
    assert ext.value("customer_vat") == "BE0000000196"
    assert ext.value("supplier_vat") == "BE0000000295"


def test_two_invoices_in_one_pdf() -> None:
    ext = extract(read_text_layer(_pdf([_nl_invoice("2026/0042"), _nl_invoice("2026/0043")])))
    assert ext.invoice_page_ranges == ((1, 1), (2, 2))
    assert ext.value("invoice_number") == "2026/0042"


def test_empty_read_gives_no_fields_but_no_crash() -> None:
    ext = extract(ReadResult(()))
    assert ext.value("invoice_number") is None
    assert ext.value("total_incl_vat") is None


@pytest.mark.parametrize("amount", ["279,10 EUR"])
def test_default_currency_is_low_confidence(amount: str) -> None:
    items = [(40, 60, "Winkel Peeters", 14), (40, 100, "Totaal", 9), (200, 100, amount.replace(" EUR", ""), 9)]
    ext = extract(read_text_layer(_pdf([items])))
    assert ext.value("total_incl_vat") == D("279.10")
    cur = ext.fields["currency"]
    assert cur.value == "EUR" and cur.confidence <= 0.5
