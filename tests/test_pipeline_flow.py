"""The flow intake → read → extract → queue/release on the embedded default, with real files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from models import Correction, Document, SupplierProfile, UblRelease, ValidationTask
from models.enums import DocumentStatus, DocumentType, TaskKind
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.review.calibration import fit, load_calibration
from pipeline.review.confidence import fit_isotonic

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"


def _client(url: str) -> int:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office")
        return get_or_create_client(session, office, "Client", vat="BE0987654394").id


def _document(url: str, document_id: int) -> Document:
    with unit_of_work(url) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document


def test_ubl_invoice_is_released_once_and_original_unchanged(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    _client(db_url)
    original = UBL.read_bytes()
    outcome = ingest_files(settings, "Client", [UBL])
    document = _document(db_url, outcome.document_ids[0])
    assert document.status is DocumentStatus.RELEASED
    assert (settings.data_dir / document.original_path).read_bytes() == original
    assert document.total_incl_vat == Decimal("1263.00")
    with unit_of_work(db_url) as session:
        releases = session.scalars(select(UblRelease).where(UblRelease.document_id == document.id)).all()
        assert len(releases) == 1 and releases[0].fatal_count == 0
        xml = (settings.data_dir / releases[0].xml_path).read_bytes()
        assert b"<cbc:PayableAmount currencyID=\"EUR\">1263.00</cbc:PayableAmount>" in xml
        profile = session.scalars(select(SupplierProfile)).one()
        assert profile.iban == "BE68539007547034" and profile.documents_seen == 1


def test_same_invoice_in_another_form_is_a_suspected_duplicate(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url)
    _client(db_url)
    ingest_files(settings, "Client", [UBL])
    # the same invoice again, re-serialised (other bytes): a reminder or a second channel
    reminder = tmp_path / "reminder.xml"
    reminder.write_bytes(UBL.read_bytes().replace(b"<cbc:Note>", b"<cbc:Note>HERINNERING. "))
    if reminder.read_bytes() == UBL.read_bytes():
        reminder.write_bytes(UBL.read_bytes() + b"\n<!-- resent -->\n")
    outcome = ingest_files(settings, "Client", [reminder])
    document = _document(db_url, outcome.document_ids[0])
    assert document.status is DocumentStatus.NEEDS_VALIDATION
    assert document.duplicate_of_id is not None
    with unit_of_work(db_url) as session:
        task = session.scalars(select(ValidationTask).where(ValidationTask.document_id == document.id)).one()
        assert task.kind is TaskKind.DUPLICATE
        assert session.scalars(select(UblRelease).where(UblRelease.released_document_id == document.id)).first() is None


def test_known_supplier_with_a_new_iban_is_flagged(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url)
    _client(db_url)
    ingest_files(settings, "Client", [UBL])
    fraud = tmp_path / "new-iban.xml"
    text = UBL.read_bytes().replace(b"BE68539007547034", b"BE71096123456769").replace(b"INV-2026-0042", b"INV-2026-0043").replace(b"2026-11-02", b"2026-11-20")
    fraud.write_bytes(text)
    outcome = ingest_files(settings, "Client", [fraud])
    document = _document(db_url, outcome.document_ids[0])
    assert document.status is DocumentStatus.NEEDS_VALIDATION
    with unit_of_work(db_url) as session:
        task = session.scalars(select(ValidationTask).where(ValidationTask.document_id == document.id)).one()
        assert "iban" in (task.reason or "")


def test_isotonic_calibration_is_monotone_and_learnt_from_corrections(db_url: str) -> None:
    points = fit_isotonic([(0.2, False), (0.3, True), (0.4, False), (0.9, True), (0.95, True), (0.97, False), (0.99, True)])
    accuracies = [accuracy for _, accuracy in points]
    assert accuracies == sorted(accuracies)
    with unit_of_work(db_url) as session:
        client_id = _client(db_url)
        from models.enums import Role
        from pipeline.core.accounts import create_user

        user = create_user(session, "op", "password-123", Role.OPERATOR)
        document = Document(client_id=client_id, sha256="0" * 64, original_path="x", original_filename="x", size_bytes=1)
        session.add(document)
        session.flush()
        for i in range(40):  # raw 0.9 was right only half of the time for this field
            session.add(Correction(document_id=document.id, user_id=user.id, field_name="iban",
                                   action="confirm" if i % 2 else "correct", machine_confidence=0.9))
            # one verdict per (document, field) counts: use distinct documents
            document = Document(client_id=client_id, sha256=f"{i + 1:064x}", original_path="x", original_filename="x", size_bytes=1)
            session.add(document)
            session.flush()
        fitted = fit(session)
        assert fitted == {"iban": 40}
        calibration = load_calibration(session)
    from pipeline.review.calibration import PRIOR_WEIGHT, load_prior

    # right half of the time: the prior, weighing PRIOR_WEIGHT verdicts, pulled down by 40 of them
    expected = (20 + PRIOR_WEIGHT * load_prior().apply("iban", 0.9)) / (40 + PRIOR_WEIGHT)
    assert abs(calibration.apply("iban", 0.9) - expected) < 0.01 and expected < 0.8

    assert calibration.apply("total_vat", 0.9) == load_prior().apply("total_vat", 0.9)  # no history: the prior


def test_prior_needs_many_right_answers_before_it_claims_099(tmp_path: Path) -> None:
    import json

    from pipeline.review.calibration import fit_prior, laplace_points, load_prior

    few = laplace_points([(0.9, True)] * 20)
    many = laplace_points([(0.9, True)] * 200)
    assert few[-1][1] < 0.99 <= many[-1][1]
    prior_file = tmp_path / "prior.json"
    prior_file.write_text(json.dumps({"fields": fit_prior({"iban": [(0.9, True)] * 200 + [(0.4, False)] * 10})}))
    prior = load_prior(prior_file)
    assert prior.apply("iban", 0.95) >= 0.99
    assert prior.apply("iban", 0.5) < 0.2  # between blocks: the lower block, never the higher
    assert prior.apply("supplier_name", 0.9) == 0.9  # not in the prior: raw


def test_a_page_left_unread_is_said_on_the_document(db_url: str, settings_for, tmp_path: Path) -> None:
    import pymupdf

    settings = settings_for(db_url, OCR_ENGINE="no-such-engine")  # page 2 cannot be OCR'd
    _client(db_url)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Factuur 2026-0007  Datum 03/11/2026  Totaal te betalen 121,00 EUR")
    scan = doc.new_page()
    picture = pymupdf.open()
    picture.new_page().insert_text((72, 72), "Bijlage: leveringsbon")
    scan.insert_image(scan.rect, stream=picture[0].get_pixmap(dpi=100).tobytes("png"))
    path = tmp_path / "mixed.pdf"
    doc.save(path)
    document = _document(db_url, ingest_files(settings, "Client", [path]).document_ids[0])
    assert document.status is DocumentStatus.NEEDS_VALIDATION
    assert "page 2: not read" in "; ".join(document.review_notes or ())


def test_shipped_prior_is_monotone_per_field() -> None:
    from pipeline.review.calibration import PRIOR_FILE, load_prior

    assert PRIOR_FILE.exists()
    prior = load_prior()
    assert {"invoice_number", "issue_date", "total_incl_vat", "supplier_name"} <= set(prior.points)
    for name, points in prior.points.items():
        uppers = [upper for upper, _ in points]
        accuracies = [accuracy for _, accuracy in points]
        assert uppers == sorted(uppers), name
        assert accuracies == sorted(accuracies), name
        assert all(0.0 < a < 1.0 for a in accuracies), name  # Laplace: never 0 or certainty


def test_pdf_with_embedded_factur_x_is_read_from_its_xml(db_url: str, settings_for, shared_dir: Path, tmp_path: Path) -> None:
    import pymupdf

    from models import ExtractedFieldRow
    from models.enums import FieldSource

    settings = settings_for(db_url)
    _client(db_url)
    pdf = pymupdf.open()
    pdf.insert_pdf(pymupdf.open(shared_dir / "data" / "docs" / "inv-02f21402eb.pdf"))
    pdf.embfile_add("factur-x.xml", (shared_dir / "data" / "reference_xml" / "inv-02f21402eb.xml").read_bytes())
    path = tmp_path / "facturx.pdf"
    pdf.save(path)
    original = path.read_bytes()
    document = _document(db_url, ingest_files(settings, "Client", [path]).document_ids[0])
    assert (settings.data_dir / document.original_path).read_bytes() == original  # the PDF is the original
    with unit_of_work(db_url) as session:
        rows = {r.name: r for r in session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document.id))}
    assert rows["invoice_number"].value == "2015738820"
    assert rows["total_incl_vat"].value == "447.88"
    assert rows["invoice_number"].source is FieldSource.STRUCTURED


def test_email_attachments_become_documents_linked_to_the_message(db_url: str, settings_for, tmp_path: Path) -> None:
    from email.message import EmailMessage

    settings = settings_for(db_url)
    _client(db_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "facturen@leverancier.example", "inbox@boekbrug.example", "Factuur"
    message.set_content("In bijlage onze factuur.")
    message.add_attachment(UBL.read_bytes(), maintype="application", subtype="xml", filename="INV-2026-0042.xml")
    path = tmp_path / "mail.eml"
    path.write_bytes(bytes(message))
    parent = _document(db_url, ingest_files(settings, "Client", [path]).document_ids[0])
    assert parent.status is DocumentStatus.SPLIT
    with unit_of_work(db_url) as session:
        children = session.scalars(select(Document).where(Document.parent_id == parent.id)).all()
        assert [(c.original_filename, c.channel, c.status) for c in children] == [
            ("INV-2026-0042.xml", "email", DocumentStatus.RELEASED)]


def test_suspected_duplicate_is_shown_with_the_earlier_document(db_url: str, settings_for, tmp_path: Path) -> None:
    from models.enums import Role
    from pipeline import api
    from pipeline.core.accounts import create_user, principal_of

    settings = settings_for(db_url)
    _client(db_url)
    first = ingest_files(settings, "Client", [UBL]).document_ids[0]
    reminder = tmp_path / "reminder.xml"
    reminder.write_bytes(UBL.read_bytes() + b"\n<!-- resent -->\n")
    second = ingest_files(settings, "Client", [reminder]).document_ids[0]
    with unit_of_work(db_url) as session:
        operator = principal_of(create_user(session, "op", "password-123", Role.OPERATOR))
    view = api.next_task(operator)
    assert view is not None and view.document.id == second
    assert view.document.duplicate_of == first
    api.mark_duplicate_of(operator, view.task_id, view.version, first)
    assert _document(db_url, second).status is DocumentStatus.DUPLICATE


def test_a_note_on_the_document_keeps_it_from_auto_release(db_url: str, settings_for) -> None:
    from models import ExtractedFieldRow
    from models.enums import FieldSource, FieldState
    from pipeline.core.fields import REQUIRED_FIELDS
    from pipeline.review.release_rule import decide

    settings = settings_for(db_url, SECOND_LOOK_RATE="0")
    client_id = _client(db_url)
    outcomes = []
    for note in (None, "only the first 50 of 2000 pages were read"):
        with unit_of_work(db_url) as session:
            document = Document(client_id=client_id, sha256=("1" if note else "2") * 64, original_path="x",
                                original_filename="x.pdf", size_bytes=1,
                                review_notes=[note] if note else None)
            session.add(document)
            session.flush()
            for name in REQUIRED_FIELDS[DocumentType.INVOICE]:
                session.add(ExtractedFieldRow(document_id=document.id, name=name, value="1", confidence=0.999,
                                              source=FieldSource.TEXT_LAYER, machine_source=FieldSource.TEXT_LAYER,
                                              state=FieldState.CERTAIN, checks=[]))
            session.flush()
            outcomes.append((decide(session, settings, document).release, document.status))
    assert outcomes == [(True, DocumentStatus.VALIDATED), (False, DocumentStatus.NEEDS_VALIDATION)]
