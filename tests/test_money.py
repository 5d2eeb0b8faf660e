"""Amounts in Belgian notation: the operator's input and the extractor read ``1.234`` alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.api._common import InvalidValue
from pipeline.api.live import parse_input
from pipeline.core.money import NotAnAmount, format_amount, format_money, parse_amount
from pipeline.extract.amounts import parse_amount as extractor_amount

# (typed, value): the ambiguous cases first — a separator followed by exactly three digits
BELGIAN = [
    (
        "1.234",
        "1234",
    ),  # a point groups thousands (nl_BE) — the operator's input used to read 1.234
    ("1,234", "1.234"),  # a comma is the decimal mark
    ("12.345.678", "12345678"),
    ("1.234,56", "1234.56"),
    ("1 234,56", "1234.56"),  # fr_BE groups with a space …
    ("1\u202f234,56", "1234.56"),  # … or a narrow no-break space
    ("0,5", "0.5"),
    ("1234,5", "1234.5"),
    ("€ 1.234,56", "1234.56"),
    ("12,50 EUR", "12.50"),
    ("-3,00", "-3.00"),
    ("\u22127,00", "-7.00"),
    ("(3,00)", "-3.00"),
    ("3,00-", "-3.00"),
]
# not Belgian, but readable one way only
UNAMBIGUOUS = [
    ("12.5", "12.5"),
    ("-3.00", "-3.00"),
    ("1.2345", "1.2345"),
    ("0.125", "0.125"),  # a lone zero before the point: no thousands
    ("1,234.56", "1234.56"),  # English: the last mark is the decimal mark
    ("1,234,567", "1234567"),
]
REFUSED = ["", "abc", "1..2", "1.23.4", "1.000.00", "1.234,5.6", "12abc34", "1,", "€"]


@pytest.mark.parametrize(("typed", "value"), BELGIAN + UNAMBIGUOUS)
def test_parse(typed: str, value: str) -> None:
    parsed = parse_amount(typed)
    assert (
        isinstance(parsed, Decimal)
        and parsed == Decimal(value)
        and str(parsed) == value
    )


@pytest.mark.parametrize("typed", REFUSED)
def test_refused(typed: str) -> None:
    with pytest.raises(NotAnAmount):
        parse_amount(typed)


@pytest.mark.parametrize(("typed", "value"), BELGIAN)
def test_the_extractor_reads_belgian_amounts_the_same(typed: str, value: str) -> None:
    """On a Belgian document (decimal mark ","), the extractor and the operator agree."""
    assert extractor_amount(typed, decimal_mark=",") == Decimal(value)


def test_the_extractor_and_the_operator_agree_on_1_234_without_a_known_mark() -> None:
    """The case of the issue: a document whose decimal mark is unknown reads 1.234 as thousands."""
    assert extractor_amount("1.234") == parse_amount("1.234") == Decimal(1234)


def test_the_operator_save_path_reads_belgian_notation() -> None:
    assert parse_input("total_incl_vat", "1.234") == "1234"
    assert parse_input("total_incl_vat", "1.234,5") == "1234.5"
    assert parse_input("total_vat", "21,00") == "21.00"
    assert parse_input("total_vat", " ") is None
    with pytest.raises(InvalidValue, match="is not an amount"):
        parse_input("total_incl_vat", "1.23.4")


def test_an_amount_read_two_ways_asks_for_the_belgian_form() -> None:
    """Text that is no amount and an amount that could be read two ways are refused in other words."""
    from pipeline.api.live import parse_amount as typed_amount
    from pipeline.core import check_words

    with pytest.raises(InvalidValue) as two_ways:
        typed_amount("1,234.56,7")
    assert two_ways.value.template == check_words.NOT_AN_AMOUNT_FORM
    with pytest.raises(InvalidValue) as no_amount:
        typed_amount("twaalf")
    assert no_amount.value.template == check_words.NOT_AN_AMOUNT


def test_format() -> None:
    assert format_amount(Decimal("1234.5")) == "1.234,50"
    assert format_amount(Decimal("-0.5")) == "-0,50"
    assert format_amount(Decimal("1234.5"), "fr_BE") == "1\u202f234,50"
    assert format_money(Decimal("1234.5")) == "€\u00a01.234,50"
    for value in (Decimal("0.01"), Decimal("1234.56"), Decimal("-98765432.10")):
        assert (
            parse_amount(format_amount(value)) == value
        )  # what we print, we read back
        assert parse_amount(format_amount(value, "fr_BE")) == value
