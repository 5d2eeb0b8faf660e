from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from models.enums import DocumentType, FieldSource
from pipeline.core.records import ExtractedField, Extraction, VatBreakdownLine
from pipeline.reports.evaluate import evaluate, format_summary, score_value, summary


def test_score_value_rules() -> None:
    assert score_value("total_incl_vat", 1099.78, D("1099.78")) == (True, True)
    assert score_value("total_incl_vat", 1099.78, D("1099.80"))[0] is False
    assert score_value("supplier_vat", "FR 05 987 654 321", "FR05987654321")[0]
    assert score_value("invoice_number", "018304 / 28865", "018304/28865") == (False, True)
    assert score_value("supplier_name", "Enexis", " enexis ")[0]
    assert score_value("supplier_name", "Salescompany ltd.", "Salescompany Itd.") == (False, True)
    assert score_value("supplier_name", "X BV", "Y BV", ["y bv"])[0]
    assert score_value("issue_date", "2026-03-03", None) == (False, False)
    bd = [{"rate": 21.0, "base": 100.0, "amount": 21.0, "category": "S"}]
    assert score_value("vat_breakdown", bd, [VatBreakdownLine(D(21), D("100.00"), D("21.00"), None)])[0]
    assert not score_value("vat_breakdown", bd, [VatBreakdownLine(D(21), D(100), D(21)), VatBreakdownLine(D(6), D(1), D("0.06"))])[0]
    lines = [{"description": "a", "net_amount": 5.0}, {"description": "b", "net_amount": 7.5}]
    assert score_value("lines", lines, [{"net_amount": "5.00"}, {"net_amount": "7.50"}])[0]
    assert not score_value("lines", lines, [{"net_amount": "5.00"}])[0]


def test_evaluate_on_a_small_corpus(tmp_path: Path) -> None:
    """A two-document corpus with a fake extractor: per-kind accuracy and reliability bins."""
    import pymupdf

    (tmp_path / "docs").mkdir()
    records = []
    for i, kind in enumerate(["text_pdf", "text_pdf"]):
        doc = pymupdf.open()
        doc.new_page().insert_text((50, 50), f"Invoice {i}")
        (tmp_path / "docs" / f"d{i}.pdf").write_bytes(doc.tobytes())
        fields = {k: None for k in ("supplier_name", "invoice_number", "total_incl_vat")}
        fields.update(invoice_number=f"INV-{i}", total_incl_vat=10.0)
        records.append({"id": f"d{i}", "file": f"docs/d{i}.pdf", "kind": kind, "source_group": "g", "fields": fields, "doc_type": "invoice"})
    (tmp_path / "index.json").write_text(json.dumps(records))

    def fake(read) -> Extraction:
        n = "INV-0" if "Invoice 0" in read.text else "WRONG"
        f = {
            "invoice_number": ExtractedField("invoice_number", n, 0.97, FieldSource.TEXT_LAYER),
            "total_incl_vat": ExtractedField("total_incl_vat", D("10.00"), 0.6, FieldSource.TEXT_LAYER),
        }
        return Extraction(DocumentType.INVOICE, f)

    report = evaluate(tmp_path, ("text_pdf",), tmp_path / "cache", extractor=fake)
    s = summary(report)
    assert s["per_kind"]["text_pdf"]["fields"] == 4
    assert s["per_kind"]["text_pdf"]["accuracy"] == pytest.approx(0.75)
    assert s["high_confidence"]["fields"] == 2 and s["high_confidence"]["accuracy"] == pytest.approx(0.5)
    assert len(s["high_confidence"]["wrong"]) == 1
    assert any((tmp_path / "cache").iterdir())  # reads were cached
    text = format_summary(s)
    assert "text_pdf" in text and "Reliability" in text
