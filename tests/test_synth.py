"""The synthetic corpus: check digits, exact totals, printed values, determinism."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pymupdf
import pytest
from stdnum import iban as std_iban
from stdnum.be import iban as be_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

from pipeline.synth import generate, ids, write_corpus
from pipeline.synth.companies import belgian_company, foreign_company
from pipeline.synth.corpus import plan_counts
from pipeline.synth.documents import LAYOUTS, make_invoice
from pipeline.synth.layouts import render_invoice

FIELD_KEYS = {
    "supplier_name", "supplier_vat", "customer_name", "customer_vat", "invoice_number", "issue_date",
    "due_date", "currency", "total_excl_vat", "total_vat", "total_incl_vat", "iban", "payment_reference",
    "vat_breakdown", "lines",
}
SEED = 11


def D(value: float) -> Decimal:
    return Decimal(str(value))


def page_text(pdf: bytes) -> str:
    text = "\n".join(page.get_text() for page in pymupdf.open(stream=pdf))
    text = unicodedata.normalize("NFKC", text).replace("\xad", "-").replace("\xa0", " ")
    return text


@pytest.fixture(scope="module")
def corpus():
    return generate(14, SEED)


def test_plan_has_every_kind(corpus) -> None:
    kinds = [item.record["kind"] for item in corpus]
    assert kinds.count("text_pdf") >= 9
    assert {"scanned_pdf", "photo", "receipt"} <= set(kinds)
    assert plan_counts(8, ("text_pdf", "scanned_pdf", "photo", "receipt")) == {
        "text_pdf": 5, "scanned_pdf": 1, "photo": 1, "receipt": 1}


def test_records_follow_schema(corpus) -> None:
    seen = set()
    for item in corpus:
        r = item.record
        assert re.fullmatch(r"inv-[0-9a-f]{10}", r["id"]) and r["id"] not in seen
        seen.add(r["id"])
        assert set(r["fields"]) == FIELD_KEYS
        assert r["source_group"] == "boekbrug_synth_be" and r["synthetic_layout"] is True
        assert r["license"] == "project data (generated)"
        for key in ("supplier_enterprise_number", "bic", "supplier_address", "customer_address",
                    "document_type", "language"):
            assert key in r["extra"]
        if r["kind"] in ("scanned_pdf", "photo"):
            assert r["derived_from"].startswith("inv-") and r["degradation"]["method"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["fields"]["issue_date"])
        assert r["fields"]["currency"] == "EUR"


def test_identifiers_have_valid_check_digits(corpus) -> None:
    for item in corpus:
        f, extra = item.record["fields"], item.record["extra"]
        assert eu_vat.is_valid(f["supplier_vat"]), f["supplier_vat"]
        if f["customer_vat"] is not None:
            assert eu_vat.is_valid(f["customer_vat"]), f["customer_vat"]
        kbo = extra["supplier_enterprise_number"]
        if kbo is not None:
            assert re.fullmatch(r"[01]\d{9}", kbo) and be_vat.is_valid(kbo)
            assert int(kbo[8:]) == 97 - int(kbo[:8]) % 97
        if f["iban"] is not None:
            assert std_iban.is_valid(f["iban"]), f["iban"]
            if f["iban"].startswith("BE"):
                compact = f["iban"].replace(" ", "")
                assert be_iban.is_valid(compact) and be_iban.to_bic(compact) == extra["bic"]
                assert int(compact[14:]) == (int(compact[4:14]) % 97 or 97)
        ref = f["payment_reference"]
        if ref and ref.startswith("+++"):
            assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", ref) and ogm_vcs.is_valid(ref)


def test_totals_reconcile_exactly(corpus) -> None:
    for item in corpus:
        f = item.record["fields"]
        excl, vat, incl = D(f["total_excl_vat"]), D(f["total_vat"]), D(f["total_incl_vat"])
        rows = f["vat_breakdown"]
        assert excl + vat == incl
        assert sum(D(r["base"]) for r in rows) == excl
        assert sum(D(r["amount"]) for r in rows) == vat
        receipt = item.record["kind"] == "receipt"
        for r in rows:
            exact = (D(r["base"]) * D(r["rate"]) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            # till slips print VAT as gross − base: at most a cent from round(base × rate)
            assert abs(D(r["amount"]) - exact) <= (Decimal("0.01") if receipt else 0), r
            assert r["category"] in {"S", "AE", "K"}
        lines_total = sum(D(line["net_amount"]) for line in f["lines"])
        assert lines_total == (incl if receipt else excl)
        for line in f["lines"]:
            gross = D(line["quantity"]) * D(line["unit_price"])
            assert D(line["net_amount"]) <= gross.quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_text_pdf_prints_the_truth(corpus) -> None:
    texts = [item for item in corpus if item.record["kind"] == "text_pdf"]
    assert len({item.record["extra"]["layout"] for item in texts}) >= 6
    for item in texts:
        f, extra = item.record["fields"], item.record["extra"]
        text = page_text(item.data)
        for value in (f["invoice_number"], extra["printed_total"], f["iban"], f["supplier_name"],
                      f["supplier_vat"], f["customer_name"]):
            assert value in text, (item.record["id"], value)
        if f["payment_reference"]:
            assert f["payment_reference"] in text
        for line in f["lines"]:
            assert line["description"] in text
        if extra["vat_regime"] == "reverse_charge":
            assert "Btw verlegd / Autoliquidation, art. 51 §2 WBTW" in text


def test_variants_are_image_only(corpus) -> None:
    for item in corpus:
        kind = item.record["kind"]
        if kind == "scanned_pdf":
            pdf = pymupdf.open(stream=item.data)
            assert all(not page.get_text().strip() for page in pdf)
            assert all(page.get_images() for page in pdf)
        elif kind in ("photo", "receipt"):
            assert item.data[:3] == b"\xff\xd8\xff" and item.record["file"].endswith(".jpg")


def test_same_seed_same_bytes() -> None:
    first, again = generate(5, SEED), generate(5, SEED)
    assert {g.record["kind"] for g in first} == {"text_pdf", "scanned_pdf", "photo", "receipt"}
    assert [g.record for g in again] == [g.record for g in first]
    assert [g.data for g in again] == [g.data for g in first]
    other = generate(2, SEED + 1, ("text_pdf",))
    assert [g.record["fields"] for g in other] != [g.record["fields"] for g in first[:2]]


def test_every_layout_renders_and_long_invoices_span_pages() -> None:
    rng = random.Random(5)
    supplier, customer = belgian_company(rng), belgian_company(rng)
    for layout in LAYOUTS:
        doc = make_invoice(rng, 1, supplier, customer, layout=layout, n_lines=15)
        pdf = pymupdf.open(stream=render_invoice(doc))
        last = unicodedata.normalize("NFKC", pdf[-1].get_text())
        assert doc.money(doc.total_incl) in last, layout
        if layout == "detailed":
            assert pdf.page_count >= 2
            assert doc.money(doc.total_incl) not in pdf[0].get_text()


def test_generators_and_their_checks() -> None:
    rng = random.Random(0)
    assert ids.kbo_from_base(4030192) == "0403019261"  # stdnum's own example number
    for _ in range(50):
        assert be_vat.is_valid(ids.random_kbo(rng))
        assert be_iban.is_valid(ids.random_be_iban(rng)[0])
        assert ogm_vcs.is_valid(ids.ogm(rng))
        for cc in ("NL", "FR", "DE"):
            assert eu_vat.is_valid(ids.random_foreign_vat(rng, cc))
            assert std_iban.is_valid(ids.random_foreign_iban(rng, cc)[0])
    assert foreign_company(rng, "DE").vat.startswith("DE")
    assert not ogm_vcs.is_valid("+++123/4567/89000+++")


def test_cli_writes_the_schema_layout(tmp_path: Path) -> None:
    from pipeline.__main__ import main

    assert main(["synth", str(tmp_path), "--count", "3", "--seed", "4", "--kinds", "text_pdf,receipt"]) == 0
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert [r["kind"] for r in index] == ["text_pdf", "text_pdf", "receipt"]
    for record in index:
        assert (tmp_path / record["file"]).is_file()
        truth = json.loads((tmp_path / "truth" / f"{record['id']}.json").read_text(encoding="utf-8"))
        assert truth == record
    assert main(["synth", str(tmp_path), "--kinds", "fax"]) == 2


def test_write_corpus_round_trip(tmp_path: Path, corpus) -> None:
    records = write_corpus(tmp_path, corpus[:2])
    assert json.loads((tmp_path / "index.json").read_text(encoding="utf-8")) == records


def test_simulated_ocr_reading_is_noisy_reproducible_and_keeps_most_words() -> None:
    """Training sees generated documents as OCR would read them from a photo: an OCR
    source, lower and uneven confidences, a few words damaged, the same seed the same."""
    from models.enums import FieldSource
    from pipeline.extract.textlayer import read_text_layer
    from pipeline.synth.ocrnoise import noisy_reading

    doc = make_invoice(random.Random(5), 5, belgian_company(random.Random(1)), belgian_company(random.Random(2)), layout=LAYOUTS[0])
    clean = read_text_layer(render_invoice(doc))
    noisy = noisy_reading(clean, "photo", 3)
    assert noisy == noisy_reading(clean, "photo", 3)
    assert noisy != noisy_reading(clean, "photo", 4)
    assert len(noisy.pages) == 1 and noisy.pages[0].source is FieldSource.OCR
    words = [w for line in noisy.pages[0].lines for w in line.words]
    clean_words = {w.text for line in clean.pages[0].lines for w in line.words}
    kept = sum(w.text in clean_words for w in words) / len(words)
    assert 0.8 < kept < 1.0
    assert all(0 <= v <= 1 for w in words for v in w.bbox)
    assert min(w.confidence for w in words) < 0.9 < max(w.confidence for w in words)
