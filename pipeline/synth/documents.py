"""The invoice model behind every synthetic document, with exact Decimal totals.

Line net = round(quantity × unit price × (1 − discount), 2) half-up; per VAT rate the
VAT is round(base × rate, 2) half-up; totals are sums of the rows, so everything
reconciles to the cent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pipeline.synth import formats, ids
from pipeline.synth.catalogue import ARTICLES, dec
from pipeline.synth.companies import Company

CENT = Decimal("0.01")
LAYOUTS = ("classic", "band", "footer_supplier", "two_column", "letter", "boxed", "detailed")
FONTS = ("helv", "helv", "tiro", "cour")
ACCENTS = ((0.12, 0.29, 0.53), (0.55, 0.1, 0.1), (0.1, 0.42, 0.3), (0.3, 0.3, 0.3), (0.85, 0.45, 0.05))
FIRST_DAY = date(2025, 1, 6)
DAY_SPAN = 520


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DocLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal  # percent; 0 = none
    net: Decimal
    vat_rate: Decimal
    category: str
    detail: str | None = None  # a second, smaller line on detailed layouts


@dataclass(frozen=True)
class VatRow:
    rate: Decimal
    base: Decimal
    amount: Decimal
    category: str


@dataclass(frozen=True)
class Style:
    layout: str
    money: str  # key of formats.MONEY_STYLES
    currency: str  # one of formats.CURRENCY_STYLES
    date: str  # one of formats.DATE_STYLES
    vat_format: int
    kbo_format: int
    font: str
    accent: tuple[float, float, float]


@dataclass(frozen=True)
class SynthDocument:
    doc_seed: int
    doc_type: str  # invoice / credit_note / receipt
    language: str
    supplier: Company
    customer: Company | None
    number: str | None
    issue_date: date
    due_date: date | None
    terms: str | None
    lines: tuple[DocLine, ...]
    breakdown: tuple[VatRow, ...]
    total_excl: Decimal
    total_vat: Decimal
    total_incl: Decimal
    payment_reference: str | None
    regime: str  # domestic / reverse_charge / intra_eu_supply / intra_eu_acquisition / receipt
    legal_mention: str | None
    style: Style
    billing_reference: str | None = None
    billing_date: date | None = None
    customer_number: str | None = None
    order_reference: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    # -- printed forms, shared by the renderer and the tests
    def money(self, value: Decimal) -> str:
        return formats.money(value, self.style.money, self.style.currency)

    def amount(self, value: Decimal) -> str:
        return formats.number(value, self.style.money)

    def date_text(self, value: date) -> str:
        return formats.date_text(value, self.style.date, self.language)

    def vat_text(self, company: Company) -> str | None:
        if company.vat is None:
            return None
        if company.country == "BE" and company.enterprise_number:
            return ids.format_be_vat(company.enterprise_number, self.style.vat_format)
        return company.vat

    @property
    def iban_text(self) -> str:
        return ids.format_iban(self.supplier.iban)

    def label(self, key: str) -> str:
        return formats.LABELS[self.language][key]


def compute_totals(lines: list[DocLine]) -> tuple[tuple[VatRow, ...], Decimal, Decimal, Decimal]:
    rows: dict[tuple[Decimal, str], Decimal] = {}
    for line in lines:
        key = (line.vat_rate, line.category)
        rows[key] = rows.get(key, Decimal(0)) + line.net
    breakdown = tuple(
        VatRow(rate, base, round_money(base * rate / 100), category)
        for (rate, category), base in sorted(rows.items(), key=lambda kv: (-kv[0][0], kv[0][1]))
    )
    excl = sum((row.base for row in breakdown), Decimal(0))
    vat = sum((row.amount for row in breakdown), Decimal(0))
    return breakdown, excl, vat, excl + vat


def _style(rng: random.Random, language: str, layout: str) -> Style:
    money = rng.choice(("en", "en", "be")) if language == "en" else rng.choice(("be", "be", "be_space", "plain"))
    return Style(
        layout=layout,
        money=money,
        currency=rng.choice(formats.CURRENCY_STYLES),
        date=rng.choice(("slash", "slash", "dash", "dot", "long", "long", "iso")),
        vat_format=rng.randrange(4),
        kbo_format=rng.choice((0, 0, 1, 2)),
        font="cour" if layout == "detailed" else rng.choice(FONTS),
        accent=rng.choice(ACCENTS),
    )


def _number(rng: random.Random, year: int, credit: bool) -> str:
    seq = rng.randint(3, 1480)
    if credit:
        return rng.choice((f"CN{year}/{seq:04d}", f"NC-{year}-{seq:03d}", f"CR{year % 100}{seq:04d}"))
    return rng.choice((f"{year}/{seq:04d}", f"F{year}-{seq:05d}", f"VF{year % 100}-{seq:04d}",
                       f"{year % 100}{seq:05d}", f"FAC-{year}-{seq}", f"INV-{year}-{seq:04d}"))


def _terms(rng: random.Random, issue: date, language: str) -> tuple[str, date]:
    kind = rng.choice(("days", "days", "days", "eom", "cash"))
    labels = formats.LABELS[language]
    if kind == "cash":
        return labels["terms_cash"], issue
    days = rng.choice((14, 30, 30, 30, 60)) if kind == "days" else rng.choice((30, 60))
    if kind == "days":
        return labels["terms_days"].format(n=days), issue + timedelta(days=days)
    end = issue + timedelta(days=days)
    next_month = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    return labels["terms_eom"].format(n=days), next_month - timedelta(days=1)


def _lines(rng: random.Random, language: str, sector: str, count: int, regime: str,
           with_discounts: bool, detailed: bool) -> list[DocLine]:
    column = {"nl": 0, "fr": 1, "en": 2}[language]
    pool = list(ARTICLES[sector])
    out: list[DocLine] = []
    for i in range(count):
        article = pool[i % len(pool)] if i < len(pool) else rng.choice(pool)
        desc = article[column]
        low, high = article[4], article[5]
        price = round_money(dec(rng.uniform(low, high)))
        if article[8] and rng.random() < 0.5:
            qty = dec(rng.choice(("0.5", "1.5", "2.25", "2.5", "3.75", "7.5", "12.75", "18.4")))
        else:
            qty = dec(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 24)))
        discount = dec(rng.choice((0, 0, 5, 10, 15))) if with_discounts else Decimal(0)
        gross = qty * price
        net = round_money(gross * (100 - discount) / 100)
        if regime == "domestic":
            rate, category = dec(article[3]), "S"
        elif regime == "intra_eu_supply" or (regime == "intra_eu_acquisition" and sector == "office"):
            rate, category = Decimal(0), "K"
        else:
            rate, category = Decimal(0), "AE"
        detail = None
        if detailed:
            detail = rng.choice((
                f"Art. {rng.randint(10000, 99999)}",
                f"Ref. {rng.choice(('werf', 'chantier', 'site'))} {rng.randint(1, 99)}",
                f"{rng.choice(('Levering', 'Livraison', 'Delivery'))} {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}",
            ))
        unit = article[6] if language == "nl" else article[7]
        out.append(DocLine(desc, qty, unit, price, discount, net, rate, category, detail))
    return out


def make_invoice(rng: random.Random, doc_seed: int, supplier: Company, customer: Company, *,
                 layout: str, credit_note: bool = False, regime: str = "domestic",
                 sector: str | None = None, n_lines: int | None = None,
                 billing_reference: tuple[str, date] | None = None) -> SynthDocument:
    """One invoice or credit note between two companies; every amount reconciles."""
    if supplier.country != "BE":
        language = supplier.language
    elif customer.country != "BE":
        language = "en" if rng.random() < 0.6 else supplier.language
    else:
        language = supplier.language if rng.random() < 0.85 else rng.choice(("nl", "fr", "en"))
    style = _style(rng, language, layout)
    issue = FIRST_DAY + timedelta(days=rng.randrange(DAY_SPAN))
    if sector is None:
        sector = "renovation" if regime == "reverse_charge" else rng.choice(tuple(ARTICLES))
    if n_lines is None:
        n_lines = rng.randint(10, 15) if layout == "detailed" else rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8, 11))
    with_discounts = rng.random() < 0.25
    lines = _lines(rng, language, sector, n_lines, regime, with_discounts, layout == "detailed")
    breakdown, excl, vat, incl = compute_totals(lines)
    labels = formats.LABELS[language]
    terms = due = None
    reference = None
    if not credit_note:
        terms, due = _terms(rng, issue, language)
    number = _number(rng, issue.year, credit_note)
    if not credit_note:
        roll = rng.random()
        if supplier.country == "BE" and roll < 0.6:
            reference = ids.ogm(rng)
        elif roll < 0.85:
            reference = number
    mention = None
    if regime == "reverse_charge":
        mention = labels["reverse"]
    elif regime == "intra_eu_supply":
        mention = labels["intra"]
    elif regime == "intra_eu_acquisition":
        mention = labels["intra_in"]
    billing_ref = billing_date = None
    if credit_note:
        if billing_reference is not None:
            billing_ref, billing_date = billing_reference
        else:
            billing_date = issue - timedelta(days=rng.randint(5, 60))
            billing_ref = _number(rng, billing_date.year, False)
    return SynthDocument(
        doc_seed=doc_seed, doc_type="credit_note" if credit_note else "invoice", language=language,
        supplier=supplier, customer=customer, number=number, issue_date=issue, due_date=due,
        terms=terms, lines=tuple(lines), breakdown=breakdown, total_excl=excl, total_vat=vat,
        total_incl=incl, payment_reference=reference, regime=regime, legal_mention=mention,
        style=style, billing_reference=billing_ref, billing_date=billing_date,
        customer_number=f"{rng.choice(('K', 'C', ''))}{rng.randint(1000, 99999)}" if rng.random() < 0.6 else None,
        order_reference=f"PO-{issue.year}-{rng.randint(100, 999)}" if rng.random() < 0.3 else None,
    )
