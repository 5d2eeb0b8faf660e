"""A synthetic corpus in the SCHEMA.md layout: index.json, truth/<id>.json, docs/<id>.*.

``generate`` is pure (same count, seed and kinds → same records and bytes);
``write_corpus`` puts the result on disk.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pymupdf

from pipeline.synth import companies, degrade
from pipeline.synth import families as fam
from pipeline.synth.documents import LAYOUTS, SynthDocument, make_invoice
from pipeline.synth.layouts import render_invoice
from pipeline.synth.receipt import make_receipt, render_receipt

KINDS = ("text_pdf", "scanned_pdf", "photo", "receipt")
SOURCE_GROUP = "boekbrug_synth_be"
LICENSE = "project data (generated)"
TRUTH_METHOD = "generated with the document by pipeline.synth; every labelled value is printed on it"


@dataclass(frozen=True)
class Generated:
    record: dict[str, Any]
    data: bytes
    document: SynthDocument


def _int_seed(*parts: object) -> int:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def doc_id(seed: int, index: int, kind: str) -> str:
    return (
        "inv-"
        + hashlib.sha256(f"boekbrug-synth:{seed}:{index}:{kind}".encode()).hexdigest()[
            :10
        ]
    )


def plan_counts(count: int, kinds: tuple[str, ...]) -> dict[str, int]:
    """How many documents of each requested kind: mostly text PDFs, at least one of each."""
    share = {"scanned_pdf": 0.15, "photo": 0.1, "receipt": 0.1}
    plan = {kind: 0 for kind in kinds}
    for kind in kinds:
        if kind != "text_pdf":
            plan[kind] = (
                max(1, round(count * share[kind])) if count >= len(kinds) else 0
            )
    rest = count - sum(plan.values())
    if "text_pdf" in kinds:
        plan["text_pdf"] = rest
    else:
        others = [k for k in kinds]
        for i in range(rest):
            plan[others[i % len(others)]] += 1
    return plan


def _fnum(value: Any) -> float:
    return float(value)


def truth_fields(doc: SynthDocument) -> dict[str, Any]:
    receipt = doc.doc_type == "receipt"
    customer = doc.customer
    return {
        "supplier_name": doc.supplier.name,
        "supplier_vat": doc.vat_text(doc.supplier),
        "customer_name": customer.name if customer else None,
        "customer_vat": doc.vat_text(customer) if customer else None,
        "invoice_number": doc.number,
        "issue_date": doc.issue_date.isoformat(),
        "due_date": doc.due_date.isoformat() if doc.due_date else None,
        "currency": "EUR",
        "total_excl_vat": _fnum(doc.total_excl),
        "total_vat": _fnum(doc.total_vat),
        "total_incl_vat": _fnum(doc.total_incl),
        "iban": None if receipt else doc.iban_text,
        "payment_reference": doc.payment_reference,
        "vat_breakdown": [
            {
                "rate": _fnum(r.rate),
                "base": _fnum(r.base),
                "amount": _fnum(r.amount),
                "category": r.category,
            }
            for r in doc.breakdown
        ],
        "lines": [
            {
                "description": line.description,
                "quantity": _fnum(line.quantity),
                "unit_price": _fnum(line.unit_price),
                "net_amount": _fnum(line.net),
                "vat_rate": _fnum(line.vat_rate),
            }
            for line in doc.lines
        ],
    }


def truth_extra(doc: SynthDocument) -> dict[str, Any]:
    s, c = doc.supplier, doc.customer
    extra: dict[str, Any] = {
        "supplier_enterprise_number": s.enterprise_number,
        "customer_enterprise_number": c.enterprise_number if c and c.vat else None,
        "bic": None if doc.doc_type == "receipt" else s.bic,
        "supplier_address": s.address_text(doc.language),
        "customer_address": c.address_text(doc.language) if c else None,
        "document_type": doc.doc_type,
        "language": doc.language,
        "amount_due": _fnum(doc.total_incl),
        "printed_total": doc.money(doc.total_incl),
        "vat_regime": doc.regime,
        "layout": doc.style.layout,
    }
    if doc.legal_mention:
        extra["legal_mention"] = doc.legal_mention
    if doc.billing_reference:
        extra["billing_reference"] = doc.billing_reference
        extra["billing_reference_date"] = (
            doc.billing_date.isoformat() if doc.billing_date else None
        )
    if doc.order_reference:
        extra["order_reference"] = doc.order_reference
    if doc.customer_number:
        extra["customer_number"] = doc.customer_number
    if doc.doc_type == "receipt":
        extra["ticket_number"] = doc.extra["ticket_number"]
        extra["line_amounts_include_vat"] = True
        extra["payment_means"] = doc.extra["payment"]
    return extra


def _record(
    doc: SynthDocument,
    ident: str,
    kind: str,
    ext: str,
    pages: int,
    seed: int,
    index: int,
) -> dict[str, Any]:
    return {
        "id": ident,
        "file": f"docs/{ident}.{ext}",
        "source": f"generated:pipeline.synth seed={seed} index={index} layout={doc.style.layout}",
        "license": LICENSE,
        "kind": kind,
        "source_group": SOURCE_GROUP,
        "family": "synth-" + doc.supplier.slug,
        "language": doc.language,
        "doc_type": doc.doc_type,
        "pages": pages,
        "truth_method": TRUTH_METHOD,
        "fields": truth_fields(doc),
        "extra": truth_extra(doc),
        "unverified_fields": [],
        "reference_xml": None,
        "reference_xml_kind": None,
        "synthetic_layout": True,
    }


class _World:
    """Suppliers and customers shared by the documents of one corpus (families)."""

    def __init__(self, seed: int, n_docs: int) -> None:
        rng = random.Random(_int_seed(seed, "world"))
        n_sup = max(3, n_docs // 2 + 1)
        self.suppliers = [
            companies.foreign_company(rng)
            if i % 6 == 5
            else companies.belgian_company(rng)
            for i in range(n_sup)
        ]
        self.customers = [
            companies.private_customer(rng)
            if i % 9 == 8
            else companies.belgian_company(rng)
            for i in range(max(4, n_docs // 2))
        ]
        self.foreign_customers = [
            companies.foreign_company(rng, cc) for cc in ("NL", "FR", "DE")
        ]
        self.issued: dict[
            str, tuple[str, Any]
        ] = {}  # supplier name → last invoice (number, date)

    def invoice(
        self, seed: int, index: int, *, single_page: bool = False
    ) -> SynthDocument:
        doc_seed = _int_seed(seed, "doc", index)
        rng = random.Random(doc_seed)
        supplier = self.suppliers[rng.randrange(len(self.suppliers))]
        credit = index % 7 == 4 and bool(self.issued) and not single_page
        if credit and supplier.name not in self.issued:
            supplier = next(s for s in self.suppliers if s.name in self.issued)
        layout = LAYOUTS[(index + seed) % len(LAYOUTS)]
        if single_page and layout == "detailed":
            layout = "classic"
        customer = self.customers[rng.randrange(len(self.customers))]
        roll = rng.random()
        if supplier.country != "BE":
            regime = "intra_eu_acquisition"
            customer = (
                next(c for c in self.customers if c.vat)
                if customer.vat is None
                else customer
            )
        elif roll < 0.1 and customer.vat:
            regime = "reverse_charge"
        elif roll < 0.2:
            regime = "intra_eu_supply"
            customer = self.foreign_customers[rng.randrange(3)]
        else:
            regime = "domestic"
        doc = make_invoice(
            rng,
            doc_seed,
            supplier,
            customer,
            layout=layout,
            regime=regime,
            credit_note=credit,
            n_lines=rng.randint(1, 4) if single_page else None,
            billing_reference=self.issued.get(supplier.name) if credit else None,
        )
        if not credit and doc.number:
            self.issued[supplier.name] = (doc.number, doc.issue_date)
        return doc


def generate(count: int, seed: int, kinds: tuple[str, ...] = KINDS) -> list[Generated]:
    """The documents of one corpus, in order: text PDFs, scans, photos, receipts."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))}")
    plan = plan_counts(count, kinds)
    world = _World(seed, count)
    out: list[Generated] = []
    bases: list[tuple[str, SynthDocument, bytes, int]] = []  # id, doc, pdf, pages
    n_base = plan.get("text_pdf", 0)
    for i in range(n_base):
        doc = world.invoice(seed, i)
        pdf = render_invoice(doc)
        pages = pymupdf.open(stream=pdf).page_count
        ident = doc_id(seed, i, "text_pdf")
        bases.append((ident, doc, pdf, pages))
        out.append(
            Generated(_record(doc, ident, "text_pdf", "pdf", pages, seed, i), pdf, doc)
        )
    index = n_base

    def base_for(k: int, single_page: bool) -> tuple[str, SynthDocument, bytes, int]:
        candidates = [b for b in bases if b[3] == 1] if single_page else bases
        if candidates:
            return candidates[(3 * k + 1) % len(candidates)]
        hidden = 1000 + k + (500 if single_page else 0)
        doc = world.invoice(seed, hidden, single_page=True)
        return doc_id(seed, hidden, "text_pdf"), doc, render_invoice(doc), 1

    for k in range(plan.get("scanned_pdf", 0)):
        base_id, doc, pdf, _ = base_for(k, single_page=False)
        data, info = degrade.scan(pdf, _int_seed(seed, "scan", k))
        ident = doc_id(seed, index, "scanned_pdf")
        record = _record(doc, ident, "scanned_pdf", "pdf", info["pages"], seed, index)
        record.update(derived_from=base_id, degradation=info)
        out.append(Generated(record, data, doc))
        index += 1
    for k in range(plan.get("photo", 0)):
        base_id, doc, pdf, _ = base_for(k + 1, single_page=True)
        data, info = degrade.photo(pdf, _int_seed(seed, "photo", k))
        ident = doc_id(seed, index, "photo")
        record = _record(doc, ident, "photo", "jpg", 1, seed, index)
        record.update(derived_from=base_id, degradation=info)
        out.append(Generated(record, data, doc))
        index += 1
    for k in range(plan.get("receipt", 0)):
        doc_seed = _int_seed(seed, "receipt", k)
        doc = make_receipt(random.Random(doc_seed), doc_seed)
        data, info = degrade.photo(
            render_receipt(doc), _int_seed(seed, "receipt-photo", k), dpi=200
        )
        ident = doc_id(seed, index, "receipt")
        record = _record(doc, ident, "receipt", "jpg", 1, seed, index)
        record["degradation"] = {
            **info,
            "method": "till slip rendered, then " + info["method"],
        }
        out.append(Generated(record, data, doc))
        index += 1
    return out


def write_corpus(out_dir: Path, items: list[Generated]) -> list[dict[str, Any]]:
    """Write docs/, truth/ and index.json under ``out_dir``; returns the records."""
    (out_dir / "docs").mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    records = []
    for item in items:
        record = item.record
        (out_dir / record["file"]).write_bytes(item.data)
        text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
        (out_dir / "truth" / f"{record['id']}.json").write_text(text, encoding="utf-8")
        records.append(record)
    index = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    (out_dir / "index.json").write_text(index, encoding="utf-8")
    return records


def generate_families(
    count: int,
    seed: int,
    families: tuple[int, ...],
    *,
    receipts: float = 0.12,
    photos: bool = False,
) -> list[Generated]:
    """Documents in the randomised layout ``families`` (see :mod:`pipeline.synth.families`):
    invoices and credit notes as text PDFs, and a share of till slips (receipt families are
    ``RECEIPT_BASE + k``). ``photos``: till slips photographed (JPEG), else their PDF."""
    world = _World(seed, count)
    invoice_fams = [f for f in families if f < fam.RECEIPT_BASE] or [0]
    receipt_fams = [f for f in families if f >= fam.RECEIPT_BASE]
    out: list[Generated] = []
    for i in range(count):
        rng = random.Random(_int_seed(seed, "family-doc", i))
        if receipt_fams and rng.random() < receipts:
            family = receipt_fams[rng.randrange(len(receipt_fams))]
            doc_seed = _int_seed(seed, "family-receipt", i)
            doc = make_receipt(random.Random(doc_seed), doc_seed)
            doc = replace(doc, style=replace(doc.style, layout=f"family-{family}"))
            data = fam.render_family_receipt(doc, family)
            kind, ext = "receipt", "pdf"
            if photos:
                data, _ = degrade.photo(
                    data, _int_seed(seed, "family-receipt-photo", i), dpi=200
                )
                ext = "jpg"
        else:
            family = invoice_fams[rng.randrange(len(invoice_fams))]
            doc = fam.adapt(world.invoice(seed, i, single_page=True), family)
            data = fam.render_family_invoice(doc, family)
            kind, ext = "text_pdf", "pdf"
        pages = pymupdf.open(stream=data).page_count if ext == "pdf" else 1
        ident = doc_id(seed, 50_000 + i, kind)
        record = _record(doc, ident, kind, ext, pages, seed, i)
        if kind == "text_pdf":
            # the family layouts print no VAT summary table: the truth is what is printed
            record["fields"]["vat_breakdown"] = None
            record["unverified_fields"] = ["vat_breakdown"]
        out.append(Generated(record, data, doc))
    return out


def generate_family_corpus(
    count: int, seed: int, families: tuple[int, ...]
) -> list[Generated]:
    """An evaluation corpus in layout ``families``: text PDFs, scans and photos made from
    them, and photographed till slips (the kinds of ``python -m pipeline evaluate``)."""
    base = generate_families(count, seed, families, photos=True)
    texts = [
        g for g in base if g.record["kind"] == "text_pdf" and g.record["pages"] == 1
    ]
    out = list(base)
    for k, g in enumerate(texts[: max(1, count // 6)]):
        data, info = degrade.scan(g.data, _int_seed(seed, "family-scan", k))
        record = _record(
            g.document,
            doc_id(seed, 60_000 + k, "scanned_pdf"),
            "scanned_pdf",
            "pdf",
            info["pages"],
            seed,
            k,
        )
        record.update(derived_from=g.record["id"], degradation=info)
        record["fields"]["vat_breakdown"], record["unverified_fields"] = (
            None,
            ["vat_breakdown"],
        )
        out.append(Generated(record, data, g.document))
    for k, g in enumerate(
        texts[max(1, count // 6) : max(1, count // 6) + max(1, count // 8)]
    ):
        data, info = degrade.photo(g.data, _int_seed(seed, "family-photo", k))
        record = _record(
            g.document, doc_id(seed, 70_000 + k, "photo"), "photo", "jpg", 1, seed, k
        )
        record.update(derived_from=g.record["id"], degradation=info)
        record["fields"]["vat_breakdown"], record["unverified_fields"] = (
            None,
            ["vat_breakdown"],
        )
        out.append(Generated(record, data, g.document))
    return out
