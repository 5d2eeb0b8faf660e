from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from pipeline.extract.amounts import find_amounts, guess_decimal_mark, parse_amount
from pipeline.extract.dates import find_dates, parse_date
from pipeline.extract.labels import find_labels
from pipeline.extract.text import fold


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,56 €", D("1234.56")),
        ("1,234.56", D("1234.56")),
        ("1 234,56", D("1234.56")),
        ("EUR 12.50", D("12.50")),
        ("€12", D(12)),
        ("-3,00", D("-3.00")),
        ("(3.00)", D("-3.00")),
        ("3,00-", D("-3.00")),
        ("1.099,78 EUR", D("1099.78")),
        ("0,0088", D("0.0088")),
        ("12'345.60", D("12345.60")),
    ],
)
def test_amounts(text: str, value: D) -> None:
    assert parse_amount(text) == value


def test_amount_context() -> None:
    assert find_amounts("21 %") == []
    assert find_amounts("2014-05-03") == []
    assert find_amounts("Tel 089/99822-0") == []
    found = find_amounts("$4.11")
    assert found[0].currency == "USD"
    assert find_amounts("1.234")[0].ambiguous
    assert parse_amount("1.234", decimal_mark=".") == D("1.234")
    assert guess_decimal_mark(["1.234,56", "12,00", "3,10"]) == ","


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3 maart 2026", date(2026, 3, 3)),  # nl
        ("3 mars 2026", date(2026, 3, 3)),  # fr
        ("le 1er février 2024", date(2024, 2, 1)),
        ("Date de facture ler janvier 2026", date(2026, 1, 1)),  # OCR: "1er" read "ler"
        ("Ier mars 2025", date(2025, 3, 1)),
        ("5. Oktober 2018", date(2018, 10, 5)),  # de
        ("3. März 2026", date(2026, 3, 3)),
        ("March 3, 2026", date(2026, 3, 3)),  # en
        ("August 3 , 2014", date(2014, 8, 3)),
        ("03.03.2026", date(2026, 3, 3)),
        ("2026-03-03", date(2026, 3, 3)),
        ("07/03/2017", date(2017, 3, 7)),  # day-first by default
        ("12/31/2026", date(2026, 12, 31)),  # only month-first is possible
        ("20260303", date(2026, 3, 3)),
        ("23-09-19", date(2019, 9, 23)),
    ],
)
def test_dates(text: str, value: date) -> None:
    assert parse_date(text) == value


def test_date_ambiguity_flag_and_preference() -> None:
    (found,) = find_dates("07/03/2017")
    assert found.ambiguous
    assert parse_date("07/03/2017", prefer_month_first=True) == date(2017, 7, 3)
    assert find_dates("04:59:13") == []
    assert find_dates("Atelier janvier 2026") == []  # "…lier" is no "1er"


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Factuurnummer", "invoice_number"),
        ("N° de facture", "invoice_number"),
        ("Invoice No.", "invoice_number"),
        ("Rechnungsnummer:", "invoice_number"),
        ("Factuurdatum", "issue_date"),
        ("Date de facture", "issue_date"),
        ("Rechnungsdatum", "issue_date"),
        ("Vervaldag", "due_date"),
        ("Échéance", "due_date"),
        ("Fälligkeitsdatum", "due_date"),
        ("Totaal excl. btw", "total_excl_vat"),
        ("Total HTVA", "total_excl_vat"),
        ("Nettobetrag", "total_excl_vat"),
        ("Totaal BTW", "total_vat"),
        ("MwSt.", "total_vat"),
        ("Te betalen", "total_incl_vat"),
        ("À payer", "total_incl_vat"),
        ("Zahlbetrag", "total_incl_vat"),
        ("Mededeling", "payment_reference"),
        ("Ondernemingsnummer", "enterprise_number"),
        ("Klant", "customer_block"),
        ("Date de facture associée", "noise"),
    ],
)
def test_labels(label: str, field: str) -> None:
    hits = find_labels(fold(label))
    assert hits and hits[0].field == field, hits
