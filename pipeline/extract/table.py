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

from pipeline.core import checks
from pipeline.core.records import Check, InvoiceLine, VatBreakdownLine
from pipeline.extract.amounts import find_amounts
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Layout, Row, Tok, row_string
from pipeline.extract.scoring import Cand
from pipeline.extract.text import fold

COMPUTED = Check("computed_from_breakdown", True, "sum of the VAT breakdown rows (not printed as a total)")

RATES = {Decimal(x) for x in ["0", "2.1", "3", "4", "5", "5.5", "6", "7", "8", "9", "10", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "27"]}
_PCT_RE = re.compile(r"(?<![\d,.])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_OCR_PCT = re.compile(r"(?<![\d,.])(\d{1,2})[8S$](?![\d,.%])")
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
    prev_text = ""
    for row in layout.rows():
        text, spans = row_string(row)
        context, prev_text = fold(prev_text + " " + text), text
        amounts = find_amounts(text, decimal_mark)
        pcts = [p for p in _pcts(text) if p[0] in RATES or p[0] <= 30]
        exempt = bool(_EXEMPT.search(context) or re.search(r"\(\s?e\s?\)", context))
        rate_like = [a for a in amounts if a.value in RATES and a.decimals <= 2 and (a.value > 0 or exempt and a.decimals == 0)]
        # OCR reads "%" as "8", "S" or "$": "68" for "6%", "218" for "21%" (kept only when base × rate = amount)
        pcts += [(Decimal(m.group(1)), m.start()) for m in _OCR_PCT.finditer(text) if Decimal(m.group(1)) in RATES and m.group(1) != "0"]
        best = None
        for i, base in enumerate(amounts):
            for amount in amounts[i + 1 :]:
                if amount is base or abs(amount.value) > abs(base.value) or base.decimals == 0 and amount.decimals == 0:
                    continue
                options = [(r, True) for r, _ in pcts] + [(a.value, False) for a in rate_like if a is not base and a is not amount]
                for rate, with_pct in options:
                    if rate == 0:
                        if not (with_pct or exempt) or amount.value != 0 or base.value == 0 or base.decimals != 2 or amount.decimals > 2:
                            continue
                    elif base.value == 0 or not checks.vat_amount_matches(base.value, rate, amount.value):
                        continue
                    quality = (2 if with_pct else 1) + (1 if rate != 0 else 0)
                    if best is None or quality > best[0]:
                        best = (quality, rate, base, amount)
        if best is None:
            best = _inferred_rate(amounts)
        if best is None:
            continue
        _, rate, base, amount = best
        cat = _CAT_RE.search(text)
        category = cat.group(1) if cat else ("S" if rate > 0 else ("E" if exempt else None))
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


def _inferred_rate(amounts: list) -> tuple | None:
    """A row ``base | VAT | base + VAT`` whose rate did not read (``A 218`` for ``A 21%``):
    the rate is the one standard rate that base × rate = VAT fits, and the third amount
    must be their sum, so two independent relations back the row."""
    for i, base in enumerate(amounts):
        for j in range(i + 1, len(amounts)):
            vat = amounts[j]
            gross = next((g for g in amounts[j + 1 :] if abs(base.value + vat.value - g.value) <= Decimal("0.01")), None)
            if gross is None or base.decimals != 2 or vat.decimals != 2 or not 0 < vat.value < base.value:
                continue
            fits = [r for r in RATES if r > 0 and checks.vat_amount_matches(base.value, r, vat.value)]
            if len(fits) == 1:
                return (0.5, fits[0], base, vat)
    return None


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
            if rate == 0 and vat.value == 0 and net.value != 0:
                return [VatBreakdownLine(Decimal(0), net.value, vat.value, _zero_category(layout))]
    return []


_ZERO_CATEGORIES = (
    ("K", r"intra-?\s?(?:communautaire|community|communautair|gemeinschaftlich)|art\.?\s?39\s?bis|innergemeinschaftlich"),
    ("AE", r"verlegd|autoliquidation|reverse\s?charge|steuerschuldnerschaft|medecontractant"),
    ("G", r"\bexport|uitvoer|ausfuhr"),
    ("E", r"vrijgesteld|exonere|exempt|steuerfrei|befreit"),
)


def _zero_category(layout: Layout) -> str | None:
    """The UNCL5305 category of a 0 % invoice from the wording printed on it."""
    text = " ".join(fold(r.text) for r in layout.rows())
    return next((cat for cat, rx in _ZERO_CATEGORIES if re.search(rx, text)), "Z")


def breakdown_totals(rows: list[BreakdownRow]) -> dict[str, Cand]:
    """Net and VAT as printed in a one-rate breakdown (tokens of that row); with several
    rates, the sums of the bases and of the amounts (computed, weaker evidence)."""
    if len(rows) > 1:
        lines = [r.line for r in rows]
        if any(ln.base is None or ln.amount is None for ln in lines):
            return {}
        toks = tuple(t for r in rows for t in r.toks)
        return {
            "total_excl_vat": Cand("total_excl_vat", sum((ln.base for ln in lines), Decimal(0)), 0.3, toks, "", [COMPUTED]),
            "total_vat": Cand("total_vat", sum((ln.amount for ln in lines), Decimal(0)), 0.3, toks, "", [COMPUTED]),
        }
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
    "net_amount": r"bedrag(?:\sexcl\.?\sbtw)?|totaal|montant(?:\sht|\shtva)?|total(?:\sht)?|amount|line\samount|betrag|gesamtpreis|gesamt|nettowert|nettobetrag|summe|positions-?\s?betrag|subtotal|net",
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


def _has_numbers(text: str) -> bool:
    """A data row, not a header: an amount with decimals or several numbers (a lone
    digit is often OCR's reading of a column rule "|")."""
    found = find_amounts(text)
    return any(a.decimals > 0 for a in found) or len(found) > 1


def _merged_header(rows: list[Row], hi: int, char_h: float) -> tuple[dict[str, tuple[float, float]], int]:
    """Column words of a header printed over several rows (``Positions-`` / ``betrag``
    under and over ``Pos | Beschreibung | Menge``): the rows within two lines above and
    below that hold column words and no amounts join it. Returns the columns and the
    index of the header's last row."""
    header = rows[hi]
    cols = _header_columns(header)
    if len(cols) < 2:
        return cols, hi
    last = hi
    for j in list(range(hi - 1, max(-1, hi - 4), -1)) + list(range(hi + 1, min(len(rows), hi + 4))):
        other = rows[j]
        if abs(other.yc - header.yc) > 2.6 * char_h or find_amounts(other.text):
            continue
        extra = _header_columns(Row(other.page, other.index, [type(c)(list(c.toks)) for c in other.cells]))
        joined = _joined_words(rows, j, hi, char_h)
        for kind, rng in {**extra, **joined}.items():
            if kind not in cols or kind == "net_amount" and rng[0] > cols[kind][0]:
                cols[kind] = rng
        if j > hi and (extra or joined):
            last = max(last, j)
    return cols, last


def _joined_words(rows: list[Row], j: int, hi: int, char_h: float) -> dict[str, tuple[float, float]]:
    """A column word hyphenated over two header rows: ``Positions-`` over ``betrag``."""
    out: dict[str, tuple[float, float]] = {}
    if j + 1 >= len(rows) or j + 1 > hi + 3:
        return out
    for cell in rows[j].cells:
        if not cell.text.endswith("-"):
            continue
        below = next((c for c in rows[j + 1].cells if abs(c.x0 - cell.x0) < 2 * char_h), None)
        if below is None:
            continue
        word = fold(cell.text[:-1] + below.text)
        m = _COL_ANY.search(word)
        if m and m.lastgroup == "net_amount":
            out["net_amount"] = (min(cell.x0, below.x0), max(cell.x1, below.x1))
    return out


def lines_table(layout: Layout, decimal_mark: str | None) -> list[InvoiceLine]:
    out: list[InvoiceLine] = []
    for page in layout.pages:
        for hi, header in enumerate(page.rows):
            cols, last = _merged_header(page.rows, hi, page.char_h)
            if "net_amount" not in cols or len(cols) < 3 or _has_numbers(header.text) or find_labels(header.text.lower()) and len(cols) < 3:
                continue
            if cols["net_amount"][0] < max(v[0] for k, v in cols.items() if k != "vat_rate") - 1:
                continue  # the amount column is the rightmost one (a VAT % column may follow it)
            lines = _same_decimals(*_read_rows(page.rows[last + 1 :], cols, decimal_mark, page.char_h))
            if lines:
                out.extend(lines)
                break
    return _drop_charges(out)


def _read_rows(rows: list[Row], cols: dict[str, tuple[float, float]], decimal_mark: str | None, char_h: float) -> tuple[list[InvoiceLine], list[int]]:
    out: list[InvoiceLine] = []
    last_y = rows[0].yc if rows else 0.0
    numeric = {k: v for k, v in cols.items() if k != "description"}
    first_num_x = min(v[0] for v in numeric.values()) if numeric else 1e9
    net0, net1 = cols["net_amount"]
    decimals: dict[tuple, int] = {}
    net_decimals: list[int] = []
    consumed = -1
    for k, row in enumerate(rows):
        if k == consumed:
            continue  # its amount belongs to the line above
        far = row.yc - last_y > 8 * char_h
        if row.yc - last_y > 18 * char_h:
            break
        labels = [h for c in row.cells for h in find_labels(c.folded) if h.field in ("total_excl_vat", "total_incl_vat", "total_vat") and h.strength >= 0.8]
        if labels:
            break
        nums: list[tuple[float, float, Decimal]] = []
        pct: Decimal | None = None
        desc: list[str] = []
        for cell in row.cells:
            if cell.x1 < first_num_x - char_h and re.search(r"[^\W\d_]{3,}", cell.text):
                desc.append(cell.text)  # in the description column: its digits are no amounts
                continue
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
                ends_cell = not re.sub(r"^\s*\d{1,2}(?:[.,]\d{1,2})?\s?%\s*$", "", cell.text[a.end :]).strip(" €$£%-")
                nums.append((x0, x1 if ends_cell else -1.0, a.value))
                decimals[(x0, x1 if ends_cell else -1.0, a.value)] = a.decimals
        if not nums:
            continue
        if max(n[1] for n in nums) < net0 - 6 * char_h and k + 1 < len(rows):
            wrapped = _wrapped_net(row, rows[k + 1], (net0, net1), decimal_mark, char_h)
            if wrapped is not None:
                nums.append(wrapped)
                decimals[wrapped] = 2
                consumed = k + 1
        x0, x1, net = max(nums, key=lambda n: n[1])[:3]
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
        if far and not ("quantity" in values and "unit_price" in values):
            continue  # after a long gap only a complete line (quantity, price, amount) continues the table
        if not re.search(r"[^\W\d_]{3,}", " ".join(desc)) and k + 1 < len(rows):
            nxt = [c.text for c in rows[k + 1].cells if c.x0 < first_num_x - char_h and not find_amounts(c.text)]
            desc = desc + nxt[:1]
        last_y = row.yc
        net_decimals.append(decimals.get((x0, x1, net), 2))
        out.append(
            InvoiceLine(
                description=" ".join(desc).strip() or None,
                quantity=values.get("quantity"),
                unit_price=values.get("unit_price"),
                net_amount=values["net_amount"],
                vat_rate=values.get("vat_rate"),
            )
        )
    return out, net_decimals


def _wrapped_net(row: Row, nxt: Row, net_col: tuple[float, float], decimal_mark: str | None, char_h: float) -> tuple | None:
    """A line whose amount wrapped onto the next row (long description): that row's
    only amount, standing in the amount column, belongs to this line."""
    if nxt.yc - row.yc > 2.5 * char_h:
        return None
    found = [(a, c) for c in nxt.cells for a in find_amounts(c.text, decimal_mark) if a.decimals > 0]
    if len(found) != 1 or found[0][0].decimals != 2 or len(row.cells) < 3:
        return None
    a, cell = found[0]
    x0, x1 = _x_of(a, cell)
    if x1 < net_col[0] - 6 * char_h or x0 > net_col[1] + 6 * char_h:
        return None
    return (x0, x1, a.value)


def _same_decimals(lines: list[InvoiceLine], decimals: list[int]) -> list[InvoiceLine]:
    """Net amounts of one table are printed alike: when most have two decimals, a row
    whose "net amount" has another number of decimals is not a line (``7,0`` VAT rate)."""
    if len(lines) >= 3 and decimals.count(2) * 2 > len(decimals):
        lines = [ln for ln, d in zip(lines, decimals) if d == 2]
    return lines


def _drop_charges(lines: list[InvoiceLine]) -> list[InvoiceLine]:
    """When most lines (over all pages) show quantity × unit price = amount, a row with
    neither quantity nor price is a discount or charge printed under the table."""
    full = [ln for ln in lines if checks.line_arithmetic_ok(ln)]
    if len(full) >= 2 and len(full) * 2 > len(lines):
        lines = [ln for ln in lines if ln.quantity is not None or ln.unit_price is not None]
    return lines


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
