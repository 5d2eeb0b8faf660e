"""Till slips (kasticket / ticket de caisse): prices include VAT, narrow monospace page.

Per VAT letter the slip prints base and VAT computed from the gross: base =
round(gross / (1 + rate)), VAT = gross − base, so the slip adds up to the cent but
VAT may differ by a cent from round(base × rate).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from pipeline.core.pdfcanvas import Canvas
from pipeline.synth import formats
from pipeline.synth.catalogue import RECEIPT_SHOPS, RECEIPT_VAT_LETTERS, SHOP_NAMES, dec
from pipeline.synth.companies import SURNAMES_FR, SURNAMES_NL, belgian_company
from pipeline.synth.documents import (
    DAY_SPAN,
    FIRST_DAY,
    DocLine,
    Style,
    SynthDocument,
    VatRow,
    round_money,
)

WIDTH = 226.0  # 80 mm


def make_receipt(rng: random.Random, doc_seed: int) -> SynthDocument:
    base = belgian_company(rng)
    shop = rng.choice(tuple(RECEIPT_SHOPS))
    surname = rng.choice(SURNAMES_NL if base.language == "nl" else SURNAMES_FR)
    name = SHOP_NAMES[shop][0 if base.language == "nl" else 1].format(s=surname)
    supplier = type(base)(**{**base.__dict__, "name": name})
    lines = []
    for label, rate, low, high in rng.sample(RECEIPT_SHOPS[shop], rng.randint(2, min(6, len(RECEIPT_SHOPS[shop])))):
        qty = dec(rng.choice((1, 1, 1, 2, 3)))
        price = round_money(dec(rng.uniform(low, high)))
        lines.append(DocLine(label, qty, "", price, Decimal(0), qty * price, dec(rate), "S"))
    gross: dict[Decimal, Decimal] = {}
    for line in lines:
        gross[line.vat_rate] = gross.get(line.vat_rate, Decimal(0)) + line.net
    rows = []
    for rate in sorted(gross, reverse=True):
        base_amount = round_money(gross[rate] * 100 / (100 + rate))
        rows.append(VatRow(rate, base_amount, gross[rate] - base_amount, "S"))
    excl = sum((r.base for r in rows), Decimal(0))
    vat = sum((r.amount for r in rows), Decimal(0))
    issue = FIRST_DAY + timedelta(days=rng.randrange(DAY_SPAN))
    style = Style("receipt", "plain", rng.choice(("none", "suffix", "code")), rng.choice(("slash", "dash")),
                  rng.choice((1, 3)), 1, "cour", (0, 0, 0))
    return SynthDocument(
        doc_seed=doc_seed, doc_type="receipt", language="nl" if supplier.language == "nl" else "fr",
        supplier=supplier, customer=None, number=None, issue_date=issue, due_date=None, terms=None,
        lines=tuple(lines), breakdown=tuple(rows), total_excl=excl, total_vat=vat, total_incl=excl + vat,
        payment_reference=None, regime="receipt", legal_mention=None, style=style,
        extra={"ticket_number": f"{rng.randint(1, 9999):04d}", "till": str(rng.randint(1, 4)),
               "time": f"{rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}",
               "payment": rng.choice(("Bancontact", "Cash", "Visa", "Payconiq"))},
    )


def render_receipt(doc: SynthDocument) -> bytes:
    s = doc.supplier
    nl = doc.language == "nl"
    height = 300 + 22 * len(doc.lines) + 12 * len(doc.breakdown)
    cv = Canvas("cour", (WIDTH, float(height)), creator="Boekbrug synth")
    mid, left, right = WIDTH / 2, 12.0, WIDTH - 12
    y = cv.lines(mid, 28, [s.name], 11, bold_first=True, align="center")
    y = cv.lines(mid, y, [s.street, f"{s.postal_code} {s.city}", f"{'BTW' if nl else 'TVA'} {doc.vat_text(s)}"],
                 7.5, align="center")
    ex = doc.extra
    y += 6
    cv.text(left, y, f"{doc.date_text(doc.issue_date)} {ex['time']}", 7.5)
    cv.text(right, y, f"{'Kassa' if nl else 'Caisse'} {ex['till']}", 7.5, align="right")
    y += 11
    cv.text(left, y, f"Ticket {ex['ticket_number']}", 7.5)
    y += 6
    cv.text(left, y + 4, "-" * 36, 7.5)
    y += 16
    for line in doc.lines:
        letter = RECEIPT_VAT_LETTERS[int(line.vat_rate)]
        cv.text(left, y, line.description, 8, max_width=150)
        if line.quantity != 1:
            y += 10
            cv.text(left + 8, y, f"{int(line.quantity)} x {doc.amount(line.unit_price)}", 7.5)
        cv.text(right, y, f"{doc.amount(line.net)} {letter}", 8, align="right")
        y += 12
    cv.text(left, y, "-" * 36, 7.5)
    y += 14
    cv.text(left, y, "TOTAAL" if nl else "TOTAL", 11, bold=True)
    cv.text(right, y, doc.money(doc.total_incl), 11, bold=True, align="right")
    y += 14
    cv.text(left, y, ex["payment"], 8)
    cv.text(right, y, doc.amount(doc.total_incl), 8, align="right")
    y += 16
    head = ("Btw", "Basis", "Btw", "Totaal") if nl else ("TVA", "Base", "TVA", "Total")
    xs = (left, left + 95, left + 145, right)
    for x, label in zip(xs, head, strict=True):
        cv.text(x, y, label, 7, align="left" if x == left else "right")
    for row in doc.breakdown:
        y += 10
        letter = RECEIPT_VAT_LETTERS[int(row.rate)]
        vals = (f"{letter} {formats.rate(row.rate, 'plain')}", doc.amount(row.base), doc.amount(row.amount),
                doc.amount(row.base + row.amount))
        for x, val in zip(xs, vals, strict=True):
            cv.text(x, y, val, 7, align="left" if x == left else "right")
    y += 20
    cv.text(mid, y, "Bedankt en tot ziens!" if nl else "Merci et à bientôt !", 8, align="center")
    return cv.to_bytes()
