"""``python -m pipeline ubl FIELDS.json [--original FILE] -o OUT.xml [--validate]``.

FIELDS.json is one document in the ``extract --json`` format
(``{"file", "document_type", "status", "error", "fields": {NAME: {"value", …}}}``),
or ``{"fields": {name: value}}``, or a plain ``{name: value}``. Exit code 1 when the
official rules report a fatal finding, 2 when the UBL cannot be built.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("ubl", help="build a Peppol BIS 3 UBL invoice from validated field values")
    p.add_argument("fields", type=Path, help="FIELDS.json (extract --json output or {name: value})")
    p.add_argument("--original", type=Path, help="PDF or image to embed as the original")
    p.add_argument("-o", "--output", type=Path, required=True, help="where to write the UBL XML")
    p.add_argument("--validate", action="store_true", help="run XSD + EN 16931 + Peppol rules")
    p.set_defaults(func=run)


def sniff_mime(data: bytes) -> str | None:
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def load_fields(path: Path) -> tuple[dict[str, Any], str | None]:
    """(field values in their Python types, document type or None) from FIELDS.json."""
    from pipeline.core.fields import values_from_json

    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        if len(data) != 1:
            raise ValueError(f"{path}: expected one document, found {len(data)}")
        data = data[0]
    document_type = data.get("document_type") if isinstance(data.get("document_type"), str) else None
    fields = data["fields"] if isinstance(data.get("fields"), dict) else data
    fields = {k: v for k, v in fields.items() if k not in ("file", "status", "error", "document_type")}
    return values_from_json(fields), document_type


def run(args: argparse.Namespace) -> int:
    from pipeline.core.errors import BoekbrugError
    from pipeline.ubl.build import build_ubl
    from pipeline.ubl.parse import invoice_data_from_values
    from pipeline.ubl.validate import validate

    try:
        values, document_type = load_fields(args.fields)
        invoice = invoice_data_from_values(values, document_type)
        original = None
        if args.original:
            content = args.original.read_bytes()
            mime = sniff_mime(content)
            if mime is None:
                print(f"{args.original}: not a PDF or image", file=sys.stderr)
                return 2
            original = (args.original.name, content, mime)
        xml = build_ubl(invoice, original)
    except BoekbrugError as exc:
        print(exc.reason(), file=sys.stderr)
        return 2
    except (ValueError, KeyError, OSError) as exc:
        print(f"cannot build UBL: {exc}", file=sys.stderr)
        return 2
    args.output.write_bytes(xml)
    print(f"wrote {args.output} ({len(xml)} bytes)")
    if not args.validate:
        return 0
    report = validate(xml)
    for finding in report.findings:
        suffix = f"  [fields: {', '.join(finding.fields)}]" if finding.fields else ""
        print(f"{finding}{suffix}")
    print(f"{report.ruleset}: {len(report.fatal)} fatal, {len(report.warnings)} warnings")
    return 1 if report.fatal else 0
