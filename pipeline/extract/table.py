"""Tables: the VAT breakdown (rate, base, amount) and the invoice lines.

The VAT breakdown is found by arithmetic, not by layout: any row holding a rate and
two amounts with base × rate = amount (±1 cent) is a breakdown row, wherever it is
printed. Lines are read under a header row recognised by its column words
(description / quantity / unit price / VAT / amount in four languages); each column
takes the numbers whose boxes overlap it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pipeline import checks
from pipeline.extract.amounts import find_amounts
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Layout, Row, Tok, row_string
from pipeline.extract.scoring import Cand
from pipeline.extract.text import fold
from pipeline.records import InvoiceLine, VatBreakdownLine

RATES = {Decimal(x) for x in ["0", "2.1", "3", "4", "5", "5.5", "6", "7", "8", "9", "10", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "27"]}
_PCT_RE = re.compile(r"(?<![\d,.])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_CAT_RE = re.compile(r"(?:^|[\s(])(S|Z|E|AE|K|G|O)(?:[)\s]|$)")
_EXEMPT = re.compile(r"vrijgesteld|exonere|exempt|steuerfrei|befreit|exoneration|0\s?%")


@dataclass
class BreakdownRow:
    line: VatBreakdownLine
    row: Row
    toks: tuple[Tok, ...]


def _pcts(text: str) -> list[tuple[Decimal, int]]:
    return [(Decimal(m.group(1).replace(",", ".")), m.start()) for m in _PCT_RE.finditer(text)]


def vat_breakdown(layout: Layout, decimal_mark: str | None) -> list[BreakdownRow]:
    found: list[BreakdownRow] = []
    for row in layout.rows():
        text, spans = row_string(row)
        amounts = find_amounts(text, decimal_mark)
        pcts = [p for p in _pcts(text) if p[0] in RATES or p[0] <= 30]
        rate_like = [a for a in amounts if a.value in RATES and a.decimals <= 2 and a.value > 0]
        best = None
        for i, base in enumerate(amounts):
            for amount in amounts[i + 1 :]:
                if amount is base or abs(amount.value) > abs(base.value) or base.decimals == 0 and amount.decimals == 0:
                    continue
                options = [(r, True) for r, _ in pcts] + [(a.value, False) for a in rate_like if a is not base and a is not amount]
                for rate, with_pct in options:
                    if rate == 0:
                        if not (with_pct or _EXEMPT.search(fold(text))) or amount.value != 0 or base.value == 0 or base.decimals != 2 or amount.decimals > 2:
                            continue
                    elif base.value == 0 or not checks.vat_amount_matches(base.value, rate, amount.value):
                        continue
                    quality = (2 if with_pct else 1) + (1 if rate != 0 else 0)
                    if best is None or quality > best[0]:
                        best = (quality, rate, base, amount)
        if best is None:
            continue
        _, rate, base, amount = best
        cat = _CAT_RE.search(text)
        category = cat.group(1) if cat else ("S" if rate > 0 else None)
        toks = tuple(t for a, b, t in spans if (a < base.end and b > base.start) or (a < amount.end and b > amount.start))
        found.append(BreakdownRow(VatBreakdownLine(rate.normalize() if rate else Decimal(0), base.value, amount.value, category), row, toks))
    # one row per (rate, base, amount); per rate keep the summary (largest base, last printed)
    unique: dict[tuple, BreakdownRow] = {}
    for br in found:
        unique.setdefault((br.line.rate, br.line.base, br.line.amount), br)
    per_rate: dict[Decimal | None, BreakdownRow] = {}
    for br in unique.values():
        cur = per_rate.get(br.line.rate)
        if cur is None or abs(br.line.base or 0) >= abs(cur.line.base or 0):
            per_rate[br.line.rate] = br
    rows = sorted(per_rate.values(), key=lambda b: (b.row.page, b.row.index))
    return rows


def single_rate(layout: Layout, chosen: dict, decimal_mark: str | None) -> list[VatBreakdownLine]:
    """No breakdown table, but the VAT total's row names one rate ("19% VAT", "TVA 20 %",
    "zzgl. 19,00% MwSt."): base = net, amount = VAT, when the rate fits."""
    net, vat = chosen.get("total_excl_vat"), chosen.get("total_vat")
    if net is None or vat is None:
        return []
    rows = {id(r): r for c in (vat, net) for t in c.toks for r in layout.rows(t.page) if t in r.toks}
    for row in rows.values():
        for rate, _ in _pcts(row.text):
            if rate in RATES and rate > 0 and checks.vat_amount_matches(net.value, rate, vat.value):
                return [VatBreakdownLine(rate.normalize(), net.value, vat.value, "S")]
    return []


def breakdown_totals(rows: list[BreakdownRow]) -> dict[str, Cand]:
    """Net and VAT as printed in a one-rate breakdown (tokens of that row)."""
    if len(rows) != 1:
        return {}
    br = rows[0]
    line = br.line
    out = {}
    if line.base is not None:
        out["total_excl_vat"] = Cand("total_excl_vat", line.base, 0.35, br.toks[:1], "")
    if line.amount is not None:
        out["total_vat"] = Cand("total_vat", line.amount, 0.35, br.toks[-1:], "")
    return out


# ----------------------------------------------------------------------------- lines
COLUMN_WORDS: dict[str, str] = {
    "description": r"omschrijving|beschrijving|artikel(?:bezeichnung)?|product|produit|description|designation|libelle|beschreibung|bezeichnung|leistung|item|dienst|article|prestation|service",
    "quantity": r"aantal|hoeveelheid|qty|quantity|quantite|qte|menge|anzahl|stuks|nombre|units?",
    "unit_price": r"eenheidsprijs|prijs|prix\sunitaire|p\.?u\.?(?:\sht)?|unit\sprice|price|einzelpreis|nettopreis|stuckpreis|unit\scost|preis|rate",
    "vat_rate": r"btw\s?%?|tva\s?%?|taux|vat\s?%?|taxes?|mwst\.?\s?-?%?|ust\.?|steuer|%",
    "net_amount": r"bedrag(?:\sexcl\.?\sbtw)?|totaal|montant(?:\sht|\shtva)?|total(?:\sht)?|amount|line\samount|betrag|gesamtpreis|gesamt|nettowert|summe|positionsbetrag|subtotal|net",
}
_COL_ANY = re.compile("|".join(f"(?P<{k}>" + r"(?<![a-z])(?:" + v + r")(?![a-z])" + ")" for k, v in COLUMN_WORDS.items()))


def _header_columns(row: Row) -> dict[str, tuple[float, float]]:
    cols: dict[str, tuple[float, float]] = {}
    for cell in row.cells:
        folded = " ".join(fold(t.text) for t in cell.toks)
        spans, pos = [], 0
        for t in cell.toks:
            spans.append((pos, pos + len(fold(t.text)), t))
            pos += len(fold(t.text)) + 1
        for m in _COL_ANY.finditer(folded):
            kind = m.lastgroup
            toks = [t for a, b, t in spans if a < m.end() and b > m.start()]
            if not toks or kind is None:
                continue
            rng = (min(t.x0 for t in toks), max(t.x1 for t in toks))
            if kind == "net_amount" or kind not in cols:
                cols[kind] = rng
    # the VAT column named "VAT %" next to an amount column named "… excl. VAT" stays one column
    return cols


def lines_table(layout: Layout, decimal_mark: str | None) -> list[InvoiceLine]:
    out: list[InvoiceLine] = []
    for page in layout.pages:
        for hi, header in enumerate(page.rows):
            cols = _header_columns(header)
            if "net_amount" not in cols or len(cols) < 3 or find_amounts(header.text) or find_labels(header.text.lower()) and len(cols) < 3:
                continue
            if cols["net_amount"][0] < max(v[0] for v in cols.values()) - 1:
                continue  # the amount column is the rightmost one
            lines = _read_rows(page.rows[hi + 1 :], cols, decimal_mark, page.char_h)
            if lines:
                out.extend(lines)
                break
    return out


def _read_rows(rows: list[Row], cols: dict[str, tuple[float, float]], decimal_mark: str | None, char_h: float) -> list[InvoiceLine]:
    out: list[InvoiceLine] = []
    last_y = rows[0].yc if rows else 0.0
    numeric = {k: v for k, v in cols.items() if k != "description"}
    first_num_x = min(v[0] for v in numeric.values()) if numeric else 1e9
    net0, net1 = cols["net_amount"]
    for k, row in enumerate(rows):
        if row.yc - last_y > 8 * char_h:
            break
        labels = [h for c in row.cells for h in find_labels(c.folded) if h.field in ("total_excl_vat", "total_incl_vat", "total_vat") and h.strength >= 0.8]
        if labels:
            break
        nums: list[tuple[float, float, Decimal]] = []
        pct: Decimal | None = None
        desc: list[str] = []
        for cell in row.cells:
            found = find_amounts(cell.text, decimal_mark)
            p = _pcts(cell.text)
            if p and pct is None:
                pct = p[0][0]
            if not found and not p:
                if cell.x0 < first_num_x - char_h:
                    desc.append(cell.text)
                continue
            for a in found:
                x0, x1 = _x_of(a, cell)
                ends_cell = not cell.text[a.end :].strip(" €$£%-")
                nums.append((x0, x1 if ends_cell else -1.0, a.value))
        if not nums:
            continue
        x0, x1, net = max(nums, key=lambda n: n[1])
        if x1 < 0 or x1 < net0 - 6 * char_h or x0 > net1 + 6 * char_h or len(nums) < 2:
            continue
        values: dict[str, Decimal] = {"net_amount": net}
        for n0, n1, v in nums:
            if (n0, n1, v) == (x0, x1, net):
                continue
            kind = _column_for(n0, n1, {c: r for c, r in numeric.items() if c != "net_amount"}, char_h)
            if kind and kind not in values:
                values[kind] = v
        if pct is not None:
            values["vat_rate"] = pct
        if not re.search(r"[^\W\d_]{3,}", " ".join(desc)) and k + 1 < len(rows):
            nxt = [c.text for c in rows[k + 1].cells if c.x0 < first_num_x - char_h and not find_amounts(c.text)]
            desc = desc + nxt[:1]
        last_y = row.yc
        out.append(
            InvoiceLine(
                description=" ".join(desc).strip() or None,
                quantity=values.get("quantity"),
                unit_price=values.get("unit_price"),
                net_amount=values["net_amount"],
                vat_rate=values.get("vat_rate"),
            )
        )
    return out


def _x_of(a, cell) -> tuple[float, float]:
    share0 = a.start / max(len(cell.text), 1)
    share1 = a.end / max(len(cell.text), 1)
    return cell.x0 + (cell.x1 - cell.x0) * share0, cell.x0 + (cell.x1 - cell.x0) * share1


def _column_for(x0: float, x1: float, numeric: dict[str, tuple[float, float]], char_h: float) -> str | None:
    best, best_d = None, None
    for kind, (c0, c1) in numeric.items():
        overlap = min(x1, c1 + char_h) - max(x0, c0 - char_h)
        d = -overlap if overlap > 0 else min(abs(x1 - c1), abs(x0 - c0)) + 1000
        if best_d is None or d < best_d:
            best, best_d = kind, d
    if best_d is not None and best_d > 1000 + 6 * char_h:
        return None
    return best
