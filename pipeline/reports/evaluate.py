"""Field accuracy and calibration on a corpus folder (``index.json`` + ``docs/`` + truth).

Scoring (see ../shared/data/SCHEMA.md): only fields non-null in the truth are scored;
a field not found counts as wrong.

* amounts: equal within 0.01; dates: exact ISO; currency: exact code;
* VAT numbers, IBAN, payment reference: upper-case letters and digits only;
* invoice number: exact after trimming (``ok``), letters and digits only (``relaxed``);
* names: case-insensitive, whitespace-collapsed exact (``ok``; a listed trading name
  counts), similarity ≥ 0.85 or containment (``relaxed``);
* vat_breakdown: right when every truth row has a distinct predicted row with the same
  rate, base and amount (±0.01) and there are no extra rows; category is not scored;
* lines: right when the number of lines is equal and the net amounts agree in order
  (±0.01); ``relaxed`` is the share of truth net amounts found among the predictions.

The reliability table bins every scored field that has a prediction by its confidence
and shows how often it was right; "≥0.95 right" is the share the release rule relies on.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from pipeline.core.config import settings as get_settings
from pipeline.core.errors import BoekbrugError
from pipeline.core.fields import FIELD_TYPES, FieldType, value_from_json, value_to_json
from pipeline.core.records import Extraction, ReadResult
from pipeline.extract import extract
from pipeline.extract.readcache import cached_read
from pipeline.intake.sniff import sniff
from pipeline.read import read_document

log = logging.getLogger(__name__)

SCORED_FIELDS = (
    "supplier_name", "supplier_vat", "customer_name", "customer_vat", "invoice_number", "issue_date",
    "due_date", "currency", "total_excl_vat", "total_vat", "total_incl_vat", "iban", "payment_reference",
    "vat_breakdown", "lines",
)  # fmt: skip
KINDS = ("text_pdf", "scanned_pdf", "photo", "receipt")
BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)
CENT = Decimal("0.01")


@dataclass
class FieldResult:
    doc: str
    kind: str
    group: str
    field: str
    truth: Any
    predicted: Any
    confidence: float | None
    ok: bool
    relaxed: bool


@dataclass
class DocResult:
    doc: str
    kind: str
    group: str
    seconds: float
    error: str | None = None
    doc_type_truth: str | None = None
    doc_type: str | None = None


@dataclass
class Report:
    fields: list[FieldResult] = field(default_factory=list)
    docs: list[DocResult] = field(default_factory=list)


# --------------------------------------------------------------------------- scoring
def _alnum(v: Any) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", str(v)).upper()


def _name(v: Any) -> str:
    return re.sub(r"\s+", " ", str(v)).strip().lower()


def _dec(v: Any) -> Decimal | None:
    try:
        return value_from_json("total_vat", v) if not isinstance(v, Decimal) else v
    except ValueError:
        return None


def score_value(name: str, truth: Any, pred: Any, alternatives: list[str] = ()) -> tuple[bool, bool]:
    """(ok, relaxed) for one field."""
    if pred is None:
        return False, False
    kind = FIELD_TYPES.get(name, FieldType.TEXT)
    if kind is FieldType.AMOUNT:
        t, p = _dec(truth), _dec(pred)
        ok = t is not None and p is not None and abs(t - p) <= CENT
        return ok, ok
    if kind is FieldType.DATE:
        ok = str(truth)[:10] == (pred.isoformat() if isinstance(pred, date) else str(pred)[:10])
        return ok, ok
    if kind is FieldType.CURRENCY:
        ok = str(truth).upper() == str(pred).upper()
        return ok, ok
    if name == "invoice_number":
        return str(truth).strip() == str(pred).strip(), _alnum(truth) == _alnum(pred)
    if kind is FieldType.IDENTIFIER:
        ok = _alnum(truth) == _alnum(pred)
        return ok, ok
    if kind is FieldType.TEXT:
        names = [_name(truth)] + [_name(a) for a in alternatives]
        p = _name(pred)
        ok = p in names
        relaxed = ok or any(SequenceMatcher(None, n, p).ratio() >= 0.85 or (len(p) > 3 and (p in n or n in p)) for n in names)
        return ok, relaxed
    if kind is FieldType.VAT_BREAKDOWN:
        return _score_breakdown(truth, pred)
    if kind is FieldType.LINES:
        return _score_lines(truth, pred)
    return str(truth) == str(pred), str(truth) == str(pred)


def _close(a: Any, b: Any) -> bool:
    a, b = _dec(a), _dec(b)
    return a is not None and b is not None and abs(a - b) <= CENT


def _score_breakdown(truth: list[dict], pred: list[Any]) -> tuple[bool, bool]:
    rows = [value_to_json("vat_breakdown", [p])[0] if not isinstance(p, dict) else p for p in pred]
    left = list(rows)
    matched = 0
    for t in truth:
        hit = next((r for r in left if all(_close(t.get(k), r.get(k)) for k in ("rate", "base", "amount"))), None)
        if hit is not None:
            left.remove(hit)
            matched += 1
    ok = matched == len(truth) and not left
    return ok, matched == len(truth)


def _score_lines(truth: list[dict], pred: list[Any]) -> tuple[bool, bool]:
    rows = [value_to_json("lines", [p])[0] if not isinstance(p, dict) else p for p in pred]
    ok = len(rows) == len(truth) and all(_close(t.get("net_amount"), r.get("net_amount")) for t, r in zip(truth, rows))
    nets = [r.get("net_amount") for r in rows]
    found = 0
    for t in truth:
        i = next((k for k, n in enumerate(nets) if _close(t.get("net_amount"), n)), None)
        if i is not None:
            nets.pop(i)
            found += 1
    return ok, found >= max(1, len(truth)) * 0.8


# ----------------------------------------------------------------------------- reading
def read_file(path: Path, cache_dir: Path | None, settings: Any = None) -> ReadResult:
    """Read one document with the production reader, ``pipeline.read`` (cached)."""
    data = path.read_bytes()
    settings = settings or get_settings()
    kind = sniff(data, path.name)
    return cached_read(data, cache_dir, settings.ocr_engine, lambda: read_document(data, kind, settings))


def evaluate(
    data_dir: Path,
    kinds: tuple[str, ...] = KINDS,
    cache_dir: Path | None = None,
    extractor: Callable[[ReadResult], Extraction] | None = None,
    progress: Callable[[str], None] | None = None,
    ids: tuple[str, ...] = (),
) -> Report:
    extractor = extractor or extract
    records = json.loads((data_dir / "index.json").read_text())
    report = Report()
    for rec in records:
        if rec["kind"] not in kinds or (ids and rec["id"] not in ids):
            continue
        started = time.perf_counter()
        doc = DocResult(rec["id"], rec["kind"], rec["source_group"], 0.0, doc_type_truth=rec.get("doc_type"))
        extraction: Extraction | None = None
        try:
            extraction = extractor(read_file(data_dir / rec["file"], cache_dir))
            doc.doc_type = str(extraction.document_type)
        except BoekbrugError as exc:
            doc.error = exc.reason()
        except Exception as exc:
            log.exception("%s failed", rec["id"])
            doc.error = f"{type(exc).__name__}: {exc}"
        doc.seconds = round(time.perf_counter() - started, 3)
        report.docs.append(doc)
        alternatives = (rec.get("extra") or {}).get("supplier_name_alternatives") or []
        for name in SCORED_FIELDS:
            truth = rec["fields"].get(name)
            if truth is None:
                continue
            found = extraction.fields.get(name) if extraction else None
            pred = found.value if found else None
            ok, relaxed = score_value(name, truth, pred, alternatives if name == "supplier_name" else [])
            report.fields.append(
                FieldResult(rec["id"], rec["kind"], rec["source_group"], name, truth,
                            value_to_json(name, pred), found.confidence if found else None, ok, relaxed)
            )  # fmt: skip
        if progress:
            progress(f"{rec['id']} {rec['kind']:<12} {doc.seconds:6.2f}s {doc.error or ''}")
    return report


# ----------------------------------------------------------------------------- summary
def _acc(rows: list[FieldResult], relaxed: bool = False) -> tuple[int, int]:
    return sum(r.relaxed if relaxed else r.ok for r in rows), len(rows)


def summary(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"per_kind": {}, "per_group": {}, "per_field": {}, "reliability": [], "documents": {}}
    kinds = [k for k in KINDS if any(r.kind == k for r in report.fields)]
    for k in kinds + ["all"]:
        rows = [r for r in report.fields if k == "all" or r.kind == k]
        ok, n = _acc(rows)
        rel, _ = _acc(rows, True)
        docs = [d for d in report.docs if k == "all" or d.kind == k]
        dt = [d for d in docs if d.doc_type]
        dt_ok = sum(_doc_type_ok(d) for d in dt)
        out["per_kind"][k] = {"fields": n, "right": ok, "accuracy": _ratio(ok, n), "relaxed": _ratio(rel, n),
                              "documents": len(docs), "failed": sum(1 for d in docs if d.error),
                              "doc_type_accuracy": _ratio(dt_ok, len(dt)),
                              "seconds_per_doc": _ratio(sum(d.seconds for d in docs), len(docs))}  # fmt: skip
    for g in sorted({r.group for r in report.fields}):
        out["per_group"][g] = {}
        for k in kinds:
            ok, n = _acc([r for r in report.fields if r.group == g and r.kind == k])
            if n:
                out["per_group"][g][k] = {"fields": n, "accuracy": _ratio(ok, n)}
    for name in SCORED_FIELDS:
        out["per_field"][name] = {}
        for k in kinds:
            ok, n = _acc([r for r in report.fields if r.field == name and r.kind == k])
            if n:
                out["per_field"][name][k] = {"fields": n, "accuracy": _ratio(ok, n)}
    predicted = [r for r in report.fields if r.confidence is not None]
    for lo, hi in itertools.pairwise(BINS):
        rows = [r for r in predicted if lo <= r.confidence < hi]
        ok, n = _acc(rows)
        mean = sum(r.confidence for r in rows) / n if n else None
        out["reliability"].append({"from": lo, "to": min(hi, 1.0), "fields": n, "mean_confidence": mean, "accuracy": _ratio(ok, n)})
    high = [r for r in predicted if r.confidence >= 0.95]
    ok, n = _acc(high)
    out["high_confidence"] = {"threshold": 0.95, "fields": n, "right": ok, "accuracy": _ratio(ok, n),
                              "share_of_scored": _ratio(n, len(report.fields)),
                              "wrong": [asdict(r) for r in high if not r.ok]}  # fmt: skip
    out["documents"] = {d.doc: asdict(d) for d in report.docs}
    out["errors"] = [asdict(r) for r in report.fields if not r.ok]
    return out


def _doc_type_ok(d: DocResult) -> bool:
    truth = {"credit_note": "credit_note", "receipt": "receipt"}.get(d.doc_type_truth or "", "invoice")
    return d.doc_type == truth


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _pct(v: float | None) -> str:
    return "   -  " if v is None else f"{v * 100:5.1f}%"


def format_summary(s: dict[str, Any]) -> str:
    lines = ["Field accuracy per kind (scored = fields non-null in the truth)", ""]
    lines.append(f"{'kind':<12} {'docs':>5} {'failed':>6} {'fields':>6} {'right':>6} {'accuracy':>9} {'relaxed':>8} {'doctype':>8} {'s/doc':>6}")
    for k, v in s["per_kind"].items():
        lines.append(f"{k:<12} {v['documents']:>5} {v['failed']:>6} {v['fields']:>6} {v['right']:>6} {_pct(v['accuracy']):>9} "
                     f"{_pct(v['relaxed']):>8} {_pct(v['doc_type_accuracy']):>8} {v['seconds_per_doc'] or 0:>6.2f}")  # fmt: skip
    kinds = [k for k in KINDS if k in s["per_kind"]]
    lines += ["", f"{'field':<20} " + " ".join(f"{k:>14}" for k in kinds)]
    for name, per in s["per_field"].items():
        cells = [f"{_pct(per[k]['accuracy'])} ({per[k]['fields']:>2})" if k in per else " " * 14 for k in kinds]
        lines.append(f"{name:<20} " + " ".join(f"{c:>14}" for c in cells))
    lines += ["", f"{'source_group':<28} " + " ".join(f"{k:>14}" for k in kinds)]
    for g, per in s["per_group"].items():
        cells = [f"{_pct(per[k]['accuracy'])} ({per[k]['fields']:>3})" if k in per else "" for k in kinds]
        lines.append(f"{g:<28} " + " ".join(f"{c:>14}" for c in cells))
    lines += ["", "Reliability (predicted fields only)", f"{'confidence':<14} {'fields':>6} {'mean conf':>9} {'accuracy':>9}"]
    for b in s["reliability"]:
        mean = "-" if b["mean_confidence"] is None else f"{b['mean_confidence']:.3f}"
        lines.append(f"{b['from']:.2f}-{b['to']:.2f}     {b['fields']:>6} {mean:>9} {_pct(b['accuracy']):>9}")
    h = s["high_confidence"]
    lines.append(f"\nconfidence ≥ 0.95: {h['fields']} fields ({_pct(h['share_of_scored'])} of scored), right {_pct(h['accuracy'])}")
    for w in h["wrong"]:
        lines.append(f"  WRONG at ≥0.95: {w['doc']} {w['field']}: {w['predicted']!r} (truth {w['truth']!r}, conf {w['confidence']})")
    return "\n".join(lines)
