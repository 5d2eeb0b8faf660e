"""``python -m pipeline extract FILE... --json``: fields of each document, one JSON per line.

Routing: UBL XML → ``pipeline.ubl.parse.parse_ubl``; CII XML → ``parse_cii``; a PDF
with an embedded Factur-X/ZUGFeRD/UBL file → that XML; otherwise read (text layer or
OCR) and extract. A file that cannot be read gives ``status: "failed"`` and a human
``error``; the run goes on with the next file.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract invoice fields from files (JSON lines with --json)")
    p.add_argument("files", nargs="+", type=Path, help="PDF, image or XML files")
    p.add_argument("--json", action="store_true", help="one JSON object per document per line")
    p.add_argument("--known-vat", action="append", default=[], help="VAT number of our own client (the customer)")
    p.set_defaults(func=run)


def extract_file(path: Path, known: list[str] | None = None) -> dict[str, Any]:
    from pipeline.core.errors import BoekbrugError
    from pipeline.core.fields import FIELD_NAMES, field_to_json

    out: dict[str, Any] = {"file": str(path), "document_type": None, "status": "ok", "error": None, "fields": {}}
    try:
        extraction = _extract(path, known or [])
    except BoekbrugError as exc:
        out.update(status="failed", error=exc.reason())
        return out
    except OSError as exc:
        out.update(status="failed", error=f"[io_error] {exc.strerror or exc}: {path}")
        return out
    except Exception as exc:
        log.exception("%s failed", path)
        out.update(status="failed", error=f"[internal_error] {type(exc).__name__}: {exc}")
        return out
    out["document_type"] = str(extraction.document_type)
    names = list(FIELD_NAMES) + [n for n in extraction.fields if n not in FIELD_NAMES]
    out["fields"] = {n: (field_to_json(extraction.fields[n]) if n in extraction.fields else None) for n in names}
    if extraction.invoice_page_ranges:
        out["invoice_page_ranges"] = [list(r) for r in extraction.invoice_page_ranges]
    if extraction.warnings:
        out["warnings"] = list(extraction.warnings)
    return out


def _extract(path: Path, known: list[str]):  # type: ignore[no-untyped-def]
    from models.enums import DocumentKind
    from pipeline.core.config import settings
    from pipeline.extract import extract
    from pipeline.extract.cii import parse_cii
    from pipeline.intake.sniff import sniff, xml_syntax
    from pipeline.read import read_document

    data = path.read_bytes()
    kind = sniff(data, path.name)
    if kind == DocumentKind.UBL:
        return _structured(data, xml_syntax(data), parse_cii)
    read = read_document(data, kind, settings())
    if read.embedded_xml is not None:
        try:
            return _structured(read.embedded_xml.content, read.embedded_xml.syntax, parse_cii)
        except Exception:
            log.warning("%s: embedded XML unreadable; extracting from the page", path, exc_info=True)
    return extract(read, known_parties=known)


def _structured(data: bytes, syntax: str | None, parse_cii):  # type: ignore[no-untyped-def]
    if syntax == "CII":
        return parse_cii(data)
    from pipeline.ubl.parse import parse_ubl

    return parse_ubl(data)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        result = extract_file(path, args.known_vat)
        failed += result["status"] == "failed"
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            print(f"{path}: {result['status']} {result['document_type'] or ''} {result['error'] or ''}")
            for name, f in result["fields"].items():
                if f is not None:
                    print(f"  {name:<28} {str(f['value'])[:70]:<70} {f['confidence']:.2f}")
    return 1 if failed and failed == len(args.files) else 0
