"""Operators' validations teach where a supplier prints each field; the next reading uses it."""

from __future__ import annotations

from decimal import Decimal

from models.enums import FieldSource
from pipeline.core.records import ExtractedField, Line, PageText, Word
from pipeline.jobs.read_job import apply_learnt_positions
from pipeline.suppliers.positions import PageWords, locate, read_at


def _page(words: list[tuple[str, tuple[float, float, float, float]]]) -> PageText:
    return PageText(1, 595, 842, FieldSource.TEXT_LAYER, "pymupdf",
                    tuple(Line(t, b, 1.0, (Word(t, b, 1.0),)) for t, b in words))


FIRST = [("Factuur", (0.1, 0.1, 0.2, 0.12)), ("F2025-0001", (0.6, 0.1, 0.75, 0.12)),
         ("Te", (0.5, 0.8, 0.55, 0.82)), ("betalen", (0.56, 0.8, 0.62, 0.82)),
         ("1.234,56", (0.8, 0.8, 0.9, 0.82)), ("EUR", (0.91, 0.8, 0.95, 0.82))]
NEXT = [("Factuur", (0.1, 0.1, 0.2, 0.12)), ("F2025-0002", (0.6, 0.1, 0.75, 0.12)),
        ("Te", (0.5, 0.8, 0.55, 0.82)), ("betalen", (0.56, 0.8, 0.62, 0.82)),
        ("99,00", (0.82, 0.8, 0.9, 0.82))]


def test_locate_finds_the_value_among_the_words() -> None:
    pages = [PageWords(1, tuple(FIRST))]
    assert locate(pages, "total_incl_vat", "1234.56") == (1, (0.8, 0.8, 0.9, 0.82))
    assert locate(pages, "invoice_number", "F2025-0001") == (1, (0.6, 0.1, 0.75, 0.12))
    assert locate(pages, "total_incl_vat", "999.99") is None
    assert read_at(pages, "total_incl_vat", 1, (0.8, 0.8, 0.9, 0.82))[0] == Decimal("1234.56")


def test_learnt_positions_fill_confirm_and_doubt() -> None:
    positions = {"total_incl_vat": [1, 0.8, 0.8, 0.9, 0.82], "invoice_number": [1, 0.6, 0.1, 0.75, 0.12]}
    fields = {
        "invoice_number": ExtractedField("invoice_number", "F2025-0002", 0.7, FieldSource.TEXT_LAYER),
    }
    apply_learnt_positions(fields, positions, (_page(NEXT),))
    assert fields["invoice_number"].confidence >= 0.97  # agreement: trusted more
    assert fields["total_incl_vat"].value == Decimal("99.00")  # missed by the extractor: offered
    assert fields["total_incl_vat"].source is FieldSource.SUPPLIER_MEMORY
    disagreeing = {"total_incl_vat": ExtractedField("total_incl_vat", Decimal("12.00"), 0.95, FieldSource.TEXT_LAYER)}
    apply_learnt_positions(disagreeing, positions, (_page(NEXT),))
    assert disagreeing["total_incl_vat"].confidence <= 0.8  # the layout says otherwise: doubt
