"""Check digits of Belgian and EU identifiers, computed (not looked up).

KBO/BCE enterprise numbers, VAT numbers (BE, NL, FR, DE), IBANs with their national
checks and the Belgian structured communication (OGM/VCS). Every generator here is
validated against python-stdnum in the tests.
"""

from __future__ import annotations

import random

from stdnum import iban as std_iban
from stdnum.be import iban as be_iban
from stdnum.iso7064 import mod_11_10

# Belgian bank codes (first 3 digits of the account) known to stdnum's bank registry.
BE_BANK_CODES: tuple[str, ...] = (
    "001", "220", "230", "290",  # BNP Paribas Fortis
    "734", "735", "737",  # KBC
    "732",  # CBC
    "310", "320", "363",  # ING
    "063", "068", "091",  # Belfius
    "973",  # Argenta
    "103",  # Crelan
    "523",  # Triodos
    "751",  # AXA
)

FOREIGN_BANKS: dict[str, tuple[tuple[str, str], ...]] = {
    # country: ((bank code, BIC), ...)
    "NL": (("INGB", "INGBNL2A"), ("ABNA", "ABNANL2A"), ("RABO", "RABONL2U")),
    "DE": (("37040044", "COBADEFFXXX"), ("10070000", "DEUTDEBBXXX"), ("50010517", "INGDDEFFXXX")),
    "FR": (("30004", "BNPAFRPP"), ("30003", "SOGEFRPP"), ("30002", "CRLYFRPP")),
}


def kbo_from_base(base: int) -> str:
    """The 10-digit enterprise number for an 8-digit base (first digit 0 or 1)."""
    check = 97 - (base % 97)
    return f"{base:08d}{check:02d}"


def random_kbo(rng: random.Random) -> str:
    # Belgian enterprise numbers start with 0 (older) or 1 (since 2023).
    first = rng.choice("00001")
    base = int(first + "".join(rng.choice("0123456789") for _ in range(7)))
    if base < 2000000:  # avoid implausibly small numbers
        base += 2000000
    return kbo_from_base(base)


def format_kbo(kbo: str, style: int = 0) -> str:
    """``0123.456.749`` (0), ``0123456749`` (1) or ``0123 456 749`` (2)."""
    if style == 1:
        return kbo
    sep = "." if style == 0 else " "
    return f"{kbo[:4]}{sep}{kbo[4:7]}{sep}{kbo[7:]}"


def format_be_vat(kbo: str, style: int = 0) -> str:
    """``BE 0123.456.749`` (0), ``BE0123456749`` (1), ``BE 0123 456 749`` (2), ``BE0123.456.749`` (3)."""
    if style == 1:
        return "BE" + kbo
    if style == 3:
        return "BE" + format_kbo(kbo, 0)
    return "BE " + format_kbo(kbo, 0 if style == 0 else 2)


def random_foreign_vat(rng: random.Random, country: str) -> str:
    digits = "0123456789"
    if country == "NL":  # 9 digits passing the 11-test (BSN/RSIN style) + B01
        while True:
            body = [rng.choice(digits) for _ in range(8)]
            total = sum(int(d) * (9 - i) for i, d in enumerate(body))
            last = total % 11
            if last < 10 and body[0] != "0":
                return "NL" + "".join(body) + str(last) + "B" + rng.choice(("01", "02"))
    if country == "FR":  # key + SIREN (Luhn)
        while True:
            siren = "".join(rng.choice(digits) for _ in range(9))
            if siren[0] != "0" and _luhn_ok(siren):
                key = (12 + 3 * (int(siren) % 97)) % 97
                return f"FR{key:02d}{siren}"
    if country == "DE":  # 8 digits + ISO 7064 mod 11,10
        body = rng.choice("123456789") + "".join(rng.choice(digits) for _ in range(7))
        return "DE" + body + mod_11_10.calc_check_digit(body)
    raise ValueError(f"no VAT generator for {country}")


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _with_iban_check(country: str, bban: str) -> str:
    draft = f"{country}00{bban}"
    return f"{country}{std_iban.calc_check_digits(draft)}{bban}"


def random_be_iban(rng: random.Random) -> tuple[str, str]:
    """A Belgian IBAN (compact) with a valid national check, and its BIC."""
    bank = rng.choice(BE_BANK_CODES)
    account = "".join(rng.choice("0123456789") for _ in range(7))
    first10 = bank + account
    national = int(first10) % 97 or 97
    number = _with_iban_check("BE", f"{first10}{national:02d}")
    bic = be_iban.to_bic(number) or "GEBABEBB"
    return number, bic


def random_foreign_iban(rng: random.Random, country: str) -> tuple[str, str]:
    bank, bic = rng.choice(FOREIGN_BANKS[country])
    digits = "0123456789"
    if country == "NL" or country == "DE":
        bban = bank + "".join(rng.choice(digits) for _ in range(10))
    else:  # FR: bank(5) branch(5) account(11) RIB key(2)
        branch = "".join(rng.choice(digits) for _ in range(5))
        account = "".join(rng.choice(digits) for _ in range(11))
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
        bban = f"{bank}{branch}{account}{key:02d}"
    return _with_iban_check(country, bban), bic


def format_iban(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def ogm(rng: random.Random) -> str:
    """A structured communication ``+++ddd/dddd/ddddd+++`` with a valid mod-97 check."""
    body = rng.randrange(1, 10**10)
    check = body % 97 or 97
    digits = f"{body:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
