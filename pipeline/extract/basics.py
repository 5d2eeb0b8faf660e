"""Label-led fields: invoice number, dates, currency, payment reference, IBAN, BIC,
enterprise number. Each finder returns scored candidates, best first."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from pipeline.core import checks
from pipeline.core.records import Check
from pipeline.extract.amounts import CURRENCY_CODES, find_amounts
from pipeline.extract.dates import find_dates
from pipeline.extract.identifiers import Hit, loose_ogm
from pipeline.extract.labels import find_labels
from pipeline.extract.layout import Layout, row_string
from pipeline.extract.regions import LabelAt, Region, regions_for
from pipeline.extract.scoring import Cand, merge_same
from pipeline.extract.text import fold

_ID_RE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9\-/._]*(?:\s[/\-]\s[A-Za-z0-9][A-Za-z0-9\-/._]*)*"
)
_NOISE_WORDS = {
    "nr",
    "no",
    "n°",
    "nummer",
    "number",
    "datum",
    "date",
    "page",
    "seite",
    "pagina",
    "du",
    "van",
    "of",
    "de",
    "vom",
    "from",
}


def _labels(labels: list[LabelAt], name: str) -> list[LabelAt]:
    return [lab for lab in labels if lab.hit.field == name]


def _toks_for(region: Region, fragment: str) -> tuple:
    """The region's tokens that make up ``fragment`` (best effort)."""
    parts = set(fragment.split())
    chosen = tuple(
        t for t in region.toks if t.text in parts or any(p in t.text for p in parts)
    )
    return chosen or region.toks


def invoice_numbers(labels: list[LabelAt], layout: Layout) -> list[Cand]:
    cands: list[Cand] = []
    for lab in _labels(labels, "invoice_number"):
        title = lab.hit.strength < 0.6
        for region in regions_for(lab, layout, max_below=1):
            numbered = re.match(
                r"(?:nr|no|n°|nummer|number|#)\.?\s", region.text, flags=re.IGNORECASE
            )
            if (
                title
                and region.relation != "inline"
                and not (region.relation == "right" and numbered)
            ):
                continue
            text = re.sub(
                r"^\(\d{1,4}\)\s*", "", region.text
            )  # a type code: "Rechnungskorrektur (384) Nr. …"
            text = re.sub(
                r"^(?:n[°o]\.?|nr\.?|no\.?|nummer|number|#)\s*[:.]?\s*",
                "",
                text,
                flags=re.IGNORECASE,
            )
            best = None
            after_nr = re.search(
                r"(?:^|\s)(?:nr|no|n°|nummer|number|#)\.?\s*:?\s*(?=\w)",
                text[:80],
                flags=re.IGNORECASE,
            )
            if after_nr:
                m = _ID_RE.match(text, after_nr.end())
                if m and _id_shape(m.group(0).rstrip("._-/")) >= 1.0:
                    best = (m.group(0).rstrip("._-/"), 1.0)
            for k, m in enumerate(() if best else _ID_RE.finditer(text[:80])):
                value = m.group(0).rstrip("._-/")
                shape = _id_shape(value)
                if shape >= 1.0:
                    best = (value, shape * (1.0 if k == 0 else 0.8))
                    break
                if best is None and k == 0 and not title:
                    best = (value, shape)
            if best is None or best[1] <= 0:
                continue
            value, shape = best
            weight = 0.95 if region.head else region.weight
            score = lab.hit.strength * weight * shape
            agree = []
            beside = region.relation in ("inline", "right") or region.head
            if (
                lab.hit.strength >= 0.9
                and beside
                and shape >= 1.0
                and _alone(value, text)
            ):
                where = "under the column head" if region.head else "next to the label"
                agree = [
                    Check(
                        "label_value_agree",
                        True,
                        f"{value} stands alone {where} {lab.hit.field!r}",
                    )
                ]
            toks = _toks_for(region, value)
            again = (
                _repeated(value, layout, set(toks) | set(lab.toks))
                if shape >= 1.0
                else None
            )
            if again is not None:
                agree.append(again)
                if title and region.relation == "inline" and _alone(value, text):
                    # "Factuur 2025/0771" as the document's title, and that very number printed
                    # again (payment communication, page header or footer): it is the invoice number
                    score = max(score, 0.92)
            cands.append(Cand("invoice_number", value, score, toks, region.text, agree))
    return _single_agreement(merge_same(cands))


# a row that points at another document ("credit note for invoice F-12", "facture d'origine")
_REFERS = re.compile(
    r"\b(?:for|to|of|on|against|relative|relatif|relatifs?|concernant|bij|op|voor|betreffende|zu|zur|zum|bezuglich|fur)\s+(?:(?:the|la|le|de|die|der|het|uw|votre|your)\s+)?"
    r"(?:invoice|facture|factuur|rechnung|credit\s?note|note\s+de\s+credit|creditnota)\b"
)


def _repeated(value: str, layout: Layout, own: set) -> Check | None:
    """The number printed again elsewhere, as a whole token, in a row that is not about
    another document nor labelled as some other number (customer, order)."""
    if len(re.sub(r"[^A-Za-z0-9]", "", value)) < 4 or not re.search(r"\d", value):
        return None
    rx = re.compile(
        r"(?<![A-Za-z0-9/\-_.])" + re.escape(value) + r"(?![A-Za-z0-9/\-_]|[.,]\d)"
    )
    for row in layout.rows():
        if any(t in own for t in row.toks):
            continue
        text = row.text
        m = rx.search(text)
        if m is None:
            continue
        low = fold(text)
        if _REFERS.search(low) or any(h.field == "noise" for h in find_labels(low)):
            continue
        return Check(
            "number_repeated",
            True,
            f"{value} is printed again elsewhere on the document: {text.strip()[:60]!r}",
        )
    return None


def _alone(value: str, text: str) -> bool:
    """The value is the whole region (nothing trailing that might belong to it)."""
    return re.sub(r"[\s:#.]", "", text) == re.sub(r"[\s:#.]", "", value)


def _single_agreement(cands: list[Cand]) -> list[Cand]:
    """A label-and-shape agreement counts only when no other strongly labelled value competes."""
    agreeing = {
        c.value for c in cands if any(x.name == "label_value_agree" for x in c.checks)
    }
    if len(agreeing) > 1:
        for c in cands:
            c.checks = [x for x in c.checks if x.name != "label_value_agree"]
    return cands


def _id_shape(value: str) -> float:
    v = value.strip()
    if len(v) < 2 or fold(v) in _NOISE_WORDS or len(v) > 40:
        return 0.0
    if not re.search(r"\d", v):
        return 0.15
    if find_dates(v) and re.fullmatch(r"[\d./\- ]+", v):
        return 0.1
    amounts = find_amounts(v)
    if amounts and amounts[0].decimals == 2 and re.fullmatch(r"[\d.,\s]+", v):
        return 0.2
    return 1.0


def _date_votes(layout: Layout) -> Counter:
    votes: Counter[str] = Counter()
    for row in layout.rows():
        for m in re.finditer(
            r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?!\d)", row.text
        ):
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 >= b:
                votes["dmy"] += 1
            elif b > 12 >= a:
                votes["mdy"] += 1
    return votes


def month_first(layout: Layout) -> bool:
    """True when the document's numeric dates can only be month-first (``12/31/2026``)."""
    votes = _date_votes(layout)
    return votes["mdy"] > votes["dmy"]


# words of the day-first languages (Dutch, French, German) that invoices print
_DAY_FIRST_WORDS = re.compile(
    r"\b(?:factuur\w*|btw|vervaldag|vervaldatum|totaal|bedrag|betaling\w*|facture\w*|tva|htva|tvac|echeance|montant|paiement|"
    r"rechnung\w*|mwst|ust|gesamtbetrag|zahlbar|datum)\b"
)


def day_first(layout: Layout, mark: str | None) -> str | None:
    """Why the document's numeric dates are day-first, or None when that is not settled.

    Settled when no date printed can only be month-first and the document is Dutch,
    French or German, or writes amounts with a decimal comma, or prints a date that can
    only be day-first (``25/05/2026``). A VAT number alone does not settle it: a US
    seller prints its European customer's."""
    votes = _date_votes(layout)
    if votes["mdy"]:
        return None
    if votes["dmy"]:
        return "another date on it can only be day-first"
    words = {
        m.group(0)
        for r in layout.rows()
        for m in _DAY_FIRST_WORDS.finditer(fold(r.text))
    }
    if len(words) >= 2:
        return (
            "it is written in Dutch, French or German ("
            + ", ".join(sorted(words)[:3])
            + ")"
        )
    if mark == ",":
        return "its amounts are written with a decimal comma"
    return None


def dates(
    labels: list[LabelAt],
    layout: Layout,
    name: str,
    mdy: bool,
    dayfirst: str | None = None,
) -> list[Cand]:
    """Dates under their labels. ``dayfirst``: why the document's numeric dates are
    day-first (then ``03/04/2026`` is 3 April, not a doubt)."""
    cands: list[Cand] = []
    for lab in _labels(labels, name):
        for region in regions_for(lab, layout, max_below=2):
            found = find_dates(region.text, prefer_month_first=mdy)
            if not found:
                continue
            d = found[0]
            settled = d.ambiguous and dayfirst is not None and not mdy
            ambiguous = d.ambiguous and not settled
            weight = 0.95 if region.head and _whole(d, region.text) else region.weight
            score = lab.hit.strength * weight * (0.85 if ambiguous else 1.0)
            agree = []
            beside = region.relation in ("inline", "right") or (
                region.head and _whole(d, region.text)
            )
            if lab.hit.strength >= 0.9 and beside and not ambiguous and len(found) == 1:
                where = (
                    "under the column head"
                    if region.relation == "below"
                    else "next to the label"
                )
                agree = [
                    Check(
                        "label_value_agree",
                        True,
                        f"the only date {where} {lab.hit.field!r}, unambiguous",
                    )
                ]
            if settled:
                agree.append(
                    Check("day_first", True, f"{d.text} read day-first: {dayfirst}")
                )
            cands.append(Cand(name, d.value, score, region.toks, region.text, agree))
    return _single_agreement(merge_same(cands))


def _whole(d, text: str) -> bool:
    """The date is all the text (a value cell of its own)."""
    return len(fold(text).strip(" .:;")) <= d.end - d.start + 1


_TERMS_RE = re.compile(
    r"(?<![\d,.])(\d{1,3})\s?(?:kalender|calendar\s|werk)?(?:dagen|dag|days?|jours?|tagen?|dgn|d\.)(?![a-z])"
)
_TERMS_CONTEXT = re.compile(
    r"betaal|betaling|voorwaarden|vervaldag|factuurdatum|factuur|netto|paiement|conditions|echeance|facture|payment|terms|"
    r"invoice|net\b|due|zahl|rechnung|netto|ziel|fallig"
)


def payment_terms(layout: Layout) -> set[int]:
    """Payment terms printed as a number of days ("30 dagen na factuurdatum",
    "14 jours date de facture", "Net 30 days", "zahlbar innerhalb 14 Tagen")."""
    out: set[int] = set()
    for row in layout.rows():
        low = fold(row.text)
        if not _TERMS_CONTEXT.search(low):
            continue
        for m in _TERMS_RE.finditer(low):
            n = int(m.group(1))
            if 1 <= n <= 180:
                out.add(n)
        for m in re.finditer(r"\bnet\s?(\d{1,3})\b", low):
            out.add(int(m.group(1)))
    return out


def terms_agree(issue: date, due: date, terms: set[int]) -> Check | None:
    """Issue date + the printed payment term = the due date: three printed facts agree,
    which a misread or misplaced date would hardly do."""
    days = (due - issue).days
    if days >= 1 and days in terms:
        return Check(
            "dates_terms_agree",
            True,
            f"due date {due} is {days} days after the issue date {issue}, as the printed payment terms say",
        )
    return None


def any_dates(layout: Layout, mdy: bool) -> list[Cand]:
    """Every date printed, weakly scored, top of the first page first (fallback)."""
    cands: list[Cand] = []
    for row in layout.rows():
        text, spans = row_string(row)
        for d in find_dates(text, prefer_month_first=mdy):
            weight = 0.45 if row.page == 1 and row.top < 0.4 else 0.3
            if re.match(r"\s{0,3}\d{1,2}:\d{2}", text[d.end :]):
                weight += 0.1  # a date followed by a time: the moment of the sale
            if not checks.check_issue_date(d.value).ok:
                weight *= 0.3
            toks = tuple(
                t for a, b, t in spans if a < d.end + 5 and b > d.start - 5
            ) or tuple(row.toks)
            cands.append(Cand("issue_date", d.value, weight, toks, d.text))
    return cands


_CURRENCY_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "us dollars": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "ringgit": "MYR",
    "rupees?": "INR",
}
# local symbols written as letters before an amount: "Rs 1939", "RM 12.50"
_CURRENCY_PREFIX = {"rs": "INR", "rm": "MYR"}


def currencies(labels: list[LabelAt], layout: Layout) -> list[Cand]:
    cands: list[Cand] = []
    for lab in _labels(labels, "currency"):
        for region in regions_for(lab, layout, max_below=1):
            code = _currency_in(region.text)
            if code:
                cands.append(
                    Cand(
                        "currency",
                        code,
                        lab.hit.strength * region.weight,
                        region.toks,
                        region.text,
                    )
                )
    counts: Counter[str] = Counter()
    where: dict[str, tuple] = {}
    for row in layout.rows():
        text, spans = row_string(row)
        for a in find_amounts(text):
            if a.currency:
                counts[a.currency] += 1
                where.setdefault(
                    a.currency,
                    tuple(t for s, e, t in spans if s < a.end and e > a.start),
                )
        for m in re.finditer(
            r"(?<![A-Za-z])(" + "|".join(CURRENCY_CODES) + r")(?![A-Za-z])", text
        ):
            counts[m.group(1)] += 1
            where.setdefault(
                m.group(1),
                tuple(t for s, e, t in spans if s < m.end() and e > m.start()),
            )
        low = fold(text)
        for word, code in _CURRENCY_WORDS.items():
            if re.search(r"\b" + word + r"\b", low):
                counts[code] += 1
                where.setdefault(code, tuple(row.toks))
        for prefix, code in _CURRENCY_PREFIX.items():
            n = len(re.findall(r"(?<![a-z])" + prefix + r"\.?\s?\d", low))
            if n:
                counts[code] += n
                where.setdefault(code, tuple(row.toks))
    total = sum(counts.values())
    for code, n in counts.items():
        share = n / total
        score = min(0.85, 0.35 + 0.1 * n) * share
        agree = []
        if len(counts) == 1 and n >= 3:
            # every currency mark on the document (symbols, codes, words) names the same currency
            score = 0.9
            agree = [
                Check(
                    "currency_consistent",
                    True,
                    f"all {n} currency marks printed read {code}",
                )
            ]
        cands.append(Cand("currency", code, score, where[code], code, agree))
    return merge_same(cands)


def _currency_in(text: str) -> str | None:
    up = text.upper()
    m = re.search(r"(?<![A-Z])(" + "|".join(CURRENCY_CODES) + r")(?![A-Z])", up)
    if m:
        return m.group(1)
    for sym, code in (("€", "EUR"), ("£", "GBP"), ("$", "USD")):
        if sym in text:
            return code
    low = fold(text)
    for word, code in _CURRENCY_WORDS.items():
        if re.search(r"\b" + word + r"\b", low):
            return code
    return None


def payment_references(
    labels: list[LabelAt], layout: Layout, hits: list[Hit]
) -> list[Cand]:
    cands: list[Cand] = []
    for h in hits:
        if h.kind == "ogm":
            cands.append(
                Cand(
                    "payment_reference",
                    h.value,
                    0.9 if h.ok else 0.4,
                    h.toks,
                    h.raw,
                    [h.check],
                )
            )
    for lab in _labels(labels, "payment_reference"):
        regions = regions_for(lab, layout, max_below=1)
        nxt = lab.cell_index + 1
        if (
            not lab.after_text
            and nxt < len(lab.row.cells)
            and not any(r.relation == "right" for r in regions)
        ):
            # the next cell holds label words of its own ("Klant 4471 factuur 2026/0042"): a
            # free-text reference may say anything, so its cell is read all the same
            cell = lab.row.cells[nxt]
            regions.insert(
                0, Region(lab, "right", 0.9, tuple(cell.toks), cell.text.strip())
            )
        for region in regions:
            ogm = loose_ogm(region.text)
            if ogm:
                cands.append(
                    Cand(
                        "payment_reference",
                        ogm,
                        0.9,
                        region.toks,
                        region.text,
                        [checks.check_ogm(ogm)],
                    )
                )
                continue
            if _BANK_WORDS.search(region.text):
                continue  # the bank's details printed beside the label ("5158 BIC GEBABEBB"): no reference
            whole = _free_text(region.text)
            for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9+/\-]{3,}", region.text):
                value = m.group(0)
                if not re.search(r"\d", value) or find_labels(fold(value)):
                    continue
                # the first token with a digit; marked cut when the reference printed goes on
                cut = whole is not None and whole != value
                cands.append(
                    Cand(
                        "payment_reference",
                        value,
                        0.6 * lab.hit.strength * region.weight,
                        _toks_for(region, value),
                        region.text,
                        damaged_ogm(value),
                        cut=cut,
                    )
                )
                break
            if whole is not None and region.relation != "below" and " " in whole:
                # a free-text reference of several words is taken whole, as printed
                cands.append(
                    Cand(
                        "payment_reference",
                        whole,
                        0.62 * lab.hit.strength * region.weight,
                        region.toks,
                        region.text,
                        damaged_ogm(whole),
                    )
                )
    return merge_same(cands)


# a structured communication's marks or its first two digit groups ("+++…", "097/8599/…")
_OGM_LIKE = re.compile(r"[+*]{3}|^\s*\d{3}\s*/\s*\d{4}\s*/")


def damaged_ogm(value: str) -> list[Check]:
    """A free-text reference shaped like a structured communication was one before OCR
    dropped or added digits ("097/8599/31", "+++288/5941 41/44261 61+++"): its failing
    OGM check says so, and keeps it from ever being certain. Other free text: no check."""
    return [checks.check_ogm(value)] if _OGM_LIKE.search(value) else []


def _free_text(text: str) -> str | None:
    """The whole text of a reference region (up to 8 words, none of them a label, at
    least one digit), without the closing full stop; None when it is not one."""
    value = text.strip().rstrip(".;,").strip()
    words = value.split()
    if not words or len(words) > 8 or len(value) > 60 or not re.search(r"\d", value):
        return None
    if (
        ":" in value
        or find_amounts(value)
        and len(words) <= 2
        and not re.search(r"[A-Za-z]", value)
    ):
        return None  # a label and its value ("Klant: 4471"), or an amount
    if find_labels(fold(value)) and len(words) < 2:
        return None
    return value


_BANK_WORDS = re.compile(r"\b(?:BIC|SWIFT|IBAN)\b", re.IGNORECASE)


def ibans(hits: list[Hit], labels: list[LabelAt]) -> list[Cand]:
    iban_rows = {(lab.row.page, lab.row.index) for lab in _labels(labels, "iban")}
    debit_rows = {
        (lab.row.page, lab.row.index) for lab in _labels(labels, "debit_account")
    }
    cands = []
    for order, h in enumerate(x for x in hits if x.kind == "iban"):
        labelled = (h.row.page, h.row.index) in iban_rows or (
            h.row.page,
            h.row.index - 1,
        ) in iban_rows
        score = (0.88 if labelled else 0.7) - 0.05 * order
        found = [h.check]
        if (h.row.page, h.row.index) in debit_rows or (
            h.row.page,
            h.row.index - 1,
        ) in debit_rows:
            score = 0.4  # collected from the customer's account by direct debit
            found.append(
                Check(
                    "payee_account",
                    False,
                    f"{h.value} stands next to a direct-debit mention: it may be the customer's account",
                )
            )
        cands.append(Cand("iban", h.value, score, h.toks, h.raw, found))
    return merge_same(cands)


def bics(hits: list[Hit], labels: list[LabelAt], layout: Layout) -> list[Cand]:
    cands = []
    bic_rows = {(lab.row.page, lab.row.index) for lab in _labels(labels, "bic")}
    for h in hits:
        if h.kind == "bic" and (
            (h.row.page, h.row.index) in bic_rows
            or (h.row.page, h.row.index - 1) in bic_rows
        ):
            cands.append(Cand("bic", h.value, 0.8, h.toks, h.raw, [h.check]))
    return merge_same(cands)


def enterprise_numbers(hits: list[Hit], labels: list[LabelAt]) -> list[Cand]:
    rows = {
        (lab.row.page, lab.row.index) for lab in _labels(labels, "enterprise_number")
    }
    cands = []
    for h in hits:
        if h.kind == "kbo" and (
            (h.row.page, h.row.index) in rows or (h.row.page, h.row.index - 1) in rows
        ):
            cands.append(
                Cand(
                    "supplier_enterprise_number", h.value, 0.8, h.toks, h.raw, [h.check]
                )
            )
    return merge_same(cands)


def plausible_issue(d: date) -> bool:
    return checks.check_issue_date(d).ok
