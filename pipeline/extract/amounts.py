"""Amounts as printed: ``1.234,56 €``, ``1,234.56``, ``1 234,56``, ``EUR 12.50``, ``-3,00``, ``(3.00)``, ``3,00-``.

The parser returns ``Decimal`` (never float). A separator followed by exactly three
digits is ambiguous (``1.234`` thousand or one point two three four); the last
separator followed by 1-2 or 4+ digits is the decimal mark. When a document's
decimal mark is known (``decimal_mark``), it settles the ambiguous cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pipeline.extract.text import clean

CURRENCY_SYMBOLS = {
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "CHF": "CHF",
    "Fr.": "CHF",
}
CURRENCY_CODES = frozenset(
    [
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "NOK",
        "SEK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "JPY",
        "CNY",
        "INR",
        "AUD",
        "CAD",
        "MYR",
        "SGD",
        "HKD",
        "NZD",
        "ZAR",
        "TRY",
        "ISK",
    ]
)

# A number: optional sign/paren, digits with thousand groups (. , space ' ) and a decimal part.
# A sign is the number's only when it touches it: "Totaal – 121,00" (a dash between label
# and amount, as credit notes print it) is 121,00, not minus 121,00.
_NUM = r"(?:[-−+](?=[\d(]))?\(?\s?\d{1,3}(?:[.,' \u00a0]\d{3})+(?:[.,]\d{1,4})?\)?-?|(?:[-−+](?=[\d(]))?\(?\d+(?:[.,]\d{1,4})?\)?-?"
AMOUNT_RE = re.compile(
    r"(?<![\w.,/])(?<!\d[-/:])(?P<cur1>€|\$|£|EUR|USD|GBP|CHF|RM|NOK|DKK|SEK)?\s?(?P<num>"
    + _NUM
    + r")(?!\s?%)(?![-/:]\d)\s?(?P<cur2>€|EUR|USD|GBP|CHF|NOK|DKK|SEK)?(?![\w%]|[.,]\d)"
)


@dataclass(frozen=True)
class Amount:
    value: Decimal
    start: int
    end: int
    text: str
    decimals: int  # digits after the decimal mark (0 for integers)
    currency: str | None
    ambiguous: bool  # "1.234" style: could be thousands


def parse_number(
    raw: str, decimal_mark: str | None = None
) -> tuple[Decimal, int, bool] | None:
    """``"1.234,56"`` → (Decimal("1234.56"), 2, False). None when not a number."""
    s = clean(raw).strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        negative, s = True, s[:-1].strip()
    if s.startswith(("-", "−")):
        negative, s = True, s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    s = s.replace("'", " ").replace("\u00a0", " ")
    if not re.fullmatch(r"\d[\d., ]*", s):
        return None
    seps = [(i, c) for i, c in enumerate(s) if c in ".,"]
    ambiguous = False
    decimals = 0
    if not seps:
        digits = s.replace(" ", "")
    else:
        last_i, last_c = seps[-1]
        tail = s[last_i + 1 :]
        kinds = {c for _, c in seps}
        if len(kinds) == 2:
            # both marks: the last one is the decimal mark
            int_part = re.sub(r"[., ]", "", s[:last_i])
            digits, decimals = f"{int_part}.{tail}", len(tail)
        elif len(seps) > 1:
            # "1.234.567" thousands only; "1.273.00" is OCR for "1.273,00" (the mark misread)
            groups = re.split(r"[.,]", s)[1:]
            if all(len(g) == 3 for g in groups[:-1]) and len(groups[-1]) == 2:
                digits, decimals = re.sub(r"[., ]", "", s[:last_i]) + "." + tail, 2
            elif any(len(g) != 3 for g in groups):
                return None
            else:
                digits = re.sub(r"[., ]", "", s)
        elif len(tail) == 3 and " " not in s:
            ambiguous = True
            if (
                decimal_mark is not None
                and last_c == decimal_mark
                or s.startswith("0" + last_c)
            ):
                digits, decimals = s.replace(last_c, "."), 3
            else:
                digits = s.replace(last_c, "")
        else:
            int_part = s[:last_i].replace(" ", "")
            digits, decimals = f"{int_part}.{tail}", len(tail)
    digits = digits.replace(" ", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return (-value if negative else value), decimals, ambiguous


def _close_ocr_gap(text: str, decimal_mark: str | None) -> str:
    """``400, 38`` (OCR put a space after the document's decimal mark) → ``400,38 ``;
    the space moves behind the number so that every offset stays where it was."""
    if decimal_mark not in (",", "."):
        return text
    mark = re.escape(decimal_mark)
    return re.sub(
        r"(?<![\d.,])(\d[\d.,]*)" + mark + r" (\d{2})(?![\d.,%])",
        lambda m: f"{m.group(1)}{decimal_mark}{m.group(2)} ",
        text,
    )


def find_amounts(text: str, decimal_mark: str | None = None) -> list[Amount]:
    """All amounts in a piece of text, left to right."""
    text = _close_ocr_gap(clean(text), decimal_mark)
    found: list[Amount] = []
    for m in AMOUNT_RE.finditer(text):
        raw = m.group("num")
        parsed = parse_number(raw, decimal_mark)
        if parsed is None:
            continue
        value, decimals, ambiguous = parsed
        cur = m.group("cur1") or m.group("cur2")
        currency = None
        if cur:
            currency = CURRENCY_SYMBOLS.get(cur, "MYR" if cur == "RM" else cur)
        found.append(
            Amount(
                value,
                m.start(),
                m.end(),
                m.group(0).strip(),
                decimals,
                currency,
                ambiguous,
            )
        )
    return found


def parse_amount(text: str, decimal_mark: str | None = None) -> Decimal | None:
    """The single amount of a text like ``"€ 1.234,56"``; None if none or several."""
    found = find_amounts(text, decimal_mark)
    return found[0].value if len(found) == 1 else None


def guess_decimal_mark(texts: list[str]) -> str | None:
    """',' or '.' from the unambiguous amounts of a document (two decimals after the mark)."""
    comma = dot = 0
    for t in texts:
        comma += len(re.findall(r"\d,\d{2}(?!\d)", t))
        dot += len(re.findall(r"\d\.\d{2}(?!\d)", t))
    if comma > dot * 1.5:
        return ","
    if dot > comma * 1.5:
        return "."
    return None
