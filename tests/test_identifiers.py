"""One home for identifiers (pipeline.core.identifiers, on python-stdnum) and every caller on it."""

from __future__ import annotations

import random

import pytest

from pipeline.core import checks, identifiers
from pipeline.sales.amounts import SalesError, ogm_for
from pipeline.sales.contacts import bic_for, clean_iban, clean_kbo, clean_vat
from pipeline.ubl import belgian


def _kbo_rule(digits: str) -> bool:
    """The enterprise number's rule as the law writes it: 97 − (first eight mod 97)."""
    return digits[0] in "01" and 97 - int(digits[:8]) % 97 == int(digits[8:])


def _ogm_rule(digits: str) -> bool:
    return (int(digits[:10]) % 97 or 97) == int(digits[10:])


def test_kbo_check_digits_follow_the_rule_over_many_numbers() -> None:
    rng = random.Random(14)
    numbers = [f"{rng.randrange(0, 2 * 10**9):010d}" for _ in range(20000)]
    numbers += [
        f"{base:08d}{97 - base % 97:02d}"
        for base in rng.sample(range(10**6, 2 * 10**7), 2000)
    ]
    numbers += [
        "0000009700",
        "0000019400",
        "0000009797",
    ]  # a multiple of 97 takes 97, never 00
    for digits in numbers:
        assert identifiers.kbo_valid(digits) is _kbo_rule(digits), digits
        assert checks.check_kbo(digits).ok is _kbo_rule(digits), digits
        assert belgian.kbo_valid(digits) is _kbo_rule(digits), digits


def test_ogm_check_digits_follow_the_rule_over_many_numbers() -> None:
    rng = random.Random(97)
    for _ in range(20000):
        digits = f"{rng.randrange(0, 10**12):012d}"
        assert identifiers.ogm_digits_valid(digits) is _ogm_rule(digits), digits
        assert checks.check_ogm(digits).ok is _ogm_rule(digits), digits
    for base in (0, 1, 96, 97, 194, 9_999_999_999):
        made = identifiers.make_ogm(base)
        assert _ogm_rule("".join(ch for ch in made if ch.isdigit())), made
    assert identifiers.make_ogm(97) == "+++000/0000/09797+++"  # remainder 0 → 97


def test_ogm_forms() -> None:
    assert identifiers.format_ogm("***010/8068/17183***") == "+++010/8068/17183+++"
    assert identifiers.format_ogm("010806817183") == "+++010/8068/17183+++"
    assert identifiers.format_ogm("+++010/8068/17180+++") is None
    assert identifiers.looks_like_ogm(
        "+++010/8068/17183+++"
    ) and not identifiers.looks_like_ogm("010/8068/17183")
    made = ogm_for(3, 2026, 42)
    assert made.startswith("+++260/0004/203") and _ogm_rule(
        "".join(ch for ch in made if ch.isdigit())
    ), made


@pytest.mark.parametrize(
    ("typed", "normalised", "valid"),
    [
        ("be 0403.170.701", "BE0403170701", True),
        ("0403170701", "BE0403170701", True),
        ("403170701", "BE0403170701", True),
        ("BE0403170702", "BE0403170702", False),
        (
            "NL 8036.57.999.B01",
            "NL803657999B01",
            None,
        ),  # stdnum decides; the form is kept
        ("GR 094259216", "EL094259216", True),
        ("US123", "US123", False),
    ],
)
def test_vat(typed: str, normalised: str, valid: bool | None) -> None:
    assert identifiers.normalise_vat(typed) == normalised
    if valid is not None:
        assert identifiers.vat_valid(typed) is valid
        assert checks.check_vat(typed).ok is valid


def test_vat_in_words() -> None:
    assert checks.check_vat("US123").name == "vat_format"
    assert checks.check_vat("BE0403170702").message.startswith(
        "BE0403170702 is not a valid BE VAT number"
    )
    assert (
        checks.check_vat("BE0403170701").message
        == "BE0403170701 has valid BE check digits"
    )


def test_iban_bic() -> None:
    assert identifiers.iban_or_none("be71 0961 2345 6769") == "BE71096123456769"
    assert identifiers.iban_or_none("BE71 0961 2345 6760") is None
    assert checks.check_iban("BE71 0961 2345 6760").ok is False
    assert identifiers.bic_of_belgian_iban("BE71096123456769") == "GKCCBEBB"
    assert (
        identifiers.bic_of_belgian_iban("BE12") is None
        and identifiers.bic_of_belgian_iban("NL91ABNA0417164300") is None
    )
    assert checks.check_bic("GKCCBEBB").ok and not checks.check_bic("GKCC").ok


def test_the_callers_fold_onto_one_rule() -> None:
    """Sales, the UBL gate and the checks give the same verdicts, from the same module."""
    assert clean_vat("0403.170.701") == "BE0403170701"
    assert clean_kbo("403.170.701") == "0403170701"
    assert clean_iban("BE71 0961 2345 6769") == "BE71096123456769"
    assert bic_for("BE71096123456769", None) == "GKCCBEBB"
    for bad in (
        lambda: clean_vat("BE0403170702"),
        lambda: clean_kbo("0403170702"),
        lambda: clean_iban("BE00"),
    ):
        with pytest.raises(SalesError):
            bad()
    assert belgian.be_vat_valid("BE 0403.170.701") and not belgian.be_vat_valid(
        "BE0403/170701"
    )
    assert belgian.kbo_valid("0403170701") and not belgian.kbo_valid(
        "0403.170.701"
    )  # UBL: 10 digits exactly
    assert (
        belgian.normalise_kbo("BE 403.170.701") == "0403170701"
        and belgian.normalise_kbo("12") is None
    )
    assert (
        belgian.kbo_from_vat("BE0403170701")
        == identifiers.kbo_from_vat("be 0403.170.701")
        == "0403170701"
    )
