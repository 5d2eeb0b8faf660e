"""Fields in the database ↔ records: saving a machine reading, reading current values.

A machine reading never overwrites an operator's value: re-reading a document
refreshes ``machine_value`` and, only where no operator touched the field, ``value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Document, ExtractedFieldRow, Page
from models.enums import FieldSource
from pipeline.core.fields import value_from_json, value_to_json
from pipeline.core.identifiers import supplier_key
from pipeline.core.records import ExtractedField, PageText
from pipeline.review.confidence import (
    OPERATOR_STATES,
    Calibration,
    FieldView,
    field_state,
)


def save_pages(session: Session, document: Document, pages: tuple[PageText, ...]) -> None:
    existing = {page.number: page for page in document.pages}
    for page in pages:
        row = existing.get(page.number) or Page(document_id=document.id, number=page.number)
        row.width, row.height = page.width, page.height
        row.source, row.engine, row.seconds = page.source, page.engine, page.seconds
        row.text = page.text
        row.lines = [
            {
                "text": line.text,
                "bbox": list(line.bbox),
                "confidence": round(line.confidence, 4),
                "words": [
                    {"text": w.text, "bbox": [round(c, 5) for c in w.bbox], "confidence": round(w.confidence, 4)}
                    for w in line.words
                ],
            }
            for line in page.lines
        ]
        if page.number not in existing:
            session.add(row)
    document.page_count = len(pages)


# evidence that is not the extractor's own score, so not what the calibration maps learnt
OWN_EVIDENCE = frozenset({"supplier_memory", "supplier_layout", "number_series", "client_name"})


def calibrated_confidence(calibration: Calibration, found: ExtractedField) -> float:
    """The calibration maps the extractor's scores on page readings (text layer, OCR).
    Structured XML, supplier memory and learnt positions carry their own confidence."""
    if found.source not in (FieldSource.TEXT_LAYER, FieldSource.OCR):
        return found.confidence
    if any(check.ok and check.name in OWN_EVIDENCE for check in found.checks):
        return found.confidence
    return calibration.apply(found.name, found.confidence, found.source)


def save_machine_fields(
    session: Session,
    document: Document,
    fields: Mapping[str, ExtractedField],
    calibration: Calibration,
    threshold: float,
) -> dict[str, ExtractedFieldRow]:
    rows = {row.name: row for row in session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document.id))}
    for name, found in fields.items():
        row = rows.get(name)
        if row is None:
            row = ExtractedFieldRow(document_id=document.id, name=name)
            session.add(row)
            rows[name] = row
        stored_value = value_to_json(name, found.value)
        checks = [asdict(check) for check in found.checks]
        calibrated = calibrated_confidence(calibration, found)
        row.machine_value = stored_value
        row.machine_source = found.source
        row.raw_confidence = found.confidence
        if row.state in OPERATOR_STATES:
            continue
        row.value = stored_value
        row.source = found.source
        row.confidence = calibrated
        row.page = found.page
        row.bbox = None if found.bbox is None else [round(c, 5) for c in found.bbox]
        row.checks = checks
        row.state = field_state(stored_value, calibrated, checks, threshold)
    session.flush()
    return rows


def field_rows(session: Session, document_id: int) -> dict[str, ExtractedFieldRow]:
    return {
        row.name: row
        for row in session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document_id))
    }


def field_views(rows: Mapping[str, ExtractedFieldRow]) -> dict[str, FieldView]:
    return {name: FieldView(name, row.state, row.confidence) for name, row in rows.items()}


def current_values(rows: Mapping[str, ExtractedFieldRow]) -> dict[str, Any]:
    """Current values as Python types (Decimal, date, records)."""
    return {name: value_from_json(name, row.value) for name, row in rows.items() if row.value not in (None, "", [])}


def denormalise(document: Document, values: Mapping[str, Any]) -> None:
    """Copy the key fields onto the document for duplicates, the library and the dashboard."""
    document.supplier_key = supplier_key(values)
    document.supplier_name = (values.get("supplier_name") or None) and str(values["supplier_name"])[:255]
    document.invoice_number = (values.get("invoice_number") or None) and str(values["invoice_number"])[:128]
    document.issue_date = values.get("issue_date")
    document.due_date = values.get("due_date")
    document.total_incl_vat = values.get("total_incl_vat")
    document.currency = (values.get("currency") or None) and str(values["currency"])[:3]

