"""A till slip's totals: the change handed back is no amount of the invoice."""

from __future__ import annotations

from decimal import Decimal as D

from pipeline.extract import extract
from tests.test_extract_issuedate import _pdf


def test_the_change_handed_back_is_no_total() -> None:
    """CASH 15.00 = TOTAL 12.50 + CHANGE 2.50 adds up like net + VAT = total: the change
    is no amount of the invoice, so the total paid stays 12.50."""
    ext = extract(_pdf([
        (40, 40, "MR. D.I.Y. (KUCHAI) SDN BHD", 11),
        (40, 56, "LOT 1851-A, JALAN KPR 6", 8),
        (40, 90, "STORAGE BOX 70581", 8), (200, 90, "12.50", 8),
        (40, 120, "TOTAL INCL. GST", 9), (200, 120, "RM 12.50", 9),
        (40, 134, "CASH", 9), (200, 134, "RM 15.00", 9),
        (40, 148, "CHANGE", 9), (200, 148, "RM 2.50", 9),
        (40, 170, "22-04-16 13:13 SH01 B003", 8),
    ], width=280, height=400))  # fmt: skip
    assert ext.value("total_incl_vat") == D("12.50")
    assert ext.value("total_vat") != D("2.50")
