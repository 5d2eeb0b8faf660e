"""A corpus of recurring suppliers, for ``bench/replay.py``: each supplier keeps one layout.

    .venv/bin/python bench/recurring_corpus.py OUT [--suppliers 10] [--per-supplier 5] [--shops 2] [--seed 7]

Built from :mod:`pipeline.synth` (the project's Belgian invoice generator), written in
../shared/data's layout (index.json, truth/, docs/). Unlike ``python -m pipeline synth``,
where every document has a supplier and style of its own, here a supplier sends
``--per-supplier`` invoices over time to one client, all in the supplier's own layout,
language, number series, money and date formats (as real suppliers do) with different
values; each arrives as a text PDF, a scan or a phone photo (drawn per document, among ``--kinds``). Shops
(``--shops``) send till slips, photographed. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import replace
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]
sys.path.insert(0, str(ROOT))

from pipeline.synth import companies, degrade
from pipeline.synth.corpus import Generated, _int_seed, _record, doc_id, write_corpus
from pipeline.synth.documents import LAYOUTS, SynthDocument, make_invoice
from pipeline.synth.layouts import render_invoice
from pipeline.synth.receipt import make_receipt, render_receipt

KIND_WEIGHTS = (("text_pdf", 0.5), ("scanned_pdf", 0.3), ("photo", 0.2))


def _next_number(number: str, rng: random.Random) -> str:
    """The supplier's next number in the same series (last digit run, same width)."""
    match = list(re.finditer(r"\d+", number))[-1]
    width = len(match.group())
    value = int(match.group()) + rng.randint(1, 40)
    return number[: match.start()] + str(value).zfill(width) + number[match.end() :]


def _kind(rng: random.Random, kinds: tuple[str, ...]) -> str:
    weights = [(kind, weight) for kind, weight in KIND_WEIGHTS if kind in kinds]
    roll, total = rng.random() * sum(weight for _, weight in weights), 0.0
    for kind, weight in weights:
        total += weight
        if roll < total:
            return kind
    return weights[-1][0]


def supplier_documents(
    seed: int,
    index: int,
    client: companies.Company,
    count: int,
    kinds: tuple[str, ...] = ("text_pdf", "scanned_pdf", "photo"),
) -> list[tuple[SynthDocument, str]]:
    """``count`` invoices of one supplier to ``client``, in date order, with their kind."""
    rng = random.Random(_int_seed(seed, "recurring-supplier", index))
    supplier = companies.belgian_company(rng)
    layout = LAYOUTS[(index + seed) % len(LAYOUTS)]
    first: SynthDocument | None = None
    drafts: list[tuple[SynthDocument, str]] = []
    for k in range(count):
        kind = _kind(rng, kinds)
        single = kind == "photo"
        doc_layout = "classic" if single and layout == "detailed" else layout
        for attempt in range(40):  # the same language as the supplier's first invoice
            doc_seed = _int_seed(seed, "recurring-doc", index, k, attempt)
            doc = make_invoice(
                random.Random(doc_seed),
                doc_seed,
                supplier,
                client,
                layout=doc_layout,
                credit_note=k > 0 and rng.random() < 0.1,
                n_lines=rng.randint(1, 4) if single else None,
            )
            if first is None or doc.language == first.language:
                break
        if first is None:
            first = doc
        else:  # one supplier, one style: money, date, VAT formats, font, colours
            doc = replace(doc, style=replace(first.style, layout=doc_layout))
        drafts.append((doc, kind))
    drafts.sort(key=lambda item: item[0].issue_date)
    numbers: dict[str, str] = {}  # invoices and credit notes each have their own series
    out = []
    for doc, kind in drafts:
        series = doc.doc_type
        number = _next_number(numbers[series], rng) if series in numbers else doc.number
        numbers[series] = number
        reference = (
            number if doc.payment_reference == doc.number else doc.payment_reference
        )
        out.append((replace(doc, number=number, payment_reference=reference), kind))
    return out


def shop_receipts(seed: int, index: int, count: int) -> list[SynthDocument]:
    """``count`` till slips of one shop (same name, VAT number and slip style)."""
    first: SynthDocument | None = None
    out = []
    for k in range(count):
        doc_seed = _int_seed(seed, "recurring-shop", index, k)
        doc = make_receipt(random.Random(doc_seed), doc_seed)
        if first is None:
            first = doc
        else:
            doc = replace(
                doc, supplier=first.supplier, style=first.style, language=first.language
            )
        out.append(doc)
    return sorted(out, key=lambda d: d.issue_date)


def generate(
    seed: int,
    suppliers: int,
    per_supplier: int,
    shops: int,
    kinds: tuple[str, ...] = ("text_pdf", "scanned_pdf", "photo"),
) -> list[Generated]:
    rng = random.Random(_int_seed(seed, "recurring-client"))
    client = companies.belgian_company(rng)
    items: list[Generated] = []
    index = 0
    for s in range(suppliers):
        for doc, kind in supplier_documents(seed, s, client, per_supplier, kinds):
            pdf = render_invoice(doc)
            ident = doc_id(seed, 70_000 + index, kind)
            noise = _int_seed(seed, "recurring-degrade", index)
            if kind == "scanned_pdf":
                data, info = degrade.scan(pdf, noise)
                record = _record(doc, ident, kind, "pdf", info["pages"], seed, index)
                record["degradation"] = info
            elif kind == "photo":
                data, info = degrade.photo(pdf, noise)
                record = _record(doc, ident, kind, "jpg", 1, seed, index)
                record["degradation"] = info
            else:
                data = pdf
                record = _record(
                    doc,
                    ident,
                    kind,
                    "pdf",
                    pymupdf.open(stream=pdf).page_count,
                    seed,
                    index,
                )
            items.append(Generated(record, data, doc))
            index += 1
    for s in range(shops):
        for doc in shop_receipts(seed, s, per_supplier):
            data, info = degrade.photo(
                render_receipt(doc), _int_seed(seed, "recurring-slip", index), dpi=200
            )
            ident = doc_id(seed, 70_000 + index, "receipt")
            record = _record(doc, ident, "receipt", "jpg", 1, seed, index)
            record["degradation"] = {
                **info,
                "method": "till slip rendered, then " + info["method"],
            }
            items.append(Generated(record, data, doc))
            index += 1
    return items


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--suppliers", type=int, default=10)
    parser.add_argument("--per-supplier", type=int, default=5)
    parser.add_argument("--shops", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--kinds",
        default="text_pdf,scanned_pdf,photo",
        help="kinds of the suppliers' invoices (receipts come from --shops)",
    )
    args = parser.parse_args()
    records = write_corpus(
        args.out,
        generate(
            args.seed,
            args.suppliers,
            args.per_supplier,
            args.shops,
            tuple(args.kinds.split(",")),
        ),
    )
    kinds: dict[str, int] = {}
    for record in records:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    print(
        f"{len(records)} documents in {args.out}: "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    )


if __name__ == "__main__":
    main()
