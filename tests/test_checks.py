from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from pipeline.core import checks
from pipeline.core.records import InvoiceLine, VatBreakdownLine


@pytest.mark.parametrize(
    "vat",
    ["BE0000000196", "BE 0000.000.295", "NL809561074B01", "DE238574172", "FR40303265045", "ATU13585627", "LU26375245"],
)
def test_valid_vat_numbers(vat: str) -> None:
    assert checks.check_vat(vat).ok, checks.check_vat(vat).message


@pytest.mark.parametrize("vat", ["BE0000000197", "NL809561075B01", "DE123456789", "FR32123456789", "XX123"])
def test_invalid_vat_numbers(vat: str) -> None:
    result = checks.check_vat(vat)
    assert not result.ok
    assert result.message


def test_normalise_vat_and_kbo() -> None:
    assert checks.normalise_vat("be 0123.456.749") == "BE0123456749"
    assert checks.normalise_vat("BE123456749") == "BE0123456749"
    assert checks.normalise_vat("GR 123456789") == "EL123456789"
    assert checks.kbo_from_vat("BE0000000196") == "0000000196"
    assert checks.kbo_from_vat("NL809561074B01") is None
    assert checks.check_kbo("0000.000.196").ok
    assert not checks.check_kbo("0000000197").ok
    assert not checks.check_kbo("2000000196").ok


def test_iban_and_bic() -> None:
    assert checks.check_iban("BE91 0000 0014 3476").ok
    assert checks.check_iban("NL28RBOS0420242228").ok
    assert not checks.check_iban("BE91 0000 0014 3477").ok
    assert checks.normalise_iban("be91 0000-0014 3476") == "BE91000000143476"
    assert checks.check_bic("DEUTDEMMXXX").ok
    assert checks.check_bic("GKCCBEBB").ok
    assert not checks.check_bic("GKCC1EBB").ok


def test_ogm_generation_and_validation() -> None:
    ogm = checks.make_ogm(1234567890)
    assert ogm == "+++123/4567/89002+++"
    assert checks.check_ogm(ogm).ok
    assert checks.check_ogm("010/6766/09538").ok  # digits of a real-format reference
    assert not checks.check_ogm("+++123/4567/89003+++").ok
    # remainder 0 gives check digits 97
    assert checks.make_ogm(97).endswith("97+++")
    assert checks.check_ogm(checks.make_ogm(97)).ok
    assert checks.ogm_from_digits("123456789002") == "+++123/4567/89002+++"
    with pytest.raises(ValueError):
        checks.ogm_from_digits("123")


def test_dates() -> None:
    today = date(2026, 3, 1)
    assert checks.check_issue_date(date(2026, 2, 1), today).ok
    assert not checks.check_issue_date(date(2030, 1, 1), today).ok
    assert not checks.check_issue_date(date(1970, 1, 1), today).ok
    assert checks.check_due_date(date(2026, 1, 1), date(2026, 1, 31)).ok
    assert not checks.check_due_date(date(2026, 1, 31), date(2026, 1, 1)).ok


def test_arithmetic() -> None:
    assert checks.check_net_plus_vat(D("908.91"), D("190.87"), D("1099.78")).ok
    bad = checks.check_net_plus_vat(D("908.91"), D("190.87"), D("1099.88"))
    assert not bad.ok and "0.10" in bad.message
    assert checks.check_vat_line(VatBreakdownLine(D(21), D("908.91"), D("190.87"))).ok
    assert checks.check_vat_line(VatBreakdownLine(D(6), D("100.00"), D("6.00"))).ok
    assert not checks.check_vat_line(VatBreakdownLine(D(21), D("100.00"), D("6.00"))).ok
    rows = [VatBreakdownLine(D(21), D(100), D(21)), VatBreakdownLine(D(6), D(50), D(3))]
    sums = checks.check_breakdown_sums(rows, D(150), D(24))
    assert [c.ok for c in sums] == [True, True]
    assert not checks.check_breakdown_sums(rows, D(151), D(24))[0].ok
    lines = [InvoiceLine("a", D(2), D(10), D(20), D(21)), InvoiceLine("b", None, None, D("5.50"), None)]
    assert checks.check_lines_sum(lines, D("25.50")).ok
    assert not checks.check_lines_sum(lines, D(26)).ok
    assert checks.line_arithmetic_ok(lines[0]) is True
    assert checks.line_arithmetic_ok(lines[1]) is None


def test_breakdown_gross_sum() -> None:
    rows = [VatBreakdownLine(D(21), D("200.00"), D("42.00")), VatBreakdownLine(D(6), D("35.00"), D("2.10"))]
    assert checks.check_breakdown_gross(rows, D("279.10")).ok
    assert not checks.check_breakdown_gross(rows, D("280.10")).ok
    assert not checks.check_breakdown_gross([VatBreakdownLine(D(21), None, D("1.00"))], D("1.00")).ok
