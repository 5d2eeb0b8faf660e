"""Identifiers found by their shape anywhere on the page: IBAN, VAT numbers, Belgian
structured communications (OGM), BIC and KBO/BCE enterprise numbers.

Shape first, then the checksum: a value with the right shape but a failing checksum
is kept (OCR may have misread one digit, and sample invoices use test numbers) with
the failing check attached, so its confidence stays low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core import checks, identifiers
from pipeline.core.records import Check
from pipeline.extract.layout import Layout, Row, Tok, row_string, toks_in

IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
    "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}  # fmt: skip

VAT_FORMATS = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]", "CZ": r"\d{8,10}",
    "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}", "GR": r"\d{9}", "ES": r"[0-9A-Z]\d{7}[0-9A-Z]",
    "FI": r"\d{8}", "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}", "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d[0-9A-Z+*]\d{5}[A-Z]{1,2}",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}", "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"\d{2,10}", "SE": r"\d{10}01", "SI": r"\d{8}", "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}", "GB": r"\d{9}|\d{12}", "NO": r"\d{9}MVA", "CHE": r"\d{9}(?:MWST|TVA|IVA)?",
}  # fmt: skip

IBAN_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\s?\d{2}(?:[ ]?[A-Z0-9]){10,30})")
VAT_RE = re.compile(r"(?<![A-Z0-9])(CHE|" + "|".join(k for k in VAT_FORMATS if k != "CHE") + r")[\s.\-]?([0-9][0-9A-Z .\-]{6,18}|U[0-9 .]{8,12}|[0-9A-Z]{2}[ .]?[0-9][0-9 .]{7,14})")
OGM_RE = re.compile(r"(\+{3}|\*{3})\s?(\d{3})\s?/\s?(\d{4})\s?/\s?(\d{5})\s?(\+{3}|\*{3})")
OGM_LOOSE_RE = re.compile(r"(?<!\d)(\d{3})\s?/\s?(\d{4})\s?/\s?(\d{5})(?!\d)")
BIC_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{4}(?:AT|BE|BG|CH|CY|CZ|DE|DK|EE|ES|FI|FR|GB|GR|HR|HU|IE|IT|LI|LT|LU|LV|MC|MT|NL|NO|PL|PT|RO|SE|SI|SK|US)[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Z0-9])")
KBO_RE = re.compile(r"(?<![\d.])((?:BE)?\s?[01]\d{3}[. ]?\d{3}[. ]?\d{3})(?![\d.])")


@dataclass(frozen=True)
class Hit:
    kind: str  # iban, vat, ogm, bic, kbo
    value: str  # normalised
    raw: str
    toks: tuple[Tok, ...]
    row: Row
    start: int  # offset in the row string
    check: Check

    @property
    def ok(self) -> bool:
        return self.check.ok


def _iban_in(raw: str) -> str | None:
    groups = raw.split()
    kept = groups[:1]
    for g in groups[1:]:
        if g.isalpha() and len(g) > 4:
            break
        kept.append(g)
    compact = identifiers.normalise_iban("".join(kept))
    want = IBAN_LENGTHS.get(compact[:2])
    if want is None:
        for n in range(len(compact), 14, -1):
            if checks.check_iban(compact[:n]).ok:
                return compact[:n]
        return None
    compact = compact[:want]
    if sum(c.isalpha() for c in compact[4:]) > 4 and not checks.check_iban(compact).ok:
        return None
    return compact if len(compact) >= 15 else None


def _vat_in(prefix: str, rest: str) -> str | None:
    fmt = VAT_FORMATS[prefix]
    compact = re.sub(r"[\s.\-]", "", rest)
    for n in range(len(compact), 1, -1):
        if re.fullmatch(fmt, compact[:n]):
            return ("EL" if prefix == "GR" else prefix) + compact[:n]
    return None


def find_hits(layout: Layout) -> list[Hit]:
    hits: list[Hit] = []
    for row in layout.rows():
        text, spans = row_string(row)
        upper = text.upper()
        taken: list[tuple[int, int]] = []
        for m in IBAN_RE.finditer(upper):
            value = _iban_in(m.group(1))
            if value is None:
                continue
            # span of the value within the match (count characters until enough letters/digits)
            n, end = 0, m.start(1)
            while end < len(upper) and n < len(value):
                if upper[end].isalnum():
                    n += 1
                end += 1
            toks = toks_in(spans, m.start(1), end)
            raw = text[m.start(1) : end]
            want = IBAN_LENGTHS.get(value[:2])
            if want and len(value) < want:
                more = _continuation(layout, row, toks, want - len(value))
                if more is not None:
                    value, raw, toks = value + more[0], raw + " " + more[1], toks + more[2]
            taken.append((m.start(1), end))
            hits.append(Hit("iban", value, raw, toks, row, m.start(1), checks.check_iban(value)))
        for m in VAT_RE.finditer(upper):
            if any(a <= m.start() < b for a, b in taken):
                continue
            value = _vat_in(m.group(1), m.group(2))
            if value is None:
                continue
            end = _span_end(upper, m.start(2), len(value) - 2)
            hits.append(Hit("vat", value, text[m.start() : end], toks_in(spans, m.start(), end), row, m.start(), checks.check_vat(value)))
        for m in OGM_RE.finditer(text):
            digits = "".join(m.group(i) for i in (2, 3, 4))
            hits.append(Hit("ogm", identifiers.ogm_from_digits(digits), m.group(0), toks_in(spans, m.start(), m.end()), row, m.start(), checks.check_ogm(digits)))
        for m in BIC_RE.finditer(text):
            hits.append(Hit("bic", m.group(1), m.group(1), toks_in(spans, m.start(1), m.end(1)), row, m.start(1), checks.check_bic(m.group(1))))
        for m in KBO_RE.finditer(upper):
            if any(a <= m.start() < b for a, b in taken):
                continue
            value = identifiers.normalise_kbo(m.group(1))
            hits.append(Hit("kbo", value, m.group(1), toks_in(spans, m.start(1), m.end(1)), row, m.start(1), checks.check_kbo(value)))
    return hits


def _span_end(text: str, start: int, n_alnum: int) -> int:
    n, end = 0, start
    while end < len(text) and n < n_alnum:
        if text[end].isalnum():
            n += 1
        end += 1
    return end


def _continuation(layout: Layout, row: Row, toks: tuple[Tok, ...], need: int) -> tuple[str, str, tuple[Tok, ...]] | None:
    """The rest of an IBAN wrapped onto the next row, right under its start."""
    page = layout.page(row.page)
    if row.index + 1 >= len(page.rows) or not toks:
        return None
    below = page.rows[row.index + 1]
    x0 = toks[0].x0
    for cell in below.cells:
        if abs(cell.x0 - x0) < 2 * page.char_h:
            raw = re.match(r"[A-Z0-9 ]+", cell.text.upper())
            if raw and len(re.sub(r"\s", "", raw.group(0))) == need:
                return re.sub(r"\s", "", raw.group(0)), raw.group(0).strip(), tuple(cell.toks)
    return None


def loose_ogm(text: str) -> str | None:
    """``123/4567/89002`` without the plus signs, only if the mod-97 check passes."""
    for m in OGM_LOOSE_RE.finditer(text):
        digits = "".join(m.groups())
        if identifiers.ogm_digits_valid(digits):
            return identifiers.ogm_from_digits(digits)
    return None
