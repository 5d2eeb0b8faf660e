"""A supplier's number series: the next invoice number continues the one an operator
validated, which vouches for a number whose label a photo's OCR misread."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.enums import FieldSource, FieldState
from pipeline.core.check_words import SERIES_CONTINUES
from pipeline.core.records import Check, ExtractedField
from pipeline.review.confidence import field_state
from pipeline.suppliers.layout import apply_layout
from pipeline.suppliers.series import SERIES_CHECK, continues


@pytest.mark.parametrize(
    ("last", "value"),
    [
        ("F2025-0117", "F2025-0142"),  # the counter moves on
        ("FAC-2025-84", "FAC-2025-123"),  # a counter without zeros grows a digit
        ("2025/0495", "2026/0003"),  # the year turns, the counter starts again
        ("2501316", "2501340"),  # digits alone
        ("inv 2025 0117", "INV20250118"),  # spaces and case as OCR reads them
    ],
)
def test_a_later_number_of_the_series_continues_it(last: str, value: str) -> None:
    assert continues(value, last)


@pytest.mark.parametrize(
    ("last", "value", "why"),
    [
        ("F2025-0117", "F2025-0117", "the same number: a duplicate, not the next one"),
        ("F2025-0142", "F2025-0117", "an earlier number"),
        ("F2025-0117", "K2025-0150", "another series (a customer or order number)"),
        ("F2025-0117", "F2025-9117", "too far on for one client's invoices"),
        ("F2025-0117", "F2025-117", "a zero-padded counter keeps its width"),
        ("2501316", "25013160", "digits alone keep their width"),
        ("2025/0495", "2027/0001", "a year does not jump two"),
        ("12", "17", "too few digits to tell a series from any small number"),
        ("F2025-0117", "F2025-0142/1", "another shape"),
    ],
)
def test_a_number_that_does_not_continue_the_series(last: str, value: str, why: str) -> None:
    assert not continues(value, last), why


def _number(value: str, confidence: float, checks: tuple[Check, ...] = ()) -> ExtractedField:
    return ExtractedField("invoice_number", value, confidence, FieldSource.OCR, 1, None, checks)


# learnt from the validated invoice: its label, as a later photo will not read it again
LEARNT = {
    "invoice_number": {
        "page": 1, "box": [0.7, 0.1, 0.82, 0.12], "format": "A9999-9999", "words": 1,
        "anchor": ["factuurnummer"], "side": "left", "offset_w": [1.6, 0.0], "before": "",
        "machine_was_right": True, "evidence": "operator", "value": "F2025-0117",
    }
}  # fmt: skip


def _state(found: ExtractedField) -> FieldState:
    checks = [{"name": c.name, "ok": c.ok, "message": c.message} for c in found.checks]
    return field_state(found.value, found.confidence, checks, 0.99)


def test_a_number_continuing_the_series_is_certain_where_its_label_was_misread() -> None:
    fields = {"invoice_number": _number("F2025-0142", 0.7)}
    outcomes = apply_layout(fields, LEARNT, [])  # no label found on the page
    found = fields["invoice_number"]
    assert outcomes["invoice_number"] == "continues series"
    assert _state(found) is FieldState.CERTAIN
    check = [c for c in found.checks if c.name == SERIES_CHECK]
    assert check and check[0].message == SERIES_CONTINUES.format(value="F2025-0142", last="F2025-0117")


def test_the_series_never_rescues_a_guess_a_failed_check_or_another_number() -> None:
    for found in (
        _number("F2025-0142", 0.3),  # the extractor was guessing
        _number("F2025-0142", 0.8, (Check("label_value_agree", False, "x"),)),
        _number("K2025-0150", 0.8),  # a customer number in the number's place
    ):
        fields = {"invoice_number": found}
        assert apply_layout(fields, LEARNT, [])["invoice_number"] == "no evidence"
        assert fields["invoice_number"] == found
    no_value = {"invoice_number": {k: v for k, v in LEARNT["invoice_number"].items() if k != "value"}}
    fields = {"invoice_number": _number("F2025-0142", 0.7)}
    apply_layout(fields, no_value, [])  # a profile learnt before numbers were kept
    assert fields["invoice_number"].confidence == 0.7


def test_a_number_read_short_of_the_series_is_doubt_whatever_else_agrees() -> None:
    from pipeline.core.check_words import SERIES_SHORTER
    from pipeline.suppliers.series import lost_digits

    assert lost_digits("CN2025/119", "CN2025/1150")
    assert not lost_digits("FAC-2026-7", "FAC-2025-1222")  # a new year's counter starts again
    assert not lost_digits("F2025-0142", "F2025-0117")
    fields = {"invoice_number": _number("CN2025/119", 0.99, (Check("label_value_agree", True, "x"),))}
    series = {"invoice_number": {**LEARNT["invoice_number"], "value": "CN2025/1150"}}
    assert apply_layout(fields, series, [])["invoice_number"] == "shorter than the series"
    found = fields["invoice_number"]
    assert _state(found) is FieldState.FAILED_CHECK and found.value == "CN2025/119"
    assert found.checks[-1].message == SERIES_SHORTER.format(value="CN2025/119", last="CN2025/1150")


def test_a_later_number_dated_before_the_validated_invoice_doubts_its_date() -> None:
    from datetime import date

    from pipeline.core.check_words import SERIES_DATED_BEFORE

    learnt = {"invoice_number": {**LEARNT["invoice_number"], "issue_date": "2025-01-14"}}
    issued = ExtractedField("issue_date", date(2020, 2, 8), 0.99, FieldSource.OCR, 1, None, ())
    fields = {"invoice_number": _number("F2025-0142", 0.7), "issue_date": issued}
    assert apply_layout(fields, learnt, [])["issue_date"] == "dated before the series"
    found = fields["issue_date"]
    assert _state(found) is FieldState.FAILED_CHECK and found.value == date(2020, 2, 8)
    assert found.checks[-1].message == SERIES_DATED_BEFORE.format(
        date="2020-02-08", last_date="2025-01-14", last="F2025-0117", number="F2025-0142")
    later = dict(fields, issue_date=replace(issued, value=date(2025, 2, 8)))
    assert "issue_date" not in apply_layout(later, learnt, [])  # dated after: no doubt
    assert later["issue_date"].confidence == 0.99
