"""Features of a field candidate, for the learned ranker (:mod:`pipeline.extract.ranker`).

Every candidate of a field (a value with its tokens, box and checks, see
:class:`pipeline.extract.scoring.Cand`) becomes one fixed-length vector of numbers:

* the words near it: the words just left of it on its row and the words of the nearest
  row above it over its column, each as (a) the label fields of the multilingual
  lexicon they match (NL/FR/DE/EN, :mod:`pipeline.extract.labels`) and (b) hashed
  character 3-grams (CRC32 buckets, so the same text always lands in the same bucket),
  so that a label spelling nobody listed still looks like the ones that were seen;
  a heading naming the document (``Invoice``/``Factuur``…) in the rows above;
* direction and distance to those words, position on the page, the height of its type
  against the page's usual height and the tallest type near the top (the text layer
  gives no font weight here, so weight is left out);
* the shape of the value (length, digits, letters, separators; for amounts magnitude,
  sign, decimals, rank among the document's amounts and whether it is the sum of two
  rivals; for dates the rank among the document's dates; for names legal form, street
  and country words, label words);
* how the page was read (text layer or OCR), the page's median word confidence and the
  candidate's against it, so that the model can learn how far a photo's reading is to be
  trusted (training sees simulated OCR readings, :mod:`pipeline.synth.ocrnoise`); for an
  issue date, whether it is a letter's dateline or a till's timestamp
  (:mod:`pipeline.extract.issuedate`);
* the reading confidence, which checks passed or failed, how often the value is printed,
  the hand-set evidence score of the rule that proposed it and its rank among rivals;
* document facts: credit note, till receipt, number of pages.

Nothing here depends on the order of a dict or on Python's salted ``hash``: the same
document gives the same vectors in every process.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from models.enums import FieldSource
from pipeline.extract.amounts import find_amounts
from pipeline.extract.dates import find_dates
from pipeline.extract.labels import LEXICON, exact_labels
from pipeline.extract.layout import Layout, Row, Tok
from pipeline.extract.scoring import STRONG_CHECKS, Cand
from pipeline.extract.text import fold

FAMILIES: dict[str, tuple[str, ...]] = {
    "number": ("invoice_number", "payment_reference"),
    "date": ("issue_date", "due_date"),
    "name": ("supplier_name", "customer_name"),
    "amount": ("total_excl_vat", "total_vat", "total_incl_vat"),
    "account": ("iban", "supplier_vat", "customer_vat"),
}
FAMILY_OF = {f: fam for fam, fields in FAMILIES.items() for f in fields}
LABEL_FIELDS = tuple(sorted(LEXICON))
NGRAM_BUCKETS = 48
_TITLE = re.compile(
    r"\b(?:invoice|factuur|facture|rechnung|credit\s?nota|creditnota|kredietnota|credit\snote|note\sde\scredit|gutschrift|avoir|bill|receipt|kasticket|ticket)\b"
)
_LEGAL = re.compile(
    r"\b(?:bv|nv|bvba|srl|sprl|sa|sc|scrl|vzw|asbl|gmbh|ag|kg|ltd|llc|inc|sarl|sas|bhd|comm\.?v|vof|cv)\b\.?"
)
_STREET = re.compile(
    r"(?:straat|strasse|str\.|laan|weg|steenweg|dreef|plein|lei|kaai|markt|rue|avenue|chaussee|boulevard|place|allee|street|road|lane|drive)\b|\b\d{4,5}\b"
)
_COUNTRY = re.compile(
    r"\b(?:belgie|belgique|belgium|belgien|nederland|pays-bas|netherlands|the netherlands|frankrijk|france|duitsland|allemagne|germany|deutschland|luxembourg|luxemburg|spain|espagne|italie|italy|united kingdom)\b"
)
CHECK_NAMES = (
    "iban_checksum",
    "vat_check_digits",
    "ogm_check_digits",
    "label_value_agree",
    "number_repeated",
    "dates_terms_agree",
    "day_first",
    "vat_side_settled",
)


@dataclass
class DocContext:
    """What every candidate's features look up: rows, tokens, labels, document facts."""

    layout: Layout
    doc_type: str
    row_of: dict[int, Row] = field(default_factory=dict)
    amounts: list[Decimal] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    printed: Counter = field(
        default_factory=Counter
    )  # letters+digits of every cell, and of every token
    top_h: float = 1.0
    pools: dict[str, list[Cand]] = field(
        default_factory=dict
    )  # every field's candidates, for rivals
    ocr: dict[int, tuple[float, float]] = field(
        default_factory=dict
    )  # per page: (read by OCR, median word confidence)

    @classmethod
    def build(
        cls, layout: Layout, doc_type: str, mark: str | None, mdy: bool = False
    ) -> DocContext:
        ctx = cls(layout, doc_type)
        amounts: set[Decimal] = set()
        dates: set[date] = set()
        for row in layout.rows():
            for t in row.toks:
                ctx.row_of[id(t)] = row
                ctx.printed[_alnum(t.text)] += 1
            for cell in row.cells:
                key = _alnum(cell.text)
                if len(row.cells) > 1 or len(cell.toks) > 1:
                    ctx.printed[key] += 1
            text = row.text
            for a in find_amounts(text, mark):
                if a.decimals == 2:
                    amounts.add(abs(a.value))
            for d in find_dates(text, prefer_month_first=mdy):
                dates.add(d.value)
        for page in layout.pages:
            confs = sorted(t.conf for r in page.rows for t in r.toks)
            ctx.ocr[page.number] = (
                float(page.source == FieldSource.OCR),
                confs[len(confs) // 2] if confs else 1.0,
            )
        ctx.amounts = sorted(amounts, reverse=True)
        ctx.dates = sorted(dates)
        if layout.pages:
            first = layout.pages[0]
            heights = [
                t.h / first.char_h for r in first.rows if r.top < 0.35 for t in r.toks
            ]
            ctx.top_h = max(heights, default=1.0)
        return ctx


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(str(text)))


def _hash_grams(text: str, out: np.ndarray, offset: int) -> None:
    text = f" {text} "
    for i in range(len(text) - 2):
        out[offset + zlib.crc32(text[i : i + 3].encode()) % NGRAM_BUCKETS] = 1.0


def _lexicon(text: str, out: np.ndarray, offset: int) -> None:
    for hit in exact_labels(text):
        k = LABEL_FIELDS.index(hit.field)
        out[offset + k] = max(out[offset + k], hit.strength)


def _near_words(
    ctx: DocContext, toks: tuple[Tok, ...]
) -> tuple[str, float, str, float, float]:
    """(words left on the row, their distance, words of the row above over the column,
    its distance, rows up to a document heading) in char heights / rows."""
    first = toks[0]
    row = ctx.row_of.get(id(first))
    if row is None:
        return "", 99.0, "", 99.0, 99.0
    page = ctx.layout.page(row.page)
    ch = page.char_h or 1.0
    own = {id(t) for t in toks}
    x0 = min(t.x0 for t in toks)
    x1 = max(t.x1 for t in toks)
    left = [t for t in row.toks if t.x1 <= x0 + 0.5 and id(t) not in own]
    left_text = fold(" ".join(t.text for t in left[-4:]))
    left_d = (x0 - left[-1].x1) / ch if left else 99.0
    above_text, above_d, title_rows = "", 99.0, 99.0
    for k, r in enumerate(reversed(page.rows[: row.index])):
        if k >= 8:
            break
        if title_rows == 99.0 and _TITLE.search(fold(r.text)):
            title_rows = float(k + 1)
        if above_text or row.yc - r.yc > 6 * ch:
            continue
        over = [
            t for t in r.toks if min(t.x1, x1 + 2 * ch) - max(t.x0, x0 - 2 * ch) > 0
        ]
        if over:
            above_text = fold(" ".join(t.text for t in over[:5]))
            above_d = (row.yc - r.yc) / ch
    return left_text, min(left_d, 99.0), above_text, min(above_d, 99.0), title_rows


def _value_text(c: Cand) -> str:
    if isinstance(c.value, str):
        return c.value
    if c.raw and not isinstance(c.value, Decimal | date):
        return c.raw
    return " ".join(t.text for t in c.toks) if c.toks else str(c.value)


N_BASE = 64
N_FEATURES = N_BASE + 2 * len(LABEL_FIELDS) + 2 * NGRAM_BUCKETS


def featurize(name: str, cands: list[Cand], ctx: DocContext) -> np.ndarray:
    """One row of ``N_FEATURES`` numbers per candidate of field ``name``."""
    out = np.zeros((len(cands), N_FEATURES), dtype=np.float32)
    fam = FAMILY_OF[name]
    field_idx = FAMILIES[fam].index(name)
    scores = sorted((c.score for c in cands), reverse=True)
    best = scores[0] if scores else 0.0
    for i, c in enumerate(cands):
        v = out[i]
        v[0] = field_idx
        v[1] = c.score
        v[2] = scores.index(c.score)
        v[3] = len(cands)
        v[4] = best - c.score
        v[5] = float(getattr(c, "origin", "rule") == "rule")
        v[6] = c.reading_conf
        ok = [x.name for x in c.checks if x.ok]
        failed = [x.name for x in c.checks if not x.ok]
        v[7] = sum(n in STRONG_CHECKS for n in ok)
        v[8] = len(failed)
        for k, n in enumerate(CHECK_NAMES):
            v[9 + k] = 1.0 if n in ok else (-1.0 if n in failed else 0.0)
        # 9..16 used by checks
        text = _value_text(c)
        folded = fold(text)
        v[17] = len(text)
        v[18] = sum(ch.isdigit() for ch in text) / max(1, len(text))
        v[19] = sum(ch.isalpha() for ch in text) / max(1, len(text))
        v[20] = sum(ch.isupper() for ch in text) / max(
            1, sum(ch.isalpha() for ch in text)
        )
        v[21] = len(text.split())
        v[22] = float("/" in text) + 2 * float("-" in text) + 4 * float("." in text)
        v[23] = ctx.printed.get(_alnum(text), 0)
        v[24] = 1.0 if ctx.doc_type == "credit_note" else 0.0
        v[25] = 1.0 if ctx.doc_type == "receipt" else 0.0
        v[26] = len(ctx.layout.pages)
        if c.toks:
            page = ctx.layout.page(c.toks[0].page)
            v[27] = ctx.layout.pages.index(page)
            v[28] = min(t.bbox[0] for t in c.toks)
            v[29] = min(t.bbox[1] for t in c.toks)
            v[30] = max(t.bbox[2] for t in c.toks)
            v[31] = max(t.bbox[3] for t in c.toks)
            h = max(t.h for t in c.toks) / (page.char_h or 1.0)
            v[32] = h
            v[33] = h / (ctx.top_h or 1.0)
            left, left_d, above, above_d, title_rows = _near_words(ctx, c.toks)
            v[34], v[35], v[36] = left_d, above_d, title_rows
            v[37] = len(left)
            v[38] = len(above)
            row = ctx.row_of.get(id(c.toks[0]))
            v[39] = len(row.cells) if row else 0
            v[40] = row.index / max(1, len(page.rows)) if row else 1.0
            _lexicon(left, v, N_BASE)
            _lexicon(above, v, N_BASE + len(LABEL_FIELDS))
            _hash_grams(left[-24:], v, N_BASE + 2 * len(LABEL_FIELDS))
            _hash_grams(above[:24], v, N_BASE + 2 * len(LABEL_FIELDS) + NGRAM_BUCKETS)
            # the candidate's own cell: the value alone in it, or cut from a longer text
            cell_text = (
                next((cl.text for cl in row.cells if c.toks[0] in cl.toks), "")
                if row
                else ""
            )
            v[41] = len(_alnum(cell_text)) - len(_alnum(text))
            v[42] = float(_alnum(text) == _alnum(cell_text))
            # how the page was read: a photo's or scan's words are less sure than a text layer's
            v[53], v[54] = ctx.ocr.get(c.toks[0].page, (0.0, 1.0))
            v[55] = c.reading_conf - v[54]
        else:
            v[34] = v[35] = v[36] = 99.0
        _shape(fam, c, folded, ctx, v)
    return out


def _shape(fam: str, c: Cand, folded: str, ctx: DocContext, v: np.ndarray) -> None:
    if fam == "amount" and isinstance(c.value, Decimal):
        a = abs(c.value)
        v[43] = math.log10(float(a) + 1.0)
        v[44] = float(c.value < 0)
        v[45] = ctx.amounts.index(a) if a in ctx.amounts else 99
        v[46] = float(bool(ctx.amounts) and a == ctx.amounts[0])
        v[47] = (
            float(a) / float(ctx.amounts[0]) if ctx.amounts and ctx.amounts[0] else 0.0
        )
        values = set(ctx.amounts)
        # the sum of two printed amounts (a total), or one of two that sum to another (a net or VAT)
        v[48] = float(any(x != a and (a - x) in values and (a - x) > 0 for x in values))
        v[49] = float(any(x + a in values for x in values if x != a))
        v[50] = float(
            any(
                x > a and abs(x * Decimal("0.21") - a) <= Decimal("0.02")
                for x in values
            )
            or any(
                x > a and abs(x * Decimal("0.06") - a) <= Decimal("0.02")
                for x in values
            )
        )
        v[51] = float(c.value == c.value.to_integral_value())
    elif fam == "date" and isinstance(c.value, date):
        if ctx.dates:
            v[43] = ctx.dates.index(c.value) if c.value in ctx.dates else -1
            v[44] = len(ctx.dates)
            v[45] = (c.value - ctx.dates[0]).days
            v[46] = (ctx.dates[-1] - c.value).days
        v[47] = float(bool(re.search(r"\d{1,2}:\d{2}", c.raw or "")))
    elif fam == "name":
        v[43] = float(bool(_LEGAL.search(folded)))
        v[44] = float(bool(_STREET.search(folded)))
        v[45] = float(bool(_COUNTRY.search(folded)))
        v[46] = float(bool(exact_labels(folded)))
        v[47] = float(bool(_TITLE.search(folded)))
        v[48] = float(bool(re.search(r"@|www\.|https?:|\+\d{2}|\btel\b", folded)))
        v[49] = float(folded.upper() == folded)
    elif fam in ("number", "account"):
        v[43] = float(
            bool(
                re.fullmatch(
                    r"\+{3}.*\+{3}|\*{3}.*\*{3}",
                    c.value if isinstance(c.value, str) else "",
                )
            )
        )
        v[44] = float(bool(find_dates(folded))) if fam == "number" else 0.0
        v[45] = float(bool(exact_labels(folded)))
        v[46] = float(bool(re.search(r"\d", folded)))
    v[52] = float(getattr(c, "cut", False))
    if fam == "date":
        # an issue date with no label: a letter's dateline, a till's timestamp
        v[56] = float(any(x.ok and x.name == "dateline" for x in c.checks))
        v[57] = float(any(x.ok and x.name == "sale_timestamp" for x in c.checks))


def values_match(name: str, truth: Any, value: Any) -> bool:
    """The training label: the candidate's value is the truth (amounts to the cent,
    dates exactly, identifiers on letters and digits, names case- and space-insensitive)."""
    if truth is None or value is None:
        return False
    if FAMILY_OF.get(name) == "amount":
        try:
            return abs(Decimal(str(truth)) - Decimal(str(value))) <= Decimal("0.01")
        except ArithmeticError:
            return False
    if FAMILY_OF.get(name) == "date":
        return str(truth)[:10] == (
            value.isoformat() if isinstance(value, date) else str(value)[:10]
        )
    if name == "invoice_number":
        return str(truth).strip() == str(value).strip()
    if FAMILY_OF.get(name) in ("account", "number"):
        return _alnum(truth).upper() == _alnum(value).upper() and bool(_alnum(truth))
    return (
        re.sub(r"\s+", " ", str(truth)).strip().lower()
        == re.sub(r"\s+", " ", str(value)).strip().lower()
    )
