"""Amounts as Belgians write them: parsed and formatted in one place, on Babel's nl_BE/fr_BE rules.

Money is ``Decimal`` from parse to XML, never float. In Belgium the decimal mark is a
comma and thousands are grouped with a point (nl_BE: ``1.234,56``) or a narrow space
(fr_BE: ``1 234,56``). So ``1.234`` is one thousand two hundred and thirty-four — as the
extractor reads it on a document (``pipeline.extract.amounts``) — and ``1,5`` is one and
a half. What Babel refuses as Belgian but can only mean one thing is read that way: a
point followed by one, two or four digits (``12.5``, ``-3.00``) or after a lone zero
(``0.125``) is a decimal point; ``1,234.56`` is written the English way.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    parse_decimal,
)

LOCALES = ("nl_BE", "fr_BE")
DEFAULT_LOCALE = "nl_BE"
AMOUNT_PATTERN = "#,##0.00"  # always two decimals, grouped
CENT = Decimal("0.01")

_SPACES = re.compile(
    r"[\s\u00a0\u202f']"
)  # fr_BE groups with a (narrow) no-break space
_CURRENCY = re.compile(r"€|\b[A-Z]{3}\b|EUR", re.IGNORECASE)


class NotAnAmount(ValueError):
    """The text is no amount, or (``ambiguous``) one that could be read two ways."""

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


def parse_amount(text: str) -> Decimal:
    """What a person in Belgium typed, as a Decimal: ``1.234,56`` → 1234.56, ``1.234`` → 1234,
    ``1,234`` → 1.234, ``€ 12,5`` → 12.5, ``12.50`` → 12.50, ``(3,00)`` and ``3,00-`` → -3.00."""
    raw = str(text or "")
    body = _CURRENCY.sub("", raw.replace("\u2212", "-").replace("\u2013", "-"))
    body = _SPACES.sub("", body)
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    if body.endswith("-"):
        negative, body = True, body[:-1]
    if body.startswith("-"):
        negative, body = not negative, body[1:]
    elif body.startswith("+"):
        body = body[1:]
    if not re.fullmatch(r"\d[\d.,]*", body) or body[-1] in ".,":
        raise NotAnAmount(f"{raw!r} is not an amount")
    value = _belgian(body)
    if value is None:
        value = _unambiguous_otherwise(body)
    if value is None:
        raise NotAnAmount(f"{raw!r} is not an amount (write it as 1.234,56)", ambiguous=True)
    return -value if negative else value


def _belgian(body: str) -> Decimal | None:
    try:
        return parse_decimal(body, locale=DEFAULT_LOCALE, strict=True)
    except NumberFormatError:
        return None


def _unambiguous_otherwise(body: str) -> Decimal | None:
    """Forms Babel's nl_BE refuses but that can be read only one way."""
    points, commas = body.count("."), body.count(",")
    if points and commas:  # both marks: the last is the decimal mark (1,234.56)
        mark = "." if body.rfind(".") > body.rfind(",") else ","
        whole, _, decimals = body.rpartition(mark)
        groups = re.split(r"[.,]", whole)
        if (
            mark == "."
            and all(len(g) == 3 for g in groups[1:])
            and 1 <= len(groups[0]) <= 3
        ):
            return Decimal(f"{''.join(groups)}.{decimals}")
        return None
    if (
        points == 1
    ):  # 12.5, -3.00, 1.2345, 0.125: a decimal point (1.234 was Belgian above)
        whole, _, decimals = body.partition(".")
        if len(decimals) != 3 or whole == "0":
            return Decimal(f"{whole}.{decimals}")
        return None
    if commas > 1:  # 1,234,567: English groups of three
        groups = body.split(",")
        if 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
            return Decimal("".join(groups))
    return None


def format_amount(value: Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """``Decimal("1234.5")`` → ``1.234,50`` (nl_BE) or ``1 234,50`` (fr_BE, narrow no-break space)."""
    return format_decimal(value, format=AMOUNT_PATTERN, locale=locale)


def format_money(
    value: Decimal, currency: str = "EUR", locale: str = DEFAULT_LOCALE
) -> str:
    """An amount with its currency, as the locale writes it: ``€ 1.234,50`` (nl_BE)."""
    return format_currency(value, currency, locale=locale)
