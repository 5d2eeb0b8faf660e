"""Golden tests on development-set text PDFs and the CII reference XML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.evaluate import score_value
from pipeline.extract import extract
from pipeline.extract.cii import parse_cii
from pipeline.extract.textlayer import read_text_layer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# fields each golden document must get right (a subset: what the extractor is sure of today)
GOLDEN = {
    "inv-2652b880f5": ["supplier_vat", "invoice_number", "issue_date", "due_date", "currency", "total_excl_vat",
                       "total_vat", "total_incl_vat", "iban", "payment_reference", "vat_breakdown", "lines"],
    "inv-d73c03f54a": ["supplier_name", "supplier_vat", "customer_vat", "issue_date", "total_excl_vat",
                       "total_vat", "total_incl_vat", "iban", "payment_reference", "vat_breakdown"],
    "inv-02f21402eb": ["supplier_name", "supplier_vat", "invoice_number", "issue_date", "total_excl_vat",
                       "total_vat", "total_incl_vat", "iban", "vat_breakdown"],
    "inv-24d9656433": ["supplier_name", "supplier_vat", "invoice_number", "issue_date", "total_excl_vat", "total_vat"],
}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> Path:
    if not (DATA / "index.json").exists():
        pytest.skip("../shared/data is not present in this checkout")
    return DATA


def _record(data: Path, doc: str) -> dict:
    return json.loads((data / "truth" / f"{doc}.json").read_text())


@pytest.mark.parametrize("doc", sorted(GOLDEN))
def test_golden_text_pdf(data: Path, doc: str) -> None:
    rec = _record(data, doc)
    ext = extract(read_text_layer((data / rec["file"]).read_bytes()))
    wrong = []
    for name in GOLDEN[doc]:
        ok, _ = score_value(name, rec["fields"][name], ext.value(name))
        if not ok:
            wrong.append((name, rec["fields"][name], ext.value(name)))
    assert not wrong, wrong
    # a high confidence must be right
    for name, f in ext.fields.items():
        truth = rec["fields"].get(name)
        if truth is not None and f.confidence >= 0.95:
            assert score_value(name, truth, f.value)[0], (name, f.value, truth)


def test_credit_note_detected(data: Path) -> None:
    rec = _record(data, "inv-d73c03f54a")
    ext = extract(read_text_layer((data / rec["file"]).read_bytes()))
    assert str(ext.document_type) == "credit_note"


def test_cii_reference_xml_matches_truth(data: Path) -> None:
    records = [r for r in json.loads((data / "index.json").read_text()) if r.get("reference_xml_kind") == "CII"]
    assert records
    for rec in records:
        ext = parse_cii((data / rec["reference_xml"]).read_bytes())
        for name, truth in rec["fields"].items():
            if truth is None:
                continue
            assert score_value(name, truth, ext.value(name))[0], (rec["id"], name, truth, ext.value(name))
            assert ext.fields[name].confidence == 1.0
            assert str(ext.fields[name].source) == "structured"


def test_cii_rejects_other_xml() -> None:
    from pipeline.errors import BoekbrugError

    with pytest.raises(BoekbrugError):
        parse_cii(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>")
    with pytest.raises(BoekbrugError):
        parse_cii(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
