"""``python -m pipeline extract FILE... --json``: fields of each document, one JSON per line.

Routing: UBL XML → ``pipeline.ubl.parse.parse_ubl``; CII XML → ``parse_cii``; a PDF
with an embedded Factur-X/ZUGFeRD/UBL file → that XML; otherwise read (text layer or
OCR) and extract. An e-mail (``.eml``) is split as ``ingest`` splits it: one JSON
object per attachment (``"attachment"`` names it), refused and left-out ones included.

``status`` is ``ok``; ``needs_review`` when the reading left a notice that part of
the file was not read (``damaged_pdf``, ``page_limit``: an operator decides);
``failed`` with a coded ``error`` when the file (or an attached file ``ingest`` would
keep as a failed document: a ZIP, a program) cannot be read; ``skipped`` with a
``reason`` for a part ``ingest`` leaves out (a small logo image). ``notices`` lists every coded notice
(``{"code", "message"}``, also blank pages), ``warnings`` every warning in words.
The run goes on with the next file.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from models.enums import DocumentKind
from pipeline.core.config import settings
from pipeline.core.errors import BoekbrugError
from pipeline.core.fields import FIELD_NAMES, field_to_json
from pipeline.core.records import Extraction
from pipeline.extract import extract
from pipeline.extract.cii import parse_cii
from pipeline.intake.email import split_email
from pipeline.intake.sniff import sniff, xml_syntax
from pipeline.read import read_document
from pipeline.read.notices import holds_document, notices
from pipeline.ubl.parse import parse_ubl

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract invoice fields from files (JSON lines with --json)")
    p.add_argument("files", nargs="+", type=Path, help="PDF, image, e-mail (.eml) or XML files")
    p.add_argument("--json", action="store_true", help="one JSON object per document per line")
    p.add_argument("--known-vat", action="append", default=[], help="VAT number of our own client (the customer)")
    p.set_defaults(func=run)


def _blank(path: Path) -> dict[str, Any]:
    return {"file": str(path), "document_type": None, "status": "ok", "error": None, "fields": {}}


def _guarded(out: dict[str, Any], path: Path, work: Any) -> Any:
    """Run ``work()``; a failure becomes ``status: failed`` with a coded error in ``out``."""
    try:
        return work()
    except BoekbrugError as exc:
        out.update(status="failed", error=exc.reason())
    except OSError as exc:
        out.update(status="failed", error=f"[io_error] {exc.strerror or exc}: {path}")
    except Exception as exc:
        log.exception("%s failed", path)
        out.update(status="failed", error=f"[internal_error] {type(exc).__name__}: {exc}")
    return None


def extract_file(path: Path, known: list[str] | None = None) -> list[dict[str, Any]]:
    """The JSON objects for one file: one, or one per attachment of an e-mail."""
    out = _blank(path)
    data: bytes | None = _guarded(out, path, path.read_bytes)
    kind = _guarded(out, path, lambda: sniff(data, path.name)) if data is not None else None
    if kind is None:
        return [out]
    if kind is not DocumentKind.EMAIL:
        return [_extract_one(out, data, kind, known or [])]
    message = _guarded(out, path, lambda: split_email(data))
    if message is None:
        return [out]
    results = []
    for attachment in message.attachments:
        part = {**_blank(path), "attachment": attachment.filename}
        results.append(_extract_one(part, attachment.content, attachment.kind, known or []))
    for refused in message.refused:  # ingest keeps these as failed documents with the coded reason
        part = {**_blank(path), "attachment": refused.filename}
        _guarded(part, path, lambda refused=refused: sniff(refused.content, refused.filename))
        if part["status"] != "failed":
            part.update(status="failed", error=f"[unsupported_format] {refused.reason}")
        results.append(part)
    refused_names = {refused.filename for refused in message.refused}
    for skipped in message.skipped:  # left out without a document (a logo, a body part): said
        name, _, why = skipped.partition(": ")
        if name not in refused_names:
            results.append({**_blank(path), "attachment": name if why else None, "status": "skipped",
                            "error": None, "reason": why or skipped})
    return results


def _extract_one(out: dict[str, Any], data: bytes, kind: DocumentKind, known: list[str]) -> dict[str, Any]:
    extraction: Extraction | None = _guarded(out, Path(out["file"]), lambda: _extract(data, kind, known))
    if extraction is None:
        return out
    out["document_type"] = str(extraction.document_type)
    names = list(FIELD_NAMES) + [n for n in extraction.fields if n not in FIELD_NAMES]
    out["fields"] = {n: (field_to_json(extraction.fields[n]) if n in extraction.fields else None) for n in names}
    if extraction.invoice_page_ranges:
        out["invoice_page_ranges"] = [list(r) for r in extraction.invoice_page_ranges]
    if extraction.warnings:
        out["warnings"] = list(extraction.warnings)
    found = notices(extraction.warnings)
    if found:
        out["notices"] = [{"code": n.code, "message": n.message} for n in found]
    if any(holds_document(w) for w in extraction.warnings):
        out["status"] = "needs_review"
    return out


def _extract(data: bytes, kind: DocumentKind, known: list[str]) -> Extraction:
    if kind == DocumentKind.UBL:
        return _structured(data, xml_syntax(data))
    read = read_document(data, kind, settings())
    extraction: Extraction | None = None
    if read.embedded_xml is not None:
        try:
            extraction = _structured(read.embedded_xml.content, read.embedded_xml.syntax)
        except Exception as exc:  # noqa: BLE001 - the page is still there to read
            log.warning("embedded XML unreadable (%s); extracting from the page", exc)
    if extraction is None:
        extraction = extract(read, known_parties=known)
    # the reading's notices (damaged file, page limit, blank pages) travel with the fields
    return replace(extraction, warnings=(*read.warnings, *extraction.warnings))


def _structured(data: bytes, syntax: str | None) -> Extraction:
    return parse_cii(data) if syntax == "CII" else parse_ubl(data)


def run(args: argparse.Namespace) -> int:
    results = [result for path in args.files for result in extract_file(path, args.known_vat)]
    failed = sum(result["status"] == "failed" for result in results)
    for result in results:
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
            continue
        where = result["file"] + (f" / {result['attachment']}" if result.get("attachment") else "")
        print(f"{where}: {result['status']} {result['document_type'] or ''} {result['error'] or ''}")
        for notice in result.get("notices", ()):
            print(f"  [{notice['code']}] {notice['message']}")
        for name, f in result["fields"].items():
            if f is not None:
                print(f"  {name:<28} {str(f['value'])[:70]:<70} {f['confidence']:.2f}")
    return 1 if failed and failed == len(results) else 0
