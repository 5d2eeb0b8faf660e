"""One PDF holding several invoices: flagged at reading, split by an operator, each part read,
validated and released on its own pages, the stored original never touched."""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import (
    AuditEntry,
    Document,
    ExtractedFieldRow,
    Page,
    UblRelease,
    ValidationTask,
)
from models.enums import DocumentKind, DocumentStatus, Role, TaskKind, TaskState
from pipeline import api
from pipeline.core import checks
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
)
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.review.split import (
    BadRanges,
    check_ranges,
    original_bytes,
    parse_ranges,
    split_document,
    sub_pdf,
    suggested_ranges,
)
from tests import workbench_data as testdata

PASSWORD = "operator-pass-1"


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _invoice_pages(number: str, lines: list[tuple[str, Decimal]], ogm: str) -> list[list[tuple[float, float, str, float]]]:
    """A two-page Belgian invoice: header and lines on page 1, totals on page 2."""
    net = sum((amount for _, amount in lines), Decimal(0))
    vat = (net * Decimal("0.21")).quantize(Decimal("0.01"))
    first = [
        (40, 60, "Drukkerij Van Damme BV", 16), (40, 78, "Kerkstraat 12", 9), (40, 90, "9000 Gent", 9),
        (40, 102, "BTW BE 0000.000.196", 9),
        (330, 150, "Klant", 9), (330, 162, "Jansen Consultancy BV", 10), (330, 174, "Stationsplein 3", 9),
        (330, 186, "2000 Antwerpen", 9), (330, 198, "BTW BE0000000295", 9),
        (40, 150, "FACTUUR", 14), (40, 175, "Factuurnummer:", 9), (130, 175, number, 9),
        (40, 188, "Factuurdatum:", 9), (130, 188, "3 maart 2026", 9),
        (40, 201, "Vervaldag:", 9), (130, 201, "02/04/2026", 9),
        (40, 260, "Omschrijving", 9), (300, 260, "Aantal", 9), (360, 260, "Eenheidsprijs", 9),
        (440, 260, "BTW %", 9), (500, 260, "Bedrag", 9),
    ]
    y = 278.0
    for description, amount in lines:
        first += [(40, y, description, 9), (310, y, "1", 9), (370, y, _amount(amount), 9), (445, y, "21%", 9),
                  (500, y, _amount(amount), 9)]
        y += 14
    first.append((40, 800, "Pagina 1/2", 8))
    second = [
        (40, 60, "Drukkerij Van Damme BV", 12), (400, 60, "Pagina 2/2", 8),
        (330, 120, "Totaal excl. btw", 9), (490, 120, f"{_amount(net)} EUR", 9),
        (40, 134, f"BTW 21% over {_amount(net)}", 9), (200, 134, _amount(vat), 9),
        (330, 134, "Totaal btw", 9), (490, 134, f"{_amount(vat)} EUR", 9),
        (330, 148, "Totaal te betalen", 9), (490, 148, f"{_amount(net + vat)} EUR", 9),
        (40, 200, "IBAN BE91 0000 0014 3476 BIC GKCCBEBB", 9), (40, 214, f"Mededeling: {ogm}", 9),
    ]
    return [first, second]


def two_invoices_pdf() -> bytes:
    """Four pages: invoice 2026/0101 (605,00) on pages 1-2, invoice 2026/0102 (302,50) on pages 3-4."""
    import pymupdf

    pages = (_invoice_pages("2026/0101", [("Folders A5", Decimal("400.00")), ("Affiches A2", Decimal("100.00"))],
                            checks.make_ogm(2026000101))
             + _invoice_pages("2026/0102", [("Visitekaartjes", Decimal("250.00"))], checks.make_ogm(2026000102)))
    pdf = pymupdf.open()
    for items in pages:
        page = pdf.new_page(width=595, height=842)
        for x, y, text, size in items:
            page.insert_text((x, y), text, fontsize=size, fontname="helv")
    data = pdf.tobytes()
    pdf.close()
    return data


@pytest.fixture
def world(db_url: str, settings_for, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A client, an operator signed in, and the two-invoice PDF ingested (read in-process)."""
    testdata.fast_password_hashing()
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0000000295")
        create_user(session, "op", PASSWORD, Role.OPERATOR)
    data = two_invoices_pdf()
    path = tmp_path / "two-invoices.pdf"
    path.write_bytes(data)
    outcome = ingest_files(settings, "Client", [path])
    principal = api.resume(api.sign_in("op", PASSWORD).token)
    assert principal is not None
    return settings, principal, outcome.document_ids[0], data, path


def _originals(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "originals").rglob("*") if p.is_file()]


def _pdf_pages_text(data: bytes) -> list[str]:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        return [page.get_text() for page in pdf]


def test_flagged_split_read_and_released_on_own_pages(world) -> None:  # type: ignore[no-untyped-def]
    settings, operator, parent_id, data, path = world
    url = settings.database_url

    # reading flags the PDF for an operator (no automatic split) with the ranges it found
    with unit_of_work(url) as session:
        parent = session.get(Document, parent_id)
        assert parent.status is DocumentStatus.NEEDS_VALIDATION
        assert parent.error is None  # a note, not a failure
        assert any("several invoices (pages 1-2, 3-4)" in note for note in parent.review_notes)
        assert parent.invoice_page_ranges == [[1, 2], [3, 4]]
        assert suggested_ranges(parent.invoice_page_ranges) == "1-2, 3-4"
        task = session.scalars(select(ValidationTask).where(ValidationTask.document_id == parent_id)).one()
        assert task.kind is TaskKind.VALIDATE and task.state is TaskState.OPEN
        assert session.scalar(select(func.count()).select_from(Document)) == 1
        note = parent.review_notes

    view = api.next_task(operator)
    assert view is not None and view.document.id == parent_id
    assert suggested_ranges(view.document.page_ranges) == "1-2, 3-4"  # what the workbench fills the Split box with
    assert "several invoices" in (view.document.warning or "")  # and what it warns of

    # ranges that cannot split this PDF are refused, and change nothing
    for bad in ("1-2, 2-4", "1-5", "1-4", "0-2, 3-4", "3-2", "pages one and two", ""):
        with pytest.raises(api.InvalidValue):
            api.split(operator, view.task_id, view.version, bad)
    with unit_of_work(url) as session:
        assert session.get(Document, parent_id).status is DocumentStatus.IN_VALIDATION
        assert session.get(ValidationTask, view.task_id).state is TaskState.CLAIMED
        assert session.scalar(select(func.count()).select_from(Document)) == 1

    # the operator splits: two parts, each read from its own two pages
    assert api.split(operator, view.task_id, view.version, "1-2, 3-4") is DocumentStatus.SPLIT
    with unit_of_work(url) as session:
        parent = session.get(Document, parent_id)
        assert parent.status is DocumentStatus.SPLIT and parent.review_notes == note
        assert session.get(ValidationTask, view.task_id).state is TaskState.DONE
        children = session.scalars(select(Document).where(Document.parent_id == parent_id).order_by(Document.id)).all()
        assert [(c.part, c.page_from, c.page_to, c.channel) for c in children] == [
            ("p1-2", 1, 2, "split"), ("p3-4", 3, 4, "split")]
        assert all(c.sha256 == parent.sha256 and c.original_path == parent.original_path for c in children)
        assert [c.invoice_number for c in children] == ["2026/0101", "2026/0102"]
        assert [c.total_incl_vat for c in children] == [Decimal("605.00"), Decimal("302.50")]
        assert [c.page_count for c in children] == [2, 2]
        for child in children:
            assert child.status in (DocumentStatus.NEEDS_VALIDATION, DocumentStatus.VALIDATED, DocumentStatus.RELEASED)
            assert child.duplicate_of_id is None and not child.invoice_page_ranges
            assert "several invoices" not in (child.status_reason or "")
            pages = session.scalars(select(Page).where(Page.document_id == child.id).order_by(Page.number)).all()
            assert [p.number for p in pages] == [1, 2]
            assert "Pagina 2/2" in pages[1].text and child.invoice_number in pages[0].text
            rows = session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == child.id)).all()
            assert {r.page for r in rows if r.page is not None} <= {1, 2}
            total = next(r for r in rows if r.name == "total_incl_vat")
            assert total.page == 2  # the totals are on the part's own second page
            own = original_bytes(settings, child)
            texts = _pdf_pages_text(own)
            assert len(texts) == 2 and child.invoice_number in texts[0]
        assert "split" in session.scalars(select(AuditEntry.action)).all()
        child_ids = [c.id for c in children]

    # the stored original is unchanged and stored once; re-ingesting the file creates nothing
    stored = _originals(settings.data_dir)
    assert len(stored) == 1 and stored[0].read_bytes() == data
    assert ingest_files(settings, "Client", [path]).known == 1

    # the same split again returns the same parts; another split of it is a conflict
    with unit_of_work(url) as session:
        assert split_document(session, settings, parent_id, [(1, 2), (3, 4)], None) == child_ids
        with pytest.raises(api.Conflict):
            split_document(session, settings, parent_id, [(1, 1), (2, 4)], None)
    assert api.split(operator, view.task_id, view.version, "1-2, 3-4") is DocumentStatus.SPLIT
    with pytest.raises(api.Conflict):
        api.split(operator, view.task_id, view.version, "1-3, 4-4")
    with unit_of_work(url) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 3

    # the workbench shows a part's own pages, from the original's pages 3-4
    image = api.page_image(operator, child_ids[1], 2)
    assert image is not None and image.page_count == 2 and image.page == 2

    # validate the second part; its released UBL embeds its two pages only
    second = child_ids[1]
    with unit_of_work(url) as session:
        status = session.get(Document, second).status
    if status is not DocumentStatus.RELEASED:
        task = None
        while (candidate := api.next_task(operator)) is not None:
            if candidate.document.id == second:
                task = candidate
                break
            api.postpone(operator, candidate.task_id, candidate.version)
        assert task is not None
        doubtful = [f.name for f in task.fields if f.needs_look and f.value not in (None, "", [])]
        result = api.save(operator, task.task_id, task.version, {}, doubtful)
        assert result.status in (DocumentStatus.VALIDATED, DocumentStatus.RELEASED), result.reason
    with unit_of_work(url) as session:
        assert session.get(Document, second).status is DocumentStatus.RELEASED
        release = session.scalars(select(UblRelease).where(UblRelease.released_document_id == second)).one()
        xml = (settings.data_dir / release.xml_path).read_bytes()
    from lxml import etree

    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    node = next(etree.fromstring(xml).iter(f"{{{cbc}}}EmbeddedDocumentBinaryObject"))
    assert node.get("mimeCode") == "application/pdf" and node.get("filename", "").endswith("p3-4.pdf")
    texts = _pdf_pages_text(base64.b64decode(node.text))
    assert len(texts) == 2 and "2026/0102" in texts[0] and "2026/0101" not in "".join(texts)
    assert b"<cbc:ID>2026/0102</cbc:ID>" in xml
    assert len(_originals(settings.data_dir)) == 1  # still one original on disk


def test_ranges_are_checked() -> None:
    assert parse_ranges("1-2, 3-4") == [(1, 2), (3, 4)]
    assert parse_ranges("3 – 4; 1") == [(3, 4), (1, 1)]
    assert check_ranges([(3, 4), (1, 2)], 4) == [(1, 2), (3, 4)]
    assert check_ranges([(2, 3)], 4) == [(2, 3)]  # one invoice out of a PDF with a cover letter
    for ranges, count in (([(1, 2), (2, 3)], 4), ([(1, 5)], 4), ([(1, 4)], 4), ([(0, 1), (2, 4)], 4),
                          ([(2, 1), (3, 4)], 4)):
        with pytest.raises(BadRanges):
            check_ranges(ranges, count)
    for text in ("", "1-2-3", "a-b", "1,,x"):
        with pytest.raises(BadRanges):
            parse_ranges(text)
    assert suggested_ranges([[1, 2], [3, 4]]) == "1-2, 3-4"  # the document's invoice_page_ranges, never its note
    assert suggested_ranges([]) == "" and suggested_ranges(None) == ""
    data = two_invoices_pdf()
    assert len(_pdf_pages_text(sub_pdf(data, 3, 4))) == 2
    with pytest.raises(BadRanges):
        sub_pdf(data, 4, 5)


def test_only_a_pdf_can_be_split(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    from pipeline.core.storage import store_original

    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Client")
        stored = store_original(settings.data_dir, b"<Invoice/>")
        document = Document(client_id=client.id, sha256=stored.sha256, original_path=stored.relative_path,
                            original_filename="x.xml", size_bytes=stored.size, kind=DocumentKind.UBL,
                            status=DocumentStatus.NEEDS_VALIDATION)
        session.add(document)
        session.flush()
        with pytest.raises(BadRanges, match="only a PDF"):
            split_document(session, settings, document.id, [(1, 1), (2, 2)], None)


def test_workbench_split_box_is_filled_with_the_ranges_found(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, _ = testdata.build(tmp_path / "data", documents=1)
    note = "this PDF seems to hold several invoices (pages 1-2, 3-4): an operator should split it"
    with unit_of_work(settings.database_url) as session:
        for document in session.scalars(select(Document).where(Document.status == DocumentStatus.NEEDS_VALIDATION)):
            document.review_notes, document.invoice_page_ranges = [note], [[1, 2], [3, 4]]
    at = testdata.signed_in("op1")  # also sets this thread's language, where AppTest formats options
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    box = next(t for t in at.text_input if t.key and t.key.startswith("split-"))
    assert box.value == "1-2, 3-4"
    at.button(key=box.key.replace("split-ranges-", "split-", 1)).click().run()  # the fixture's PDF has one page: refused with the reason, nothing split
    assert not at.exception, at.exception
    assert any("past the last page" in e.value for e in at.error)
    with unit_of_work(settings.database_url) as session:
        assert session.scalar(select(func.count()).select_from(Document).where(Document.status == DocumentStatus.SPLIT)) == 0
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()
