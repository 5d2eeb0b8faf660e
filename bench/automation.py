"""Automation at the release threshold, and the error rate of what the machine releases alone.

    .venv/bin/python bench/automation.py ../shared/data [/tmp/be-corpus ...] [--threshold 0.99]

For each document of corpora with ground truth (../shared/data's layout): read and
extract (OCR cached under DATA_DIR/cache), calibrate with the shipped prior, apply
the release rule (pipeline.review.confidence.blocking_fields) exactly as the pipeline does
(without supplier memory or duplicates, which need history), and score the
required fields against the truth. ``--with-memory`` measures the steady state, where
each supplier was validated once before (its name, VAT number, IBAN and currency remembered). Prints per kind: documents, share released with
no human touch, documents released with at least one wrong required field, and the
error rate of auto-accepted fields (state certain) that have a truth label.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from models.enums import DocumentType, FieldState
    from pipeline.core.config import settings
    from pipeline.core.fields import REQUIRED_FIELDS, value_to_json
    from pipeline.extract import extract
    from pipeline.reports.evaluate import evaluate, score_value
    from pipeline.review.calibration import load_prior
    from pipeline.review.confidence import FieldView, blocking_fields, field_state
    from pipeline.review.fieldstore import calibrated_confidence
    from pipeline.suppliers.memory import apply_supplier_memory

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--threshold", type=float, default=settings().auto_accept)
    parser.add_argument("--with-memory", action="store_true",
                        help="steady state: each document's supplier was validated once before (memory from the truth)")
    args = parser.parse_args()
    prior = load_prior()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    blockers: dict[str, int] = defaultdict(int)
    for corpus in args.corpora:
        folder = Path(corpus)
        captured = []

        def capturing(read, _captured=captured):  # type: ignore[no-untyped-def]
            extraction = extract(read)
            _captured.append(extraction)
            return extraction

        report = evaluate(folder, cache_dir=settings().data_dir / "cache", extractor=capturing)
        records = {r["id"]: r for r in json.loads((folder / "index.json").read_text())}
        extractions = iter(captured)
        for doc in report.docs:
            if doc.error:
                rows[records[doc.doc]["kind"]]["failed"] += 1
                continue
            extraction = next(extractions)
            record = records[doc.doc]
            kind = record["kind"]
            fields = dict(extraction.fields)
            if args.with_memory:
                apply_supplier_memory(fields, _profile_from_truth(record["fields"]))
            views = {}
            for name, found in fields.items():
                value = value_to_json(name, found.value)
                confidence = calibrated_confidence(prior, found)
                views[name] = FieldView(name, field_state(value, confidence, [asdict(c) for c in found.checks], args.threshold), confidence)
            doc_type = extraction.document_type
            blocking = blocking_fields(doc_type, views)
            auto = doc_type is not DocumentType.NOT_AN_INVOICE and not blocking
            for name in blocking:
                blockers[name] += 1
            counts = rows[kind]
            counts["documents"] += 1
            wrong_required = 0
            for name, found in fields.items():
                truth = record["fields"].get(name)
                if truth is None or views[name].state is not FieldState.CERTAIN:
                    continue
                ok, _ = score_value(name, truth, found.value)
                counts["certain_fields"] += 1
                counts["certain_wrong"] += int(not ok)
                if name in REQUIRED_FIELDS[doc_type] and not ok:
                    wrong_required += 1
            if auto:
                counts["auto_released"] += 1
                counts["auto_released_wrong"] += int(wrong_required > 0)
    memory = "each supplier validated once before" if args.with_memory else "no supplier memory (first invoices)"
    print(f"threshold {args.threshold}; prior from pipeline/calibration_prior.json; {memory}")
    print(f"{'kind':12} {'docs':>5} {'auto-released':>14} {'of which wrong':>15} {'certain fields':>15} {'wrong':>6} {'error rate':>10}")
    totals: dict[str, int] = defaultdict(int)
    for kind in sorted(rows):
        counts = rows[kind]
        for key, value in counts.items():
            totals[key] += value
        _row(kind, counts)
    _row("all", totals)
    print("fields that kept documents from release: " + ", ".join(
        f"{name} {count}" for name, count in sorted(blockers.items(), key=lambda item: -item[1])))


def _profile_from_truth(truth: dict):  # type: ignore[no-untyped-def]
    """What an earlier validated invoice of this supplier would have taught the memory."""
    import re

    from models import SupplierProfile

    def alnum(value: object) -> str | None:
        return re.sub(r"[^0-9A-Za-z]", "", str(value)).upper() or None if value else None

    # the currency is remembered too (pipeline.suppliers.memory._remember_currency)
    currency = str(truth.get("currency") or "").upper()
    positions = {"currency": {"value": currency, "documents": 1}} if currency else {}
    return SupplierProfile(name=truth.get("supplier_name"), vat=alnum(truth.get("supplier_vat")),
                           iban=alnum(truth.get("iban")), documents_seen=1, field_positions=positions)


def _row(kind: str, counts: dict[str, int]) -> None:
    docs = counts["documents"]
    auto = counts["auto_released"]
    share = f"{auto} ({auto / docs:.0%})" if docs else "0"
    rate = counts["certain_wrong"] / counts["certain_fields"] if counts["certain_fields"] else 0.0
    print(f"{kind:12} {docs:5} {share:>14} {counts['auto_released_wrong']:15} {counts['certain_fields']:15} "
          f"{counts['certain_wrong']:6} {rate:10.2%}")


if __name__ == "__main__":
    main()
