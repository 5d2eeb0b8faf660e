"""The Library page through AppTest: who sees what, filters, booking decisions, hand-over buttons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from models import BookingProposal, Client, Delivery, Document
from models.enums import DocumentStatus
from pipeline import api
from pipeline.core.accounts import principal_of
from pipeline.core.db import unit_of_work
from pipeline.core.plain_words import status_words
from pipeline.jobs.ingest import ingest_files
from tests import workbench_data as testdata

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "workbench" / "app.py")
UBL = ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"


def release(settings, client_name: str, folder: Path, number: str = "INV-2026-0042",  # type: ignore[no-untyped-def]
            issue: str = "2026-11-02") -> int:
    """Ingest the fixture UBL (another number and date: another invoice) for ``client_name``; released in-process."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number}.xml"
    path.write_bytes(UBL.read_bytes().replace(b"INV-2026-0042", number.encode()).replace(b"2026-11-02", issue.encode()))
    document_id = ingest_files(settings, client_name, [path]).document_ids[0]
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.RELEASED, document.error
    return document_id


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, world = testdata.build(tmp_path / "data", documents=2)
    with unit_of_work(settings.database_url) as session:
        names = {c.id: c.name for c in session.scalars(select(Client))}
    doc_a = release(settings, names[world.client_a], tmp_path / "in")
    doc_b = release(settings, names[world.client_b], tmp_path / "in", number="INV-2026-0777")
    yield settings, world, doc_a, doc_b
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


signed_in = testdata.signed_in


def library_page(username: str) -> AppTest:
    at = signed_in(username)
    if not at.title or at.title[0].value != "Library":
        at.switch_page("views/library.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Library"
    return at


def table(at: AppTest):  # type: ignore[no-untyped-def]
    return next(frame.value for frame in at.dataframe if frame.key == "lib_table")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def downloads(at: AppTest) -> dict[str, object]:
    return {button.key: button for button in at.get("download_button")}


def principal(settings, username: str) -> api.Principal:  # type: ignore[no-untyped-def]
    from models import User

    with unit_of_work(settings.database_url) as session:
        return principal_of(session.scalars(select(User).where(User.username == username)).one())


def test_accountant_lands_on_the_library_and_sees_only_the_own_office(world):
    _, _, doc_a, doc_b = world
    at = signed_in("acc_a")
    assert at.title[0].value == "Library"  # the accountant's first page
    frame = table(at)
    assert list(frame["document"]) == [doc_a]  # released by default; office B's document is not there
    assert frame["status"].tolist() == [status_words("released", for_client=False)] and frame["validated by"].tolist() == ["machine"]
    assert at.selectbox(key="lib_client_only").value.name == "Bakkerij Peeters"
    assert at.selectbox(key="lib_doc").options == [f"{doc_a} · Voorbeeld Leverancier BV INV-2026-0042"]
    other = signed_in("acc_b")
    assert list(table(other)["document"]) == [doc_b]


def test_filters_status_supplier_and_period(world):
    _, _, doc_a, _ = world
    at = library_page("acc_a")
    at.multiselect(key="lib_status").set_value(["needs_validation"]).run()
    frame = table(at)
    assert len(frame) == 2 and set(frame["status"]) == {status_words("needs_validation", for_client=False)}
    at.selectbox(key="lib_doc").set_value(int(frame["document"].iloc[0])).run()  # a PDF: its page beside the fields
    assert not at.exception, at.exception
    assert at.get("image") and "No booking proposal yet" in texts(at)
    at.multiselect(key="lib_status").set_value(["released", "delivered", "booked"]).run()
    at.text_input(key="lib_supplier").input("voorbeeld").run()
    assert list(table(at)["document"]) == [doc_a]
    at.text_input(key="lib_supplier").input("nobody at all").run()
    assert table(at).empty and "No document matches" in texts(at)
    at.text_input(key="lib_supplier").input("").run()
    at.date_input(key="lib_period").set_value((date(2026, 11, 1), date(2026, 11, 30))).run()
    assert list(table(at)["document"]) == [doc_a]  # the fixture is dated 2 November 2026
    at.date_input(key="lib_period").set_value((date(2025, 1, 1), date(2025, 12, 31))).run()
    assert table(at).empty
    assert not at.exception, at.exception


def test_open_a_document_then_change_and_accept_the_booking(world, tmp_path):
    settings, _, doc_a, _ = world
    at = library_page("acc_a")
    at.selectbox(key="lib_doc").set_value(doc_a).run()
    assert not at.exception, at.exception
    assert "Voorbeeld Leverancier BV" in texts(at) or any(
        "Voorbeeld Leverancier BV" in str(frame.value.to_dict()) for frame in at.dataframe)
    assert "structured e-invoice" in texts(at)  # a UBL has no page image: said in words
    with unit_of_work(settings.database_url) as session:
        proposals = {p.line_index: p.id for p in session.scalars(
            select(BookingProposal).where(BookingProposal.document_id == doc_a))}
    head = proposals[-1]
    assert at.button(key=f"lib_decide_{head}").label == "Accept"
    at.text_input(key=f"lib_ledger_{head}").input("604000").run()
    assert at.button(key=f"lib_decide_{head}").label == "Change"
    at.button(key=f"lib_decide_{head}").click().run()
    assert not at.exception, at.exception
    assert "booked on 604000 / MIXED (overridden)" in texts(at)
    line = proposals[0]
    assert at.button(key=f"lib_decide_{line}").disabled  # nothing proposed, nothing typed: no booking yet
    with unit_of_work(settings.database_url) as session:
        decided = {p.line_index: p for p in session.scalars(
            select(BookingProposal).where(BookingProposal.document_id == doc_a))}
        assert (decided[-1].accepted, decided[-1].final_ledger_account) == (False, "604000")
        assert decided[0].accepted is None
        assert session.get(Document, doc_a).status is DocumentStatus.BOOKED

    # the next invoice of that supplier is proposed on 604000, and accepted as is
    doc_next = release(settings, "Bakkerij Peeters", tmp_path / "next", number="INV-2026-0517", issue="2026-11-14")
    at.run()
    at.selectbox(key="lib_doc").set_value(doc_next).run()
    with unit_of_work(settings.database_url) as session:
        head_next = session.scalars(select(BookingProposal).where(BookingProposal.document_id == doc_next,
                                                                  BookingProposal.line_index == -1)).one().id
    assert at.text_input(key=f"lib_ledger_{head_next}").value == "604000"
    assert at.button(key=f"lib_decide_{head_next}").label == "Accept"
    at.button(key=f"lib_decide_{head_next}").click().run()
    assert not at.exception, at.exception
    assert "booked on 604000 / MIXED (accepted)" in texts(at)
    rate = next(m for m in at.metric if m.label == "Booked as proposed")
    assert rate.value == "50%"  # one overridden, one accepted
    assert table(at)["booking"].tolist() == ["accepted", "overridden"]  # newest invoice first


def test_download_buttons_and_the_already_delivered_note(world):
    settings, _, doc_a, _ = world
    at = library_page("acc_a")
    assert "lib_zip" in downloads(at)
    assert "1 document(s)" in downloads(at)["lib_zip"].label
    at.selectbox(key="lib_doc").set_value(doc_a).run()
    assert f"lib_ubl_{doc_a}" in downloads(at)
    assert "Not delivered to the accountant yet" in texts(at)
    # the UBL goes to the accountant (as the button's deferred download does): the page says so
    name, xml = api.download_ubl(principal(settings, "acc_a"), doc_a)
    assert name.endswith("INV-2026-0042.xml") and b"INV-2026-0042" in xml
    at.run()
    assert "already delivered" in texts(at)
    assert "downloaded on" in texts(at)
    assert "0 document(s)" in downloads(at)["lib_zip"].label and downloads(at)["lib_zip"].disabled
    at.checkbox(key="lib_zip_again").check().run()
    assert "1 document(s)" in downloads(at)["lib_zip"].label and not downloads(at)["lib_zip"].disabled
    with unit_of_work(settings.database_url) as session:
        assert session.get(Document, doc_a).status is DocumentStatus.DELIVERED
        assert len(session.scalars(select(Delivery)).all()) == 1


def test_client_sees_own_documents_read_only(world):
    settings, _, doc_a, doc_b = world
    at = library_page("client_a")
    frame = table(at)
    assert doc_a in set(frame["document"]) and doc_b not in set(frame["document"])
    assert status_words("needs_validation") in set(frame["status"])  # a client sees every status by default
    assert "needs_validation" not in set(frame["status"])  # in words, never the code
    assert "to accountant" in frame.columns
    assert "lib_zip" not in downloads(at) and not any(m.label == "Booked as proposed" for m in at.metric)
    at.selectbox(key="lib_doc").set_value(doc_a).run()
    assert not at.exception, at.exception
    assert not [t for t in at.text_input if t.key and t.key.startswith("lib_ledger_")]  # no booking edits
    booking = next(frame.value for frame in at.dataframe if "booking" in frame.value.columns and "what" in frame.value.columns)
    assert booking["what"].tolist()[0] == "Document" and set(booking["booking"]) == {"proposed"}
    assert f"lib_ubl_{doc_a}" in downloads(at)  # its own UBL (audited, no delivery)
    with pytest.raises(api.Forbidden):
        api.decide_booking(principal(settings, "client_a"), 1, "604000", "V21")


def test_supervisor_reads_the_library_without_handing_over(world):
    _, _, doc_a, doc_b = world
    at = library_page("super")
    assert {doc_a, doc_b} <= set(table(at)["document"])
    assert "Read-only" in texts(at)
    at.selectbox(key="lib_doc").set_value(doc_a).run()
    assert not downloads(at) and not [t for t in at.text_input if t.key and t.key.startswith("lib_ledger_")]
