"""Invoice, credit note or till receipt; and where one PDF holds several invoices."""

from __future__ import annotations

import re

from models.enums import DocumentType
from pipeline.extract.layout import Layout
from pipeline.extract.scoring import Cand
from pipeline.extract.text import fold

CREDIT = re.compile(
    r"\b(?:credit\s?nota|creditnote|creditfactuur|kredietnota|note\sde\scredit|facture\sd'?avoir|avoir|gutschrift|gutschriftsanzeige|credit\snote|credit\smemo|stornorechnung)\b"
)
RECEIPT = re.compile(
    r"\b(?:kassabon|kasticket|ticket\sde\scaisse|kassenbon|kassenbeleg|receipt|cashier|change|tunai|cash|rounding|thank\syou|terima\skasih|total\sqty|qty|kassa|caisse|bon\snr|tendered|kasticket|bancontact|payconiq|maestro|visa|contant|wisselgeld|bedankt|merci|vielen\sdank|a\sbientot|tot\sziens)\b"
)
INVOICE_SIGNS = re.compile(r"\b(?:iban|due\sdate|vervaldag|vervaldatum|echeance|fallig|bill\sto|klant|client|kunde|payment\sterms|betalingsvoorwaarden)\b")


def document_type(layout: Layout) -> tuple[DocumentType, float]:
    if not layout.pages:
        return DocumentType.NOT_AN_INVOICE, 0.3
    first = layout.pages[0]
    top = " ".join(fold(r.text) for r in first.rows if r.top < 0.45)
    if CREDIT.search(top):
        return DocumentType.CREDIT_NOTE, 0.85
    alltext = " ".join(fold(r.text) for r in layout.rows())
    receipt = len(set(RECEIPT.findall(alltext)))
    tall = first.height / max(first.width, 1) > 1.9
    invoice = len(set(INVOICE_SIGNS.findall(alltext)))
    if (tall and receipt >= 1) or receipt - invoice >= 2:
        return DocumentType.RECEIPT, 0.8 if tall else 0.65
    return DocumentType.INVOICE, 0.8


def page_ranges(layout: Layout, per_page_numbers: dict[int, Cand]) -> tuple[tuple[int, int], ...]:
    """Several invoices in one file: a page whose header names a new invoice number."""
    pages = [p.number for p in layout.pages]
    if len(pages) < 2:
        return ()
    starts = [pages[0]]
    current = per_page_numbers.get(pages[0])
    seen_text = ""
    for n in pages[1:]:
        seen_text += " ".join(r.text for r in layout.page(n - 1).rows)
        cand = per_page_numbers.get(n)
        if cand is None or cand.score < 0.85 or current is None or current.score < 0.85:
            continue
        # a number already printed on the earlier pages is a reference (credit note → invoice), not a new invoice
        if cand.value != current.value and cand.value not in seen_text:
            starts.append(n)
            seen_text = ""
        current = cand
    if len(starts) < 2:
        return ()
    ends = [s - 1 for s in starts[1:]] + [pages[-1]]
    return tuple(zip(starts, ends))
