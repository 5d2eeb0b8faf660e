"""One test per general extraction rule, on small PDFs drawn here or reads built by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from models.enums import FieldSource
from pipeline.core import checks
from pipeline.core.records import Line, PageText, ReadResult, VatBreakdownLine, Word
from pipeline.extract import extract
from pipeline.extract.amounts import find_amounts, parse_number
from pipeline.extract.blocks import address_blocks
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import build_layout
from pipeline.extract.parties import _clean_name
from pipeline.extract.table import vat_breakdown
from pipeline.extract.textlayer import read_text_layer


def _pdf(items: list[tuple[float, float, str, float]], width: float = 595, height: float = 842) -> ReadResult:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    for x, y, text, size in items:
        page.insert_text((x, y), text, fontsize=size, fontname="helv")
    return read_text_layer(doc.tobytes())


def _right(x1: float, y: float, text: str, size: float = 9) -> tuple[float, float, str, float]:
    """Right-aligned text ending at ``x1`` (Helvetica width)."""
    import pymupdf

    return (x1 - pymupdf.get_text_length(text, fontname="helv", fontsize=size), y, text, size)


def _ocr(rows: list[list[tuple[float, str]]], gap_scale: float = 1.0) -> ReadResult:
    """An OCR-like read: one line per row, words at the given x (pixels), 12 px high."""
    width, height = 1000.0, 1400.0
    lines = []
    for r, row in enumerate(rows):
        y0 = 40 + 30 * r
        words = []
        for x, text in row:
            w = len(text) * 9.0
            words.append(Word(text, (x / width, y0 / height, (x + w) / width, (y0 + 12) / height), 0.95))
        lines.append(Line(" ".join(w.text for w in words), (words[0].bbox[0], y0 / height, words[-1].bbox[2], (y0 + 12) / height), 0.95, tuple(words)))
    return ReadResult((PageText(1, width, height, FieldSource.OCR, "test", tuple(lines)),))


# ------------------------------------------------------------------ parties
def _letter(with_label: bool) -> ReadResult:
    items = [
        _right(550, 50, "Brasserie Lambert SRL", 12),
        _right(550, 64, "Rue de Namur 12"),
        _right(550, 76, "5000 Namur"),
        _right(550, 88, "N° TVA BE0000.000.196"),
        _right(550, 100, "Tél. +32 81 00 00 00"),
        (60, 160, "Garage Peeters NV", 10),
        (60, 173, "Kerkstraat 5", 9),
        (60, 186, "9100 Sint-Niklaas", 9),
        (60, 199, "N° TVA BE0000000295", 9),
        (60, 260, "Facture F2026-001", 14),
        (60, 300, "Description", 9), (300, 300, "Qté", 9), (360, 300, "Prix unitaire", 9), (440, 300, "TVA %", 9), (500, 300, "Montant", 9),
        (60, 318, "Conseil", 9), (310, 318, "1", 9), (370, 318, "100,00", 9), (445, 318, "21%", 9), (500, 318, "100,00", 9),
        (330, 360, "Total HTVA", 9), (490, 360, "100,00", 9),
        (330, 374, "TVA 21%", 9), (490, 374, "21,00", 9),
        (330, 388, "Total TVAC", 9), (490, 388, "121,00", 9),
    ]
    if with_label:
        items[5:6] = [(60, 160, "Client :", 9), (120, 160, "Garage Peeters NV", 10)]
    return _pdf(items)


def test_unlabelled_letter_blocks_give_both_parties() -> None:
    ext = extract(_letter(with_label=False))
    assert ext.value("supplier_name") == "Brasserie Lambert SRL"
    assert ext.value("customer_name") == "Garage Peeters NV"
    assert ext.value("customer_vat") == "BE0000000295"
    # the sides come from layout alone: no confidence of 0.95 for the VAT numbers
    assert ext.fields["customer_vat"].confidence < 0.95


def test_customer_name_right_of_its_label() -> None:
    ext = extract(_letter(with_label=True))
    assert ext.value("customer_name") == "Garage Peeters NV"
    assert ext.value("supplier_name") == "Brasserie Lambert SRL"


def test_right_aligned_letterhead_is_one_address_block() -> None:
    blocks = address_blocks(build_layout(_letter(with_label=False)))
    assert [b.texts[0] for b in blocks] == ["Brasserie Lambert SRL", "Garage Peeters NV"]
    assert blocks[0].has_contact and not blocks[1].has_contact


def test_block_label_without_separator_is_not_an_inline_name() -> None:
    read = _pdf([
        (40, 50, "FACTURE", 14),
        (300, 80, "Adresse du Client", 9),
        (300, 92, "LE CLIENT", 9),
        (300, 104, "Buyer line 2", 9),
        (300, 116, "06000 NICE", 9),
    ])  # fmt: skip
    assert extract(read).value("customer_name") == "LE CLIENT"


def test_name_row_inside_a_party_block_joins_the_row_above() -> None:
    read = _pdf([
        (60, 100, "Verkäufer", 10),
        (60, 118, "Nummer:", 9), (200, 118, "549910", 9),
        (200, 136, "MVM Musterhafter", 9),
        (60, 148, "Name:", 9), (200, 148, "Versicherungsverein Musterstadt a.G.", 9),
        (60, 166, "Anschrift:", 9), (200, 166, "Musterstr. 12", 9),
        (60, 240, "Käufer", 10),
        (200, 258, "Herrn", 9),
        (60, 270, "Name:", 9), (200, 270, "Max Mustermann", 9),
    ])  # fmt: skip
    ext = extract(read)
    assert ext.value("supplier_name") == "MVM Musterhafter Versicherungsverein Musterstadt a.G."
    assert ext.value("customer_name") == "Herrn Max Mustermann"


def test_receipt_name_over_two_rows() -> None:
    read = _pdf([
        (100, 40, "POPULAR BOOK", 12),
        (100, 56, "CO. (M) SDN BHD", 12),
        (100, 72, "(Co. No. 113825-W)", 8),
        (100, 84, "No 8, Jalan 7/118B, Desa Tun Razak", 8),
        (100, 96, "56000 Kuala Lumpur", 8),
        (60, 160, "Total RM Incl. of GST", 9), (220, 160, "11.80", 9),
    ], width=300, height=700)  # fmt: skip
    ext = extract(read)
    assert ext.value("supplier_name") == "POPULAR BOOK CO. (M) SDN BHD"
    assert ext.value("total_incl_vat") == D("11.80")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("AEON CO. (M) BHD (126926-H)", "AEON CO. (M) BHD"), (". Nandos.", "Nandos"), ("Amazon Web Services, Inc.", "Amazon Web Services, Inc.")],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert _clean_name(raw) == clean


# ------------------------------------------------------------------- layout
def test_wide_ocr_word_gaps_stay_one_cell() -> None:
    # OCR boxes hug the ink: the space between words is wider than small words are high
    rows = [[(40, "Invoice"), (120, "number"), (400, "FAC-2026-992")]] + [
        [(40, f"Word{i}"), (105, "two"), (160, "three"), (225, "four")] for i in range(12)
    ]
    layout = build_layout(_ocr(rows))
    assert [c.text for c in layout.pages[0].rows[0].cells] == ["Invoice number", "FAC-2026-992"]


# ------------------------------------------------------------------ amounts
def test_ocr_misread_decimal_mark() -> None:
    assert parse_number("1.273.00") == (D("1273.00"), 2, False)
    assert parse_number("1.234.567")[0] == D(1234567)


def test_negative_total_keeps_its_sign() -> None:
    read = _pdf([
        (40, 50, "Rechnungskorrektur (384)", 12), (220, 50, "Nr. RK21012345", 12),
        (40, 80, "Ursprungsbeleg-Nr : R87654321012345", 9),
        (40, 200, "Rechnungssumme ohne USt.", 9), (300, 200, "-7,67", 9),
        (40, 214, "Steuerbetrag", 9), (300, 214, "-1,12", 9),
        (40, 228, "Bruttosumme", 9), (300, 228, "-8,79", 9),
    ])  # fmt: skip
    ext = extract(read)
    assert ext.value("invoice_number") == "RK21012345"
    assert (ext.value("total_excl_vat"), ext.value("total_vat"), ext.value("total_incl_vat")) == (D("-7.67"), D("-1.12"), D("-8.79"))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("total (incl gst)", "total_incl_vat"),
        ("total rm incl. of gst", "total_incl_vat"),
        ("total after ad) inci gst", "total_incl_vat"),
        ("total (excluding gst):", "total_excl_vat"),
        ("amt due", "total_incl_vat"),
        ("total includes 6% gst", "total_vat"),
        ("rounding adj", "rounding"),
        ("quoting", "payment_reference"),
        ("ursprungsbeleg-nr", "noise"),
        ("date fin", "noise"),
        ("n° client", "noise"),
        ("facture n*:", "invoice_number"),
    ],
)
def test_new_labels(text: str, field: str) -> None:
    assert [h.field for h in find_labels(text)] == [field]


def test_cash_rounding_after_the_total() -> None:
    read = _pdf([
        (40, 40, "AEON CO. (M) BHD", 12),
        (40, 114, "Total Sales Incl GST", 9), (200, 114, "42.48", 9),
        (40, 128, "Rounding Adj", 9), (200, 128, "0.02", 9),
        (40, 142, "Total After Adj Incl GST", 9), (200, 142, "42.50", 9),
        (40, 156, "CASH", 9), (200, 156, "50.00", 9),
    ], width=300, height=700)  # fmt: skip
    ext = extract(read)
    assert ext.value("total_incl_vat") == D("42.50")
    assert any(c.name == "rounding_applied" for c in ext.fields["total_incl_vat"].checks)


def test_net_equals_total_when_vat_is_zero() -> None:
    read = _pdf([
        (40, 100, "Total for this invoice", 9), (300, 100, "$4.11", 9),
        (40, 114, "Tax", 9), (300, 114, "$0.00", 9),
    ])  # fmt: skip
    assert extract(read).value("total_excl_vat") == D("4.11")


def test_rupees_currency() -> None:
    read = _pdf([(40, 100, "Room Charges", 9), (300, 100, "Rs 1939", 9), (40, 114, "Grand Total", 9), (300, 114, "Rs 1939", 9)])
    assert extract(read).value("currency") == "INR"


# --------------------------------------------------------------- breakdown
def test_unreadable_rate_is_inferred_from_base_vat_and_gross() -> None:
    read = _pdf([(40, 100, "A 218", 9), (120, 100, "24,89", 9), (180, 100, "5,23", 9), (240, 100, "30,12", 9)])
    rows = vat_breakdown(build_layout(read), ",")
    assert [(r.line.rate, r.line.base, r.line.amount) for r in rows] == [(D(21), D("24.89"), D("5.23"))]


def test_exempt_breakdown_row_with_bare_zero_rate() -> None:
    read = _pdf([(40, 100, "Umsatzsteuer ( E )", 9), (40, 114, "Umsatzsteuerbefreit nach", 9), (200, 114, "50,00", 9), (280, 114, "0", 9), (340, 114, "0,00", 9)])
    rows = vat_breakdown(build_layout(read), ",")
    assert [(r.line.rate, r.line.base, r.line.amount, r.line.category) for r in rows] == [(D(0), D("50.00"), D("0.00"), "E")]


def _receipt() -> ReadResult:
    return _pdf([
        (60, 40, "Doe-het-zelf Jacobs", 12),
        (60, 60, "Industrieweg 239", 9),
        (60, 72, "9200 Dendermonde", 9),
        (60, 84, "BTW BE0000.000.196", 9),
        (60, 110, "21-01-2025 15:07", 9), (200, 110, "Kassa 1", 9),
        (60, 122, "Ticket 5463", 9),
        (60, 150, "Potgrond 40L", 9), (220, 150, "7,91 C", 9),
        (60, 164, "Schroeven 4x40 (200)", 9),
        (60, 178, "3 × 10,04", 9), (220, 178, "30,12 A", 9),
        (60, 210, "TOTAAL", 11), (220, 210, "38,03 €", 11),
        (60, 230, "Visa", 9), (220, 230, "38,03", 9),
        (60, 260, "Btw", 9), (110, 260, "Basis", 9), (160, 260, "Btw", 9), (220, 260, "Totaal", 9),
        (60, 274, "A 21%", 9), (110, 274, "24,89", 9), (160, 274, "5,23", 9), (220, 274, "30,12", 9),
        (60, 288, "C 6%", 9), (110, 288, "7,46", 9), (160, 288, "0,45", 9), (220, 288, "7,91", 9),
        (60, 320, "Bedankt en tot ziens!", 9),
    ], width=300, height=700)  # fmt: skip


def test_receipt_totals_from_a_multi_rate_summary() -> None:
    ext = extract(_receipt())
    assert str(ext.document_type) == "receipt"
    assert ext.value("total_incl_vat") == D("38.03")
    assert ext.value("total_excl_vat") == D("32.35")  # not printed: the sum of the bases
    assert ext.value("total_vat") == D("5.68")


def test_receipt_lines_above_the_total() -> None:
    lines = extract(_receipt()).value("lines")
    assert [(ln.description, ln.quantity, ln.net_amount, ln.vat_rate) for ln in lines] == [
        ("Potgrond 40L", D(1), D("7.91"), D(6)),
        ("Schroeven 4x40 (200)", D(3), D("30.12"), D(21)),
    ]


# -------------------------------------------------------------------- lines
def test_header_over_several_rows_and_far_apart_lines() -> None:
    items = [
        (420, 100, "Positions-", 8),
        (40, 110, "Pos", 8), (70, 110, "Beschreibung", 8), (250, 110, "Nettopreis", 8), (320, 110, "Menge", 8), (380, 110, "USt.", 8), (420, 110, "betrag", 8),
        (40, 130, "1", 9), (70, 130, "Zitronensäure 100ml", 9), (250, 130, "1,0000", 9), (320, 130, "100 Stk", 9), (380, 130, "19 %", 9), (420, 130, "100,00", 9),
        (70, 142, "4123456000014", 8),
        (40, 230, "2", 9), (70, 230, "Gelierzucker Extra 250g", 9), (250, 230, "1,4500", 9), (320, 230, "50 Stk", 9), (380, 230, "7 %", 9), (420, 230, "72,50", 9),
        (70, 250, "Abschlag", 9), (380, 250, "19 %", 9), (420, 250, "-5,60", 9),
        (40, 300, "Rechnungssumme ohne USt.", 9), (420, 300, "172,50", 9),
    ]  # fmt: skip
    lines = extract(_pdf(items)).value("lines")
    assert [ln.net_amount for ln in lines] == [D("100.00"), D("72.50")]


# -------------------------------------------------------------- calibration
def _labelled_invoice() -> ReadResult:
    return _pdf([
        (40, 50, "Bakkerij De Gouden Aar BV", 14),
        (40, 66, "Kerkstraat 12", 9), (40, 78, "9000 Gent", 9), (40, 90, "BTW BE 0000.000.196", 9),
        (330, 140, "Klant", 9), (330, 152, "Jansen Consultancy BV", 10), (330, 164, "Stationsplein 3", 9),
        (330, 176, "2000 Antwerpen", 9), (330, 188, "BTW BE0000000295", 9),
        (40, 140, "Factuurnummer:", 9), (130, 140, "2026/0042", 9),
        (40, 260, "Tarief", 9), (100, 260, "Basis", 9), (160, 260, "Btw", 9),
        (40, 274, "21%", 9), (100, 274, "200,00", 9), (160, 274, "42,00", 9),
        (40, 288, "6%", 9), (100, 288, "35,00", 9), (160, 288, "2,10", 9),
        (330, 360, "Totaal excl. btw", 9), (490, 360, "235,00", 9),
        (330, 374, "Totaal btw", 9), (490, 374, "44,10", 9),
        (330, 388, "Totaal incl. btw", 9), (490, 388, "279,10", 9),
        (40, 440, f"Gestructureerde mededeling: {checks.make_ogm(2026000123)}", 9),
    ])  # fmt: skip


def test_checked_fields_reach_high_confidence() -> None:
    ext = extract(_labelled_invoice())
    for name in ("supplier_vat", "customer_vat", "vat_breakdown", "total_incl_vat", "payment_reference"):
        assert ext.fields[name].confidence >= 0.95, (name, ext.fields[name])
    assert ext.value("supplier_vat") == "BE0000000196"
    assert ext.value("customer_vat") == "BE0000000295"
    assert any(c.name == "breakdown_gross_sum" and c.ok for c in ext.fields["total_incl_vat"].checks)


def test_breakdown_confirmed_only_by_its_own_sums_stays_below_095() -> None:
    ext = extract(_receipt())
    assert ext.fields["vat_breakdown"].confidence < 0.95
    assert ext.fields["total_excl_vat"].confidence < 0.95


def test_amounts_in_text() -> None:
    assert [a.value for a in find_amounts("Bruttosumme   -8,79", ",")] == [D("-8.79")]


# ------------------------------------------------------------ later rules
def test_wrapped_amount_joins_its_line() -> None:
    items = [
        (40, 100, "Pos", 8), (70, 100, "Beschreibung", 8), (260, 100, "Nettopreis", 8), (330, 100, "Menge", 8), (380, 100, "Steuersatz", 8), (450, 100, "Nettobetrag", 8),
        (40, 120, "1", 9), (70, 120, "Kfz-Haftpflicht SF25", 9), (260, 120, "67,2244", 9), (330, 120, "1", 9), (380, 120, "0 %", 9),
        (70, 131, "Regio R9", 9), (450, 131, "80,00", 9),
        (40, 150, "2", 9), (70, 150, "Vollkasko SF25", 9), (260, 150, "117,6471", 9), (330, 150, "1", 9), (380, 150, "0 %", 9),
        (70, 161, "Regio R4", 9), (450, 161, "140,00", 9),
    ]  # fmt: skip
    lines = extract(_pdf(items)).value("lines")
    assert [ln.net_amount for ln in lines] == [D("80.00"), D("140.00")]


def test_ocr_space_after_the_decimal_mark() -> None:
    assert [a.value for a in find_amounts("1204, 56", ",")] == [D("1204.56")]
    assert [a.value for a in find_amounts("3, 4, 5", ",")] == [D(3), D(4), D(5)]


def test_ocr_percent_read_as_eight() -> None:
    read = _pdf([(40, 100, "68", 9), (120, 100, "3.907,80", 9), (200, 100, "234,47", 9)])
    rows = vat_breakdown(build_layout(read), ",")
    assert [(r.line.rate, r.line.base) for r in rows] == [(D(6), D("3907.80"))]


def test_due_date_equal_to_issue_date_is_kept() -> None:
    read = _pdf([
        (40, 100, "Numéro de facture", 8), (160, 100, "Date de facture", 8), (280, 100, "Date d'échéance", 8),
        (40, 114, "VF25-0458", 9), (160, 114, "08/04/2025", 9), (280, 114, "08/04/2025", 9),
    ])  # fmt: skip
    ext = extract(read)
    assert str(ext.value("due_date")) == "2025-04-08" == str(ext.value("issue_date"))


def test_label_and_value_agreement_lifts_dates_and_numbers() -> None:
    ext = extract(_pdf([(40, 100, "Factuurnummer:", 9), (140, 100, "2026/0042", 9), (40, 114, "Factuurdatum:", 9), (140, 114, "15/03/2026", 9)]))
    for name in ("invoice_number", "issue_date"):
        assert any(c.name == "label_value_agree" for c in ext.fields[name].checks), name
        assert ext.fields[name].confidence >= 0.95
    # an ambiguous date (day and month both ≤ 12) does not agree
    ext = extract(_pdf([(40, 114, "Factuurdatum:", 9), (140, 114, "03/04/2026", 9)]))
    assert ext.fields["issue_date"].confidence < 0.95
    # something printed after the number: it may be part of it
    ext = extract(_pdf([(40, 100, "Factuurnummer:", 9), (140, 100, "018304 /28865", 9)]))
    assert ext.fields["invoice_number"].confidence < 0.95


def test_receipt_date_followed_by_a_time_wins() -> None:
    read = _pdf([
        (40, 40, "MR. D.I.Y. SDN BHD", 10),
        (40, 60, "MC22-32 - 10/12/30", 8),
        (40, 200, "24-01-16 11:44 SH01 B003", 8),
        (40, 120, "TOTAL", 9), (200, 120, "13.30", 9),
    ], width=300, height=700)  # fmt: skip
    assert str(extract(read).value("issue_date")) == "2016-01-24"


def test_owned_by_names_the_legal_supplier() -> None:
    read = _pdf([
        (60, 40, "Banh Mi Cafe", 12),
        (60, 56, "Dimiliki: Banh Mi Cafe Sdn Bhd 1110644-W", 8),
        (60, 68, "No. 1 Jalan Puteri 7/10", 8),
        (60, 80, "47100 Puchong", 8),
    ], width=300, height=700)  # fmt: skip
    assert extract(read).value("supplier_name") == "Banh Mi Cafe Sdn Bhd"


def test_footer_name_before_separators() -> None:
    read = _pdf([(40, 60, "FACTUUR", 14), (40, 800, "Willems & Van Acker CommV · IBAN BE02 9732 6738 1140 · BIC ARSPBE22", 8)])
    assert extract(read).value("supplier_name") == "Willems & Van Acker CommV"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("factuur aan", "customer_block"),
        ("t.a.v.", "customer_block"),
        ("bedrag incl. btw", "total_incl_vat"),
        ("montant total", "total_incl_vat"),
        ("reeds betaald", "noise"),
        ("kredietnota nr.", "invoice_number"),
        ("owned by :", "supplier_block"),
    ],
)
def test_belgian_label_variants(text: str, field: str) -> None:
    assert [h.field for h in find_labels(text)] == [field]


def test_two_ocr_readings_of_one_word_are_merged() -> None:
    rows = [[(40, "Schoolstraat"), (600, "Ver"), (615, "ervaldatum"), (780, "31/05/2025")], [(40, "9300"), (90, "Aalst")]]
    read = _ocr(rows)
    # a stray fragment lying over the date, read by the second engine
    page = read.pages[0]
    line = page.lines[0]
    stray = Word("3", (781 / 1000, line.bbox[1], 788 / 1000, line.bbox[3]), 0.9)
    read = ReadResult((PageText(1, page.width, page.height, page.source, page.engine, (Line(line.text, line.bbox, 0.9, (*line.words, stray)), page.lines[1])),))
    cells = [c.text for c in build_layout(read).pages[0].rows[0].cells]
    assert cells == ["Schoolstraat", "Vervaldatum", "31/05/2025"]


def test_damaged_labels_match_fuzzily_but_only_alone() -> None:
    assert [(h.field, h.strength) for h in find_labels("ervaldatum")] == [("due_date", 0.85)]
    assert [h.field for h in find_labels("date d'echeanc")] == ["due_date"]
    assert find_labels("vervalst product") == []


def test_lone_digit_in_a_header_row_is_a_column_rule() -> None:
    items = [
        (40, 100, "Omschrijving", 8), (250, 100, "Aantal 1 Eenheidsprijs", 8), (380, 100, "Btw %", 8), (450, 100, "Bedrag", 8),
        (40, 118, "Schilderwerken binnen", 9), (250, 118, "2,25 m2", 9), (330, 118, "22,17", 9), (380, 118, "6%", 9), (450, 118, "49,88", 9),
    ]  # fmt: skip
    assert [ln.net_amount for ln in extract(_pdf(items)).value("lines")] == [D("49.88")]


def test_logo_word_above_the_full_name() -> None:
    read = _pdf([
        (40, 30, "Akretion", 20),
        (40, 60, "Akretion France", 10),
        (40, 72, "27 rue Henri Rolland", 9),
        (40, 84, "69100 Villeurbanne", 9),
    ])  # fmt: skip
    assert extract(read).value("supplier_name") == "Akretion France"
    assert _clean_name("Salescompany Itd.") == "Salescompany ltd."


def test_direct_debit_account_is_not_a_confident_payee_iban() -> None:
    read = _pdf([(40, 100, "Domiciliëring op uw rekening IBAN BE91 0000 0014 3476", 9)])
    field = extract(read).fields["iban"]
    assert field.confidence < 0.5


def test_zero_rate_single_breakdown_with_its_category() -> None:
    read = _pdf([
        (330, 280, "Subtotal", 9), (500, 280, "1.300,00", 9),
        (330, 294, "VAT 0% (intra-community supply)", 9), (500, 294, "0,00", 9),
        (330, 308, "Total", 9), (500, 308, "1.300,00", 9),
    ])  # fmt: skip
    rows = extract(read).value("vat_breakdown")
    assert [(r.rate, r.base, r.amount, r.category) for r in rows] == [(D(0), D("1300.00"), D("0.00"), "K")]


def test_consistent_currency_marks_lift_the_currency() -> None:
    items = [(40, 100 + 14 * i, f"Item {i}   EUR {10 + i},00", 9) for i in range(3)]
    field = extract(_pdf(items)).fields["currency"]
    assert field.value == "EUR" and field.confidence >= 0.95
    mixed = extract(_pdf([(40, 100, "EUR 10,00", 9), (40, 114, "USD 12,00", 9), (40, 128, "EUR 3,00", 9)])).fields["currency"]
    assert mixed.confidence < 0.95


# ------------------------------------------------- dates and numbers, corroborated
def test_day_first_document_settles_an_ambiguous_date() -> None:
    # Dutch labels and decimal-comma amounts: 03/04/2026 is 3 April, no doubt left
    items = [
        (40, 100, "Factuurnummer:", 9), (140, 100, "2026/0042", 9), (40, 114, "Factuurdatum:", 9), (140, 114, "03/04/2026", 9),
        (330, 300, "Totaal excl. btw", 9), (490, 300, "100,00", 9), (330, 314, "Totaal btw", 9), (490, 314, "21,00", 9),
    ]  # fmt: skip
    field = extract(_pdf(items)).fields["issue_date"]
    assert str(field.value) == "2026-04-03" and field.confidence >= 0.966
    assert {"day_first", "label_value_agree"} <= {c.name for c in field.checks}
    # a date elsewhere that can only be month-first unsettles it
    field = extract(_pdf([*items, (40, 400, "Delivered 12/31/2025", 9)])).fields["issue_date"]
    assert field.confidence < 0.95 and not any(c.name == "day_first" for c in field.checks)


def test_english_document_without_a_decimal_comma_keeps_the_doubt() -> None:
    items = [(40, 114, "Invoice date:", 9), (140, 114, "03/04/2026", 9), (330, 300, "Total", 9), (490, 300, "100.00", 9)]
    field = extract(_pdf(items)).fields["issue_date"]
    assert field.confidence < 0.95 and not any(c.name == "day_first" for c in field.checks)


def _header_row_invoice(terms: str) -> ReadResult:
    return _pdf([
        (40, 50, "Noordzee Trading BV", 12),
        (40, 100, "Invoice number", 8), (160, 100, "Invoice date", 8), (280, 100, "Due date", 8),
        (40, 114, "2501433", 9), (160, 114, "2025-05-24", 9), (280, 114, "2025-06-23", 9),
        (330, 300, "Total excl. VAT", 9), (490, 300, "100.00", 9),
        (40, 400, terms, 9),
    ])  # fmt: skip


def test_value_under_its_column_head_agrees_with_the_label() -> None:
    ext = extract(_header_row_invoice("Thank you for your business"))
    for name in ("invoice_number", "issue_date", "due_date"):
        field = ext.fields[name]
        assert any(c.name == "label_value_agree" and "column head" in c.message for c in field.checks), name
        assert field.confidence >= 0.966, (name, field.confidence)
    assert ext.value("invoice_number") == "2501433" and str(ext.value("issue_date")) == "2025-05-24"


def test_value_under_two_heads_is_no_column_pairing() -> None:
    # the value straddles two header cells: which label it belongs to is not clear
    ext = extract(_pdf([
        (40, 100, "Invoice number", 8), (112, 100, "Invoice date", 8),
        (85, 114, "2025-05-24", 9),
    ]))  # fmt: skip
    field = ext.fields.get("issue_date")
    assert field is None or not any(c.name == "label_value_agree" for c in field.checks)


def test_issue_due_and_payment_terms_agree() -> None:
    ext = extract(_header_row_invoice("Payment terms: 30 days from invoice date"))
    for name in ("issue_date", "due_date"):
        assert any(c.name == "dates_terms_agree" and c.ok for c in ext.fields[name].checks), name
        assert ext.fields[name].confidence >= 0.98
    # terms that do not match the two dates add nothing (and fail nothing)
    ext = extract(_header_row_invoice("Payment terms: 14 days from invoice date"))
    assert not any(c.name == "dates_terms_agree" for c in ext.fields["issue_date"].checks)
    assert all(c.ok for c in ext.fields["issue_date"].checks)


@pytest.mark.parametrize(("text", "days"), [
    ("Betalingsvoorwaarden: 30 dagen na factuurdatum", {30}),
    ("Conditions de paiement: 14 jours date de facture", {14}),
    ("Zahlbar innerhalb 21 Tagen ohne Abzug", {21}),
    ("Payment terms: Net 45", {45}),
    ("Levering binnen 5 dagen", set()),  # no payment word: not a term
])  # fmt: skip
def test_payment_terms(text: str, days: set[int]) -> None:
    from pipeline.extract.basics import payment_terms

    assert payment_terms(build_layout(_pdf([(40, 100, text, 9)]))) == days


def test_invoice_number_repeated_in_the_payment_communication() -> None:
    base = [(40, 100, "Factuurnummer:", 9), (140, 100, "F2025-00237", 9)]
    alone = extract(_pdf(base)).fields["invoice_number"]
    again = extract(_pdf([*base, (40, 300, "Mededeling: F2025-00237", 9)])).fields["invoice_number"]
    assert any(c.name == "number_repeated" for c in again.checks)
    assert again.confidence > alone.confidence and again.confidence >= 0.98


def test_title_number_needs_its_repetition() -> None:
    title = [(40, 100, "Facture INV-2025-1160", 12)]
    assert extract(_pdf(title)).fields["invoice_number"].confidence < 0.9
    field = extract(_pdf([*title, (40, 300, "avec la communication INV-2025-1160.", 9)])).fields["invoice_number"]
    assert field.value == "INV-2025-1160" and field.confidence >= 0.966
    assert any(c.name == "number_repeated" for c in field.checks)


def test_number_repeated_only_as_another_documents_reference_does_not_count() -> None:
    items = [
        (40, 100, "Factuurnummer:", 9), (140, 100, "F2025-00237", 9),
        (40, 300, "Creditnota voor factuur F2025-00237", 9),
        (40, 320, "Klantnummer: F2025-00237", 9),
    ]  # fmt: skip
    field = extract(_pdf(items)).fields["invoice_number"]
    assert not any(c.name == "number_repeated" for c in field.checks)


def test_place_and_date_of_a_letter_name_the_issue_date() -> None:
    assert [h.field for h in find_labels("gent, 19 juni 2025")] == ["issue_date"]
    assert [h.field for h in find_labels("bruxelles, le 03/04/2026")] == ["issue_date"]
    assert find_labels("rue de namur, 12") == []


def test_specks_read_before_a_party_name_are_shed() -> None:
    assert _clean_name("‚Amazon Web Services, Inc.") == "Amazon Web Services, Inc."  # a low quote mark
    assert _clean_name("| Garage Peeters BV") == "Garage Peeters BV"
    assert _clean_name("\u201cBakkerij Jan") == "Bakkerij Jan"  # an opening quote that never closes
    assert _clean_name("'t Hoekske") == "'t Hoekske"  # a Dutch name keeps its apostrophe
    assert _clean_name('"De Kroon" bvba') == '"De Kroon" bvba'


def test_a_reference_shaped_like_a_damaged_structured_communication_fails_its_check() -> None:
    from pipeline.extract.basics import damaged_ogm

    for damaged in ("097/8599/31", "+++288/5941 41/44261 61+++", "***520/3672/81***"):
        found = damaged_ogm(damaged)
        assert found and not found[0].ok, damaged
    assert damaged_ogm("+++090/9337/55493+++")[0].ok  # whole and right
    assert damaged_ogm("Klant 4471 factuur 2026/0042") == []  # free text: no structured-communication check


def test_bank_details_beside_the_reference_label_are_no_reference() -> None:
    def reference(text: str) -> object:
        found = extract(_pdf([(40, 60, "Factuur F2026-0042", 11), (40, 100, "Mededeling", 9),
                              (200, 100, text, 9)])).fields  # the label's cell, and the next one
        return found["payment_reference"].value if "payment_reference" in found else None

    assert reference("5158 BIC GEBABEBB") is None  # what OCR left of a reference line, then the bank's BIC
    assert reference("Klant 4471 factuur 2026/0042") == "Klant 4471 factuur 2026/0042"  # free text stays


def _amount(field: str, value: str, score: float):  # type: ignore[no-untyped-def]
    from pipeline.extract.scoring import Cand

    return Cand(field, D(value), score)


def test_a_breakdown_of_several_rates_outweighs_one_rates_row_that_adds_up() -> None:
    """A table whose first row (one rate: net 321.40, VAT 61.07, 382.47) sits under the
    column labels and whose unlabelled last row holds the invoice's totals: the row of one
    rate adds up too, but only the sums of the two rates agree with the breakdown."""
    from pipeline.extract.totals import choose

    breakdown = [VatBreakdownLine(D(19), D("321.40"), D("61.07"), "S"),
                 VatBreakdownLine(D(7), D("127.59"), D("8.93"), "S")]
    cands = {
        "total_excl_vat": [_amount("total_excl_vat", "321.40", 0.97), _amount("total_excl_vat", "448.99", 0.01)],
        "total_vat": [_amount("total_vat", "61.07", 0.95), _amount("total_vat", "70.00", 0.01)],
        "total_incl_vat": [_amount("total_incl_vat", "382.47", 0.99), _amount("total_incl_vat", "518.99", 0.26)],
    }
    chosen = choose(cands, breakdown, {}, [])
    assert [chosen[f].value for f in ("total_excl_vat", "total_vat", "total_incl_vat")] == [
        D("448.99"), D("70.00"), D("518.99")]

    # the invoice's totals not among the candidates: one rate's row is all there is, in doubt
    only_row = {f: [c for c in pool if c.score > 0.5] for f, pool in cands.items()}
    chosen = choose(only_row, breakdown, {}, [])
    assert chosen["total_incl_vat"].value == D("382.47")
    failed = [x.name for x in chosen["total_incl_vat"].checks if not x.ok]
    assert failed == ["breakdown_gross_sum"]


def test_a_payment_reference_one_character_off_the_invoice_number_is_doubted() -> None:
    """OCR read the reference "INV-2025-0069" as "INV-2025-0 0069" where the number beside
    its label reads right: the reference is doubted in words, the vouched number stands."""
    from pipeline.core.records import Check, ExtractedField
    from pipeline.extract.core import _reference_near_number

    def field(name: str, value: str, *found: Check) -> ExtractedField:
        return ExtractedField(name, value, 0.99, FieldSource.OCR, 1, None, found)

    label = Check("label_value_agree", True, "INV-2025-0069 stands alone")
    fields = {"invoice_number": field("invoice_number", "INV-2025-0069", label),
              "payment_reference": field("payment_reference", "INV-2025-0 0069")}
    _reference_near_number(fields)
    reference = fields["payment_reference"]
    assert reference.confidence <= 0.5 and [c.name for c in reference.checks if not c.ok] == [
        "reference_matches_number"]
    assert "almost the invoice number INV-2025-0069" in reference.checks[-1].message
    assert fields["invoice_number"].confidence == 0.99 and fields["invoice_number"].checks == (label,)

    # the same text, or a reference of its own: nothing to say
    for other in ("INV 2025 0069", "INV-2025-0071-B", "+++090/9337/55493+++"):
        fields = {"invoice_number": field("invoice_number", "INV-2025-0069"),
                  "payment_reference": field("payment_reference", other)}
        _reference_near_number(fields)
        assert all(f.confidence == 0.99 for f in fields.values()), other

    # neither vouched for: both in doubt
    fields = {"invoice_number": field("invoice_number", "F2025117"),
              "payment_reference": field("payment_reference", "F2025177")}
    _reference_near_number(fields)
    assert all(f.confidence <= 0.5 for f in fields.values())


def _till_slip_askew(slope: float) -> ReadResult:
    """A till slip photographed askew: short lines, each word's box lower the further
    right it is printed (``slope``: dy/dx in pixels), a label left and its amount right."""
    width, height = 810.0, 1327.0

    def word(text: str, x0: float, x1: float, y: float) -> Word:
        dy = slope * (x0 + x1) / 2 * width / height
        return Word(text, (x0, y + dy, x1, y + dy + 0.015), 0.95)

    rows = [
        [("Schoolstraat", 0.41, 0.59), ("18", 0.61, 0.63)],
        [("2300", 0.43, 0.48), ("Turnhout", 0.50, 0.62)],
        [("BTW", 0.39, 0.43), ("BE0209.740.922", 0.45, 0.65)],
        [("Ticket", 0.19, 0.27), ("6177", 0.29, 0.35)],
        [("TOTAAL", 0.16, 0.32)],
        [("61,55", 0.68, 0.81)],
    ]
    ys = [0.13, 0.15, 0.17, 0.22, 0.40, 0.40]
    lines = tuple(
        Line(" ".join(t for t, _, _ in ws), (ws[0][1], y, ws[-1][2], y + 0.05), 0.95,
             tuple(word(t, a, b, y) for t, a, b in ws))
        for ws, y in zip(rows, ys)
    )
    return ReadResult((PageText(1, width, height, FieldSource.OCR, "ppocr", lines),))


def test_a_till_slip_photographed_askew_keeps_a_label_and_its_amount_on_one_row() -> None:
    """Its lines are short (no line spans a sixth of the slip), so the skew is measured on
    shorter ones: "TOTAAL" and "61,55", 27 px apart at the amount, are one row again."""
    straight = [row.text for row in build_layout(_till_slip_askew(0.0)).rows()]
    askew = [row.text for row in build_layout(_till_slip_askew(0.07)).rows()]
    assert "TOTAAL 61,55" in " | ".join(straight).replace("  ", " ")
    assert "TOTAAL 61,55" in " | ".join(askew).replace("  ", " "), askew
