"""The calibration refit earns the trust it adds (issue 12): repeated identical
confirmations count once, the shipped prior weighs as evidence, a refit may raise a
field only a little and only where verdicts were seen, a refit that does not hold on
suppliers it did not see is not adopted, and the fields a person released untouched
count as (weaker) confirmations."""

from __future__ import annotations

from sqlalchemy import delete, select

from models import CalibrationMap, Correction, Document, ExtractedFieldRow
from models.enums import DocumentStatus, FieldSource, FieldState, Role
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
)
from pipeline.core.db import unit_of_work
from pipeline.review.calibration import (
    IMPLICIT_WEIGHT,
    MAX_RAISE,
    PRIOR_WEIGHT,
    Calibration,
    evidence,
    fit,
    load_calibration,
    load_prior,
)


class _Office:
    """Documents and verdicts written straight into a real database."""

    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        office = get_or_create_office(session, "Office")
        self.session = session
        self.client_id = get_or_create_client(session, office, "Client").id
        self.user_id = create_user(session, "op", "password-123", Role.OPERATOR).id
        self.count = 0

    def document(self, supplier: str, **extra) -> Document:  # type: ignore[no-untyped-def]
        self.count += 1
        document = Document(client_id=self.client_id, sha256=f"{self.count:064x}", original_path="x",
                            original_filename="x", size_bytes=1, supplier_key=supplier, **extra)
        self.session.add(document)
        self.session.flush()
        return document

    def verdict(self, document: Document, name: str, raw: float, machine: str, kept: str) -> None:
        self.session.add(ExtractedFieldRow(document_id=document.id, name=name, value=kept, machine_value=machine,
                                           raw_confidence=raw, confidence=raw, source=FieldSource.OPERATOR,
                                           machine_source=FieldSource.TEXT_LAYER, checks=[],
                                           state=FieldState.CONFIRMED if kept == machine else FieldState.CORRECTED))
        self.session.add(Correction(document_id=document.id, user_id=self.user_id, field_name=name,
                                    action="confirm" if kept == machine else "correct", old_value=machine,
                                    new_value=kept, machine_confidence=raw))


def test_one_name_confirmed_again_and_again_is_one_piece_of_evidence(db_url: str) -> None:
    """The client's own name, printed on every invoice and confirmed 80 times at the same
    raw confidence, does not make the customer name certain (the old refit called raw 0.6
    right 100 % of the time from it)."""
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(80):
            office.verdict(office.document(f"BE0{i % 16:09d}"), "customer_name", 0.6, "Client NV", "Client NV")
        items = evidence(session)["customer_name"]
        assert abs(sum(item.weight for item in items) - 1.0) < 1e-9
        assert fit(session) == {}  # too little evidence: the prior stays
        calibration = load_calibration(session)
    assert calibration.apply("customer_name", 0.6) == load_prior().apply("customer_name", 0.6) < 0.99


def test_right_verdicts_never_lower_a_field(db_url: str) -> None:
    """Every verdict right, at a confidence the prior already calls 0.998: a refit leaves it
    there (a few right answers are no evidence that the field is worse)."""
    prior = Calibration(points={"total_incl_vat": [(0.0, 0.6), (0.97, 0.998)]})
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(60):
            office.verdict(office.document(f"BE0{i % 30:09d}"), "total_incl_vat", 0.995, f"{i}.00", f"{i}.00")
        fit(session, prior=prior)
        refit = load_calibration(session)
    assert refit.apply("total_incl_vat", 0.995) >= 0.998
    assert refit.apply("total_incl_vat", 0.5) == 0.6


def test_a_refit_raises_a_field_by_little_and_only_where_verdicts_were_seen(db_url: str) -> None:
    prior = load_prior()
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(120):  # 120 distinct invoice numbers from 40 suppliers, all right, at raw 0.5..0.6
            office.verdict(office.document(f"BE0{i % 40:09d}"), "invoice_number", 0.5 + (i % 10) / 100,
                           f"F-{i}", f"F-{i}")
        report: dict = {}
        fitted = fit(session, report)
        calibration = load_calibration(session)
    assert report["invoice_number"]["evidence"] == 120  # 3 per supplier, the cap, 40 suppliers
    assert "invoice_number" in fitted, report
    for raw in (0.5, 0.55, 0.59):
        assert prior.apply("invoice_number", raw) <= calibration.apply("invoice_number", raw)
        assert calibration.apply("invoice_number", raw) <= prior.apply("invoice_number", raw) + MAX_RAISE + 1e-9
    for raw in (0.3, 0.97, 0.99):  # nobody judged these confidences: the prior stands
        assert calibration.apply("invoice_number", raw) == prior.apply("invoice_number", raw)


def test_one_supplier_brings_at_most_three_pieces_of_evidence(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(60):
            office.verdict(office.document("BE0123456749"), "invoice_number", 0.5, f"F-{i}", f"F-{i}")
        assert abs(sum(item.weight for item in evidence(session)["invoice_number"]) - 3.0) < 1e-9
        assert fit(session) == {}


def test_a_field_worse_than_the_prior_is_lowered(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(60):  # right one time in three at raw 0.97, 30 suppliers
            kept = f"F-{i}" if i % 3 == 0 else f"G-{i}"
            office.verdict(office.document(f"BE0{i % 30:09d}"), "invoice_number", 0.97, f"F-{i}", kept)
        fitted = fit(session)
        calibration = load_calibration(session)
        assert session.scalars(select(CalibrationMap)).one().field_name == "invoice_number"
    assert "invoice_number" in fitted
    prior = load_prior().apply("invoice_number", 0.97)
    assert abs(calibration.apply("invoice_number", 0.97) - (20 + PRIOR_WEIGHT * prior) / (60 + PRIOR_WEIGHT)) < 1e-9
    assert calibration.apply("invoice_number", 0.5) <= calibration.apply("invoice_number", 0.97)  # monotone


def test_a_raise_that_fails_on_held_out_suppliers_is_not_adopted(db_url: str) -> None:
    """60 suppliers read right at raw 0.95, one always wrong, all its verdicts in one fold:
    fitted without that fold, the refit would call raw 0.95 certain and the left-out
    supplier's wrong readings with it; the held-out check sees it and the prior stays."""
    prior = Calibration(points={"iban": [(0.0, 0.5), (0.9, 0.975)]})
    with unit_of_work(db_url) as session:
        office = _Office(session)
        for i in range(183):
            supplier = i % 61
            kept = f"F-{i}" if supplier else f"X-{i}"  # supplier 0: read wrong every time
            office.verdict(office.document(f"BE0{supplier:09d}"), "iban", 0.95, f"F-{i}", kept)
        report: dict = {}
        fitted = fit(session, report, prior=prior)
    entry = report["iban"]
    assert entry["certain_wrong_refit"] > entry["certain_wrong_prior"] == 0
    assert fitted == {} and not entry["adopted"]
    # the same verdicts without the wrong supplier: the raise holds on every fold, and is adopted
    with unit_of_work(db_url) as session:
        wrong = select(Document.id).where(Document.supplier_key == f"BE0{0:09d}")
        session.execute(delete(Correction).where(Correction.document_id.in_(wrong)))
        fitted = fit(session, prior=prior)
        calibration = load_calibration(session)
    assert fitted == {"iban": 180}
    assert 0.975 < calibration.apply("iban", 0.95) <= 0.975 + MAX_RAISE


def test_certain_fields_released_by_a_person_count_as_weaker_confirmations(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = _Office(session)
        document = office.document("BE0123456749", status=DocumentStatus.RELEASED, auto_released=False)
        office.verdict(document, "issue_date", 0.4, "2026-01-02", "2026-01-02")  # the field a person looked at
        session.add(ExtractedFieldRow(document_id=document.id, name="total_incl_vat", value="121.00",
                                      machine_value="121.00", raw_confidence=0.995, confidence=0.995,
                                      source=FieldSource.TEXT_LAYER, machine_source=FieldSource.TEXT_LAYER,
                                      checks=[], state=FieldState.CERTAIN))
        alone = office.document("BE0123456749", status=DocumentStatus.RELEASED, auto_released=True)
        session.add(ExtractedFieldRow(document_id=alone.id, name="total_incl_vat", value="99.00",
                                      machine_value="99.00", raw_confidence=0.995, confidence=0.995,
                                      source=FieldSource.TEXT_LAYER, machine_source=FieldSource.TEXT_LAYER,
                                      checks=[], state=FieldState.CERTAIN))
        session.flush()
        found = evidence(session)
    assert [(e.raw, e.right, e.weight) for e in found["total_incl_vat"]] == [(0.995, True, IMPLICIT_WEIGHT)]
    assert [(e.raw, e.right, e.weight) for e in found["issue_date"]] == [(0.4, True, 1.0)]


def test_a_certainty_the_extractor_did_not_give_is_no_evidence_for_its_map(db_url: str) -> None:
    """A field made certain by the supplier's number series (or memory, layout, the client's
    name) is never mapped by the calibration, so it never teaches the map either."""
    with unit_of_work(db_url) as session:
        office = _Office(session)
        document = office.document("BE0123456749", status=DocumentStatus.RELEASED, auto_released=False)
        office.verdict(document, "issue_date", 0.4, "2026-01-02", "2026-01-02")
        series = {"name": "number_series", "ok": True, "message": "F2025-0142 continues …"}
        session.add(ExtractedFieldRow(document_id=document.id, name="invoice_number", value="F2025-0142",
                                      machine_value="F2025-0142", raw_confidence=0.995, confidence=0.995,
                                      source=FieldSource.OCR, machine_source=FieldSource.OCR,
                                      checks=[series], state=FieldState.CERTAIN))
        session.flush()
        assert "invoice_number@ocr" not in evidence(session)


def test_ocr_readings_earn_their_certainty_apart(db_url: str) -> None:
    """A map of its own for fields read by OCR (``field@ocr``), used for OCR readings only;
    operators' verdicts on OCR readings refit that map, not the text layer's."""
    calibration = Calibration(points={"supplier_name": [(0.0, 0.5), (0.8, 0.995)],
                                      "supplier_name@ocr": [(0.0, 0.3), (0.95, 0.97)]})
    assert calibration.apply("supplier_name", 0.85, FieldSource.TEXT_LAYER) == 0.995
    assert calibration.apply("supplier_name", 0.85, FieldSource.OCR) == 0.3
    assert calibration.apply("supplier_name", 0.85) == 0.995
    assert calibration.apply("iban", 0.85, FieldSource.OCR) == 0.85  # no map at all: the raw confidence
    with unit_of_work(db_url) as session:
        office = _Office(session)
        document = office.document("BE0123456749")
        office.verdict(document, "supplier_name", 0.85, "Lemaire SRL", "Lemaire SRL")
        session.flush()
        session.scalars(select(ExtractedFieldRow)).one().machine_source = FieldSource.OCR
        session.flush()
        assert set(evidence(session)) == {"supplier_name@ocr"}
