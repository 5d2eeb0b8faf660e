"""Reading benchmark: seconds per page, peak memory and key-text accuracy per engine.

    .venv/bin/python bench/read.py [--data ../shared/data] [--kinds scanned_pdf photo]
                                   [--engines textlayer tesseract rapidocr auto]
                                   [--layout band] [--limit N] [--json rows.json]

Each engine runs in its own subprocess (so peak RSS is that engine's), reading every
document of the chosen kinds once after a warm-up page. Per engine it prints the
median wall and CPU seconds per page and the share of truth ``invoice_number``,
``total_incl_vat`` and ``issue_date`` values whose text appears in the output
(amounts in the usual European/English spellings, dates as dd.mm.yyyy, dd/mm/yyyy,
dd-mm-yyyy, yyyy-mm-dd and two-digit years; month names are not tried): "key text
found". ``supplier_name`` (case-insensitive) and ``supplier_vat`` (letters and digits
only) are counted on their own. CPU seconds are given because a shared machine makes
wall time noisy. ``--layout`` keeps only generated documents of one layout; ``--limit N``
only the first N documents of each kind (a quick look while iterating).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds modules named like the standard library (queue.py): keep it off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

OCR_KINDS = ("scanned_pdf", "photo", "receipt")
KEYS = ("invoice_number", "total_incl_vat", "issue_date")  # "key text found"
EXTRA = ("supplier_name", "supplier_vat")  # reported on their own


def amount_forms(value: float) -> set[str]:
    neg = value < 0
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = f"{int(whole):,}"
    forms = {f"{whole},{cents}", f"{whole}.{cents}", f"{groups.replace(',', '.')},{cents}",
             f"{groups}.{cents}", f"{groups.replace(',', ' ')},{cents}"}
    return {("-" + f if neg else f) for f in forms} | forms


def date_forms(iso: str) -> set[str]:
    y, m, d = iso.split("-")
    out = set()
    for sep in (".", "/", "-"):
        out |= {f"{d}{sep}{m}{sep}{y}", f"{d}{sep}{m}{sep}{y[2:]}", f"{int(d)}{sep}{int(m)}{sep}{y}"}
    return out | {iso}


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).lower()


def found(kind: str, value: object, text: str) -> bool:
    flat = re.sub(r"\s+", " ", text)
    tight = flat.replace(" ", "")
    if kind == "supplier_name":
        return re.sub(r"\s+", " ", str(value)).strip().lower() in flat.lower()
    if kind == "supplier_vat":
        return _alnum(str(value)) in _alnum(text)
    if kind == "invoice_number":
        alnum = re.sub(r"[^0-9A-Za-z]", "", str(value)).lower()
        return str(value) in flat or alnum in re.sub(r"[^0-9A-Za-z]", "", text).lower()
    forms = amount_forms(float(value)) if kind == "total_incl_vat" else date_forms(str(value))  # type: ignore[arg-type]
    return any(f in flat or f.replace(" ", "") in tight for f in forms)


def worker(engine_name: str, data_dir: Path, kinds: list[str], only: str = "", limit: int = 0) -> dict[str, object]:
    from models.enums import DocumentKind
    from pipeline.core.config import from_environment
    from pipeline.read import get_engine, read_document

    # a busy shared machine must not cut a reading short: the bench measures, the limit is the product's
    settings = from_environment({"SECONDS_PER_PAGE": "900"})
    records = [json.loads(p.read_text()) for p in sorted((data_dir / "truth").glob("*.json"))]
    records = [r for r in records if r["kind"] in kinds and (not only or r.get("extra", {}).get("layout") == only)]
    if limit > 0:
        records = [r for kind in kinds for r in [r for r in records if r["kind"] == kind][:limit]]
    engine = None if engine_name == "textlayer" else get_engine(engine_name)
    rows = []
    warmed = False
    for rec in records:
        data = (data_dir / rec["file"]).read_bytes()
        kind = DocumentKind.PDF if rec["file"].endswith(".pdf") else DocumentKind.IMAGE
        if engine is not None and not warmed:
            read_document(data, kind, settings, engine=engine)  # load models, open APIs
            warmed = True
        wall, cpu = time.perf_counter(), time.process_time()
        result = read_document(data, kind, settings, engine=engine)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pages = max(1, len(result.pages))
        hits = {k: found(k, rec["fields"][k], result.text)
                for k in KEYS + EXTRA if rec["fields"].get(k) is not None}
        rows.append({"id": rec["id"], "kind": rec["kind"], "pages": pages, "wall": wall / pages,
                     "cpu": cpu / pages, "hits": hits})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine_name, "rows": rows, "peak_mb": peak_mb}


def summarise(result: dict[str, object]) -> list[str]:
    lines = []
    rows = result["rows"]  # type: ignore[index]
    for kind in sorted({r["kind"] for r in rows}):  # type: ignore[index]
        sel = [r for r in rows if r["kind"] == kind]  # type: ignore[index]
        hits = [r["hits"][k] for r in sel for k in KEYS if k in r["hits"]]
        per_field = {}
        for key in KEYS + EXTRA:
            vals = [r["hits"][key] for r in sel if key in r["hits"]]
            per_field[key] = f"{sum(vals)}/{len(vals)}"
        lines.append(
            f"| {result['engine']} | {kind} | {len(sel)} | {sum(r['pages'] for r in sel)} | "
            f"{statistics.median(r['wall'] for r in sel):.2f} | {statistics.median(r['cpu'] for r in sel):.2f} | "
            f"{result['peak_mb']:.0f} | {per_field['invoice_number']} | {per_field['total_incl_vat']} | "
            f"{per_field['issue_date']} | {100 * sum(hits) / max(1, len(hits)):.0f} % | "
            f"{per_field['supplier_name']} | {per_field['supplier_vat']} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--kinds", nargs="+", default=["text_pdf", "scanned_pdf", "photo"])
    parser.add_argument("--engines", nargs="+", default=["textlayer", "tesseract", "auto", "rapidocr"])
    parser.add_argument("--layout", default="", help="only synthetic documents of this layout (e.g. band)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents of each kind")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the raw rows here")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.kinds, args.layout, args.limit)))
        return 0
    header = ("| engine | kind | docs | pages | s/page wall (median) | s/page CPU (median) | peak RSS MB | "
              "invoice_number | total_incl_vat | issue_date | key text found | supplier_name | supplier_vat |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    raw = []
    for engine in args.engines:
        kinds = [k for k in args.kinds if (k == "text_pdf") == (engine == "textlayer")]
        if not kinds:
            continue
        out = subprocess.run([sys.executable, __file__, "--worker", engine, "--data", str(args.data),
                              "--kinds", *kinds, "--layout", args.layout, "--limit", str(args.limit)],
                             capture_output=True, text=True, check=False, cwd=ROOT)
        if out.returncode != 0:
            print(f"| {engine} | failed: {out.stderr.strip().splitlines()[-1:]} |")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        raw.append(result)
        for line in summarise(result):
            print(line, flush=True)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
