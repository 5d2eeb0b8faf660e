"""Issue dates printed without a label: a letter's dateline and a till's timestamp are
vouched for by a check, and only when the facts around them hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from pipeline.core.records import Check, Line, ReadResult, Word
from pipeline.extract import extract
from pipeline.extract.issuedate import DATELINE, SALE_TIMESTAMP, TITLE_DATE
from pipeline.extract.textlayer import read_text_layer


def _pdf(items: list[tuple[float, float, str, float]], width: float = 595, height: float = 842) -> ReadResult:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    for x, y, text, size in items:
        page.insert_text((x, y), text, fontsize=size, fontname="helv")
    return read_text_layer(doc.tobytes())


def _letter(dateline: str) -> ReadResult:
    return _pdf([
        (60, 50, "Boekhandel Claes NV", 13),
        (60, 64, "Antwerpsesteenweg 131", 9),
        (60, 76, "8400 Oostende", 9),
        (60, 88, "Btw-nr. BE 0000.000.196", 9),
        (330, 140, "Garage Peeters BV", 10),
        (330, 153, "Kerkstraat 5", 9),
        (330, 166, "9100 Sint-Niklaas", 9),
        (60, 220, dateline, 10),
        (60, 240, "Factuur VF25-1380", 13),
        (60, 256, "Vervaldatum: 4 oktober 2025", 9),
        (60, 300, "Omschrijving", 9), (300, 300, "Aantal", 9), (420, 300, "Btw %", 9), (500, 300, "Bedrag", 9),
        (60, 316, "Broodjeslunch", 9), (310, 316, "4", 9), (425, 316, "6%", 9), (500, 316, "35,08", 9),
        (330, 360, "Totaal excl. btw", 9), (490, 360, "35,08", 9),
        (330, 374, "Totaal btw", 9), (490, 374, "2,10", 9),
        (330, 388, "Totaal incl. btw", 9), (490, 388, "37,18", 9),
    ])  # fmt: skip


def _names(ext, field: str) -> set[str]:
    return {c.name for c in ext.fields[field].checks if c.ok}


def test_a_letters_dateline_at_the_suppliers_town_is_vouched_for() -> None:
    ext = extract(_letter("Oostende, 4 september 2025"))
    assert ext.value("issue_date") == date(2025, 9, 4)
    assert DATELINE in _names(ext, "issue_date")
    # a proving check lifts it past the unchecked ceiling (0.88)
    assert ext.fields["issue_date"].confidence > 0.88


def test_an_issue_date_years_before_its_due_date_is_doubted_as_the_due_date_is() -> None:
    """OCR read 2020 for 2025: the due date is then five years on; either date may be the
    misread one, so neither is left certain."""
    ext = extract(_letter("Oostende, 4 september 2020"))
    assert ext.value("issue_date") == date(2020, 9, 4)
    for name in ("issue_date", "due_date"):
        failed = [c.name for c in ext.fields[name].checks if not c.ok]
        assert failed == ["due_after_issue"], name
        assert ext.fields[name].confidence <= 0.5


def test_a_place_that_is_no_address_on_the_page_is_no_dateline() -> None:
    ext = extract(_letter("Brugge, 4 september 2025"))
    assert DATELINE not in _names(ext, "issue_date")


def test_a_sentence_ending_in_a_date_is_no_dateline() -> None:
    ext = extract(_letter("Oostende, 4 september 2025 te betalen binnen 30 dagen"))
    assert "issue_date" not in ext.fields or DATELINE not in _names(ext, "issue_date")


SALE = [(60, 110, "21-01-2025 15:07", 9)]


def _slip(extra: list[tuple[float, float, str, float]] = (), sale=SALE) -> ReadResult:
    return _pdf([
        (60, 40, "Doe-het-zelf Jacobs", 12),
        (60, 60, "Industrieweg 239", 9),
        (60, 72, "9200 Dendermonde", 9),
        (60, 84, "BTW BE0000.000.196", 9),
        *sale, (200, 110, "Kassa 1", 9),
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
        *extra,
    ], width=300, height=700)  # fmt: skip


def test_a_till_slips_only_date_with_the_time_of_sale_is_vouched_for() -> None:
    ext = extract(_slip())
    assert ext.value("issue_date") == date(2025, 1, 21)
    assert SALE_TIMESTAMP in _names(ext, "issue_date")


def test_the_time_of_sale_is_seen_where_the_reading_spaces_the_row_out() -> None:
    """ "Datum      21-01-2025 15:07": the row's text is spaced out; the date is still followed by the time."""
    ext = extract(_slip(sale=[(14, 110, "Datum :", 9), (110, 110, "21-01-2025 15:07", 9)]))
    assert ext.value("issue_date") == date(2025, 1, 21)
    assert SALE_TIMESTAMP in _names(ext, "issue_date")


def test_a_second_date_on_the_slip_leaves_the_timestamp_unvouched() -> None:
    ext = extract(_slip([(60, 340, "Ruilen tot 21-02-2025", 9)]))
    assert ext.value("issue_date") == date(2025, 1, 21)
    assert SALE_TIMESTAMP not in _names(ext, "issue_date")


def test_a_till_slips_lines_with_vat_add_up_to_the_total_paid() -> None:
    ext = extract(_slip())
    assert [ln.net_amount for ln in ext.value("lines")] == [D("7.91"), D("30.12")]
    lines = ext.fields["lines"]
    assert all(c.ok for c in lines.checks), lines.checks
    assert any("38.03" in c.message for c in lines.checks)


def _garble(line: Line) -> Line:
    if line.text == "30,12 A":  # the code read glued to the amount
        amount, code = line.words
        word = Word("30,12A", (*amount.bbox[:2], *code.bbox[2:]), amount.confidence)
        return replace(line, text=word.text, words=(word,))
    if line.text == "7,91 C":  # the code read as debris
        return replace(line, text="7,91 ca", words=(line.words[0], replace(line.words[1], text="ca")))
    return line


def test_a_till_slips_lines_read_with_the_vat_code_glued_or_garbled() -> None:
    """OCR reads "30,12 A" as "30,12A" or "7,91 C" as "7,91 ca": still an article line."""
    plain = _slip()
    garbled = ReadResult(tuple(replace(p, lines=tuple(_garble(ln) for ln in p.lines)) for p in plain.pages))
    assert garbled != plain
    lines = extract(garbled).value("lines")
    assert [(ln.description, ln.net_amount) for ln in lines] == [
        ("Potgrond 40L", D("7.91")),
        ("Schroeven 4x40 (200)", D("30.12")),
    ]
    assert lines[1].vat_rate == D(21)


def _titled(title: str) -> ReadResult:
    return _pdf([
        (60, 50, "Druckerei Weber GmbH", 13),
        (60, 64, "Hauptstraße 4, 10115 Berlin", 9),
        (60, 76, "USt-IdNr. DE136695976", 9),
        (330, 140, "Garage Peeters BV", 10),
        (330, 153, "Kerkstraat 5, 9100 Sint-Niklaas", 9),
        (60, 220, title, 12),
        (60, 250, "Leistungszeitraum 01.09.2018 bis 30.09.2018", 9),
        (60, 300, "Beschreibung", 9), (420, 300, "USt %", 9), (500, 300, "Betrag", 9),
        (60, 316, "Visitenkarten", 9), (425, 316, "19%", 9), (500, 316, "100,00", 9),
        (330, 360, "Nettobetrag", 9), (490, 360, "100,00", 9),
        (330, 374, "USt 19%", 9), (490, 374, "19,00", 9),
        (330, 388, "Gesamtbetrag", 9), (490, 388, "119,00", 9),
    ])  # fmt: skip


def test_a_date_in_the_invoices_title_after_its_number_is_vouched_for() -> None:
    for title in ("Rechnung Nr. KR87654321 vom 06.10.2018", "Rechnungskorrektur Nr. KR87654321 vom 06.10.2018"):
        ext = extract(_titled(title))
        assert ext.value("invoice_number") == "KR87654321", title
        assert ext.value("issue_date") == date(2018, 10, 6), title
        assert TITLE_DATE in _names(ext, "issue_date"), title
        assert ext.fields["issue_date"].confidence > 0.88


def test_a_title_date_needs_the_invoice_number_and_a_word_for_of() -> None:
    ext = extract(_titled("Rechnung vom 06.10.2018"))  # no number in the title
    assert "issue_date" not in ext.fields or TITLE_DATE not in _names(ext, "issue_date")
    ext = extract(_titled("Rechnung Nr. KR87654321 fällig 06.10.2018"))  # a due date, not the title's date
    assert "issue_date" not in ext.fields or TITLE_DATE not in _names(ext, "issue_date")



def test_one_printed_date_read_as_both_issue_and_due_date_doubts_both() -> None:
    from models.enums import FieldSource
    from pipeline.core.records import ExtractedField
    from pipeline.extract.core import _one_date_read_twice

    box = (0.6, 0.3, 0.7, 0.32)
    fields = {name: ExtractedField(name, date(2026, 1, 15), 0.9, FieldSource.OCR, 1, box, ())
              for name in ("issue_date", "due_date")}
    once = _pdf([(60, 60, "Vervaldatum 15/01/2026", 10)])
    twice = _pdf([(60, 60, "Factuurdatum 15/01/2026", 10), (60, 80, "Vervaldatum 15/01/2026", 10)])
    from pipeline.extract.layout import build_layout

    printed_twice = dict(fields)
    _one_date_read_twice(printed_twice, build_layout(twice))
    assert printed_twice == fields  # cash terms: the date is printed for each
    _one_date_read_twice(fields, build_layout(once))
    for name in ("issue_date", "due_date"):
        assert fields[name].confidence == 0.5 and [c.ok for c in fields[name].checks] == [False]
    apart = {"issue_date": fields["issue_date"], "due_date": replace(fields["due_date"], bbox=(0.6, 0.34, 0.7, 0.36))}
    before = dict(apart)
    _one_date_read_twice(apart, build_layout(once))
    assert apart == before  # two dates printed: nothing to doubt
    read = ExtractedField("due_date", date(2026, 1, 15), 0.9, FieldSource.OCR, 1, box, ())
    vouched = {"issue_date": replace(read, name="issue_date", confidence=0.99, checks=(Check(TITLE_DATE, True, "x"),)),
               "due_date": read}
    _one_date_read_twice(vouched, build_layout(once))
    assert vouched["issue_date"].confidence == 0.99  # its title proves it: the due date taken from it goes
    assert "due_date" not in vouched
