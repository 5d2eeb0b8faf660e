"""Every value of a field's type printed on the document, as weak candidates beside the
label rules' own (``origin="any"``, evidence score 0).

The label rules only see values next to a label they know. On a layout nobody wrote a
rule for (a heading ``Factuur`` with ``Nummer`` under it, a label on the line above,
a label spelled oddly) the right value is then missing from the candidates and no
ranker can choose it. Widening the pool lets the learned ranker judge each value by
the words around it (:mod:`pipeline.extract.features`).
"""

from __future__ import annotations

import re

from pipeline.extract.amounts import find_amounts
from pipeline.extract.basics import _id_shape, any_dates
from pipeline.extract.identifiers import Hit
from pipeline.extract.layout import Layout, row_string
from pipeline.extract.scoring import Cand
from pipeline.extract.text import fold

# the change a till hands back: never a total, net or VAT amount. Left in, "CASH 15.00",
# "CHANGE 2.50" and "TOTAL 12.50" add up as net + VAT = total, the wrong way round
_CHANGE = re.compile(
    r"^\W*(?:change|change due|wisselgeld|terug|teruggave|rendu|monnaie|a rendre|"
    r"ruckgeld|wechselgeld|cambio)\b"
)
_ID_TOKEN = re.compile(r"^[#:]*([A-Za-z0-9][A-Za-z0-9\-/._]{1,28}[A-Za-z0-9])[.,:;]?$")
MAX_ANY = 24


def _add(cands: list[Cand], extra: list[Cand], key=lambda v: v) -> list[Cand]:
    seen = {key(c.value) for c in cands}
    out = list(cands)
    for c in extra:
        k = key(c.value)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


def numbers(cands: list[Cand], layout: Layout, hits: list[Hit]) -> list[Cand]:
    """ID-shaped tokens of the first page (not a VAT number, IBAN, date or amount)."""
    if not layout.pages:
        return cands
    taken = {id(t) for h in hits for t in h.toks}
    extra: list[Cand] = []
    page = layout.pages[0]
    for row in page.rows:
        for t in row.toks:
            if id(t) in taken:
                continue
            m = _ID_TOKEN.match(t.text)
            if not m or _id_shape(m.group(1)) < 1.0:
                continue
            extra.append(
                Cand("invoice_number", m.group(1), 0.0, (t,), t.text, origin="any")
            )
            if len(extra) >= 2 * MAX_ANY:
                break
    return _add(cands, extra)


def dates(name: str, cands: list[Cand], layout: Layout, mdy: bool) -> list[Cand]:
    extra = []
    for c in any_dates(layout, mdy):
        extra.append(Cand(name, c.value, 0.0, c.toks, c.raw, origin="any"))
    return _add(cands, extra)


def amounts(
    name: str, cands: list[Cand], layout: Layout, mark: str | None
) -> list[Cand]:
    """Amounts with two decimals, from the bottom of the document up (totals stand low)."""
    extra: list[Cand] = []
    for row in reversed(layout.rows()):
        text, spans = row_string(row)
        if _CHANGE.match(fold(text)):
            continue
        for a in find_amounts(text, mark):
            if a.decimals != 2:
                continue
            toks = tuple(t for s, e, t in spans if s < a.end and e > a.start)
            extra.append(Cand(name, a.value, 0.0, toks, a.text, origin="any"))
        if len(extra) >= MAX_ANY:
            break
    return _add(cands, extra)
