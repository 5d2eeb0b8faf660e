"""The validate page keeps errors in: duplicates need a decision, a form belongs to one task
version, lines and VAT breakdown are confirmed explicitly, and what the page says agrees with itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from models import AuditEntry, Client, Document, ExtractedFieldRow, User, ValidationTask
from models.enums import DocumentStatus, FieldState, Role, TaskKind, TaskState
from pipeline import api
from pipeline.core.accounts import Principal
from pipeline.core.db import unit_of_work
from pipeline.review.duplicates import find_duplicate
from pipeline.review.tasks import open_task
from tests import workbench_data as testdata

SUPPLIER = "BE0403170701"


@pytest.fixture
def empty_world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    from pipeline.jobs import queues as jobs_module

    monkeypatch.setattr(jobs_module, "enqueue", lambda *_a, **_k: None)
    settings, world = testdata.build(tmp_path / "data", documents=0)
    yield settings, world
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def add_duplicate_pair(settings, client_id: int) -> tuple[int, int]:
    """A released invoice and a second copy of it (another file) waiting as a suspected duplicate."""
    with unit_of_work(settings.database_url) as session:
        first, _ = testdata.add_document(session, settings, client_id, number=7, with_task=False)
        second, _ = testdata.add_document(session, settings, client_id, number=7, with_task=False,
                                          overrides={"supplier_address": "Kerkstraat 12, 9000 GENT"})
        for document_id in (first, second):
            document = session.get(Document, document_id)
            document.supplier_key, document.total_incl_vat = SUPPLIER, Decimal("121.00")
        session.get(Document, first).status = DocumentStatus.RELEASED
        copy = session.get(Document, second)
        copy.duplicate_of_id = first
        copy.original_filename = "photo-of-invoice-0007.jpg"
        open_task(session, document_id=second, client=session.get(Client, client_id), kind=TaskKind.DUPLICATE,
                  expected_errors=1.0, reason=f"suspected duplicate of document {first} (invoice-0007.pdf)")
    return first, second


def task_key(at: AppTest) -> str:
    keys = [w.key for w in at.button if w.key and w.key.startswith("dup-same-")]
    if keys:
        return keys[0].removeprefix("dup-same-")
    key = next(t.key for t in at.text_input if t.key and t.key.startswith("in-"))
    return "-".join(key.split("-")[1:3])


def everything(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_a_suspected_duplicate_has_no_form_until_decided_same(empty_world):
    settings, world = empty_world
    first, second = add_duplicate_pair(settings, world.client_a)
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    assert not [t for t in at.text_input if t.key and t.key.startswith("in-")]  # no form: Enter decides nothing
    assert not [b for b in at.button if b.key and b.key.startswith("FormSubmitter:validate-")]
    shown = everything(at)
    assert f"**Earlier document** · {first}" in shown and f"**This document** · {second}" in shown
    key = task_key(at)
    at.button(key=f"dup-same-{key}").click().run()
    assert not at.exception, at.exception
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, second)
        assert document.status is DocumentStatus.DUPLICATE and document.duplicate_of_id == first


def test_a_different_invoice_goes_on_as_a_field_check(empty_world):
    settings, world = empty_world
    first, second = add_duplicate_pair(settings, world.client_a)
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    before = task_key(at)
    at.button(key=f"dup-different-{before}").click().run()
    assert not at.exception, at.exception
    after = task_key(at)
    assert after != before and after.split("-")[0] == before.split("-")[0]  # same task, a new version
    assert "A different invoice from document" in everything(at)
    at.button(key=f"FormSubmitter:validate-{after}-Confirm and next  ⏎").click().run()
    assert "Saved — next document" in everything(at), everything(at)
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, second)
        assert document.status is DocumentStatus.VALIDATED and document.duplicate_of_id is None
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "not_duplicate")).one().detail == \
            f"document:{first}"
        assert find_duplicate(session, document) is None  # the pair is never suspected again


def test_save_refuses_an_undecided_duplicate_another_document_and_an_old_version(empty_world):
    settings, world = empty_world
    _first, second = add_duplicate_pair(settings, world.client_a)
    with unit_of_work(settings.database_url) as session:
        other, other_task = testdata.add_document(session, settings, world.client_a, number=8)
    operator = Principal(world.users["op1"], "op1", "op1", Role.OPERATOR, None)
    duplicate = api.next_task(operator, kinds=[TaskKind.DUPLICATE])
    assert duplicate is not None and duplicate.document.id == second and duplicate.undecided_duplicate
    with pytest.raises(api.InvalidValue, match="suspected duplicate"):
        api.save(operator, duplicate.task_id, duplicate.version, {}, [], document_id=second)
    view = api.not_a_duplicate(operator, duplicate.task_id, duplicate.version)
    with pytest.raises(api.Conflict):  # the form of the version before the decision
        api.save(operator, duplicate.task_id, duplicate.version, {}, [], document_id=second)
    with pytest.raises(api.Conflict, match="another document"):  # values typed for another document
        api.save(operator, view.task_id, view.version, {"invoice_number": "X-1"}, [], document_id=other)
    result = api.save(operator, view.task_id, view.version, {}, ["invoice_number", "total_incl_vat"],
                      document_id=second)
    assert result.status in (DocumentStatus.VALIDATED, DocumentStatus.RELEASED)
    with unit_of_work(settings.database_url) as session:
        assert session.get(ValidationTask, other_task).state is TaskState.OPEN  # untouched


def test_a_markdown_file_name_is_shown_as_text_and_why_names_every_doubtful_field(empty_world):
    settings, world = empty_world
    with unit_of_work(settings.database_url) as session:
        document_id, _ = testdata.add_document(session, settings, world.client_a, number=3,
                                               uncertain=("invoice_number", "iban", "due_date"))
        session.get(Document, document_id).original_filename = "**DRINGEND** [klik](http://x) _nu_.pdf"
        session.execute(ExtractedFieldRow.__table__.update().where(
            ExtractedFieldRow.document_id == document_id, ExtractedFieldRow.name == "iban").values(
            state=FieldState.FAILED_CHECK))
        session.scalars(select(ValidationTask)).one().reason = "fields to check: invoice_number"  # stale reason
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    header = next(m.value for m in at.markdown if "DRINGEND" in m.value)
    assert header.startswith(r"**\*\*DRINGEND\*\* \[klik\]\(http\:"), header
    why = next(c.value for c in at.caption if c.value.startswith("Why it needs a look"))
    doubtful = [t.label.split(" :")[0].rstrip(" *") for t in at.text_input
                if t.key and t.key.startswith("in-") and any(w in t.label for w in ("uncertain", "failed", "missing"))]
    assert len(doubtful) >= 3
    for title in doubtful:
        assert title.replace(" ", r" ") in why.replace("\\", ""), (title, why)


def test_lines_in_doubt_need_the_lines_are_right_confirmation(empty_world):
    settings, world = empty_world
    with unit_of_work(settings.database_url) as session:
        document_id, _ = testdata.add_document(session, settings, world.client_a, number=4, uncertain=())
        session.execute(ExtractedFieldRow.__table__.update().where(
            ExtractedFieldRow.document_id == document_id, ExtractedFieldRow.name == "vat_breakdown").values(
            state=FieldState.UNCERTAIN, confidence=0.6))
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    key = task_key(at)
    box = at.checkbox(key=f"linesok-{key}")
    assert "Lines are right" in box.label
    assert "VAT breakdown" in next(c.value for c in at.caption if c.value.startswith("Why it needs a look"))
    submit = f"FormSubmitter:validate-{key}-Confirm and next  ⏎"
    at.button(key=submit).click().run()
    assert "Not saved" in everything(at)
    with unit_of_work(settings.database_url) as session:
        assert session.get(Document, document_id).status is DocumentStatus.IN_VALIDATION
    at.checkbox(key=f"linesok-{key}").check()
    at.button(key=submit).click().run()
    assert "Saved — next document" in everything(at), everything(at)
    with unit_of_work(settings.database_url) as session:
        row = session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document_id,
                                                               ExtractedFieldRow.name == "vat_breakdown")).one()
        assert row.state is FieldState.CONFIRMED


def test_fields_needing_a_look_come_first_certain_ones_folded_but_editable(empty_world):
    settings, world = empty_world
    with unit_of_work(settings.database_url) as session:
        document_id, _ = testdata.add_document(session, settings, world.client_a, number=5,
                                               uncertain=("total_incl_vat", "supplier_name"))
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    key = task_key(at)
    inputs = [t.key.removeprefix(f"in-{key}-") for t in at.text_input if t.key and t.key.startswith(f"in-{key}-")]
    assert inputs[:2] == ["supplier_name", "total_incl_vat"]  # together, first, in form order
    folded = next(e for e in at.expander if e.label.endswith("certain fields"))
    assert folded.label == f"{len(inputs) - 2} certain fields"
    assert "invoice_number" in [t.key.removeprefix(f"in-{key}-") for t in folded.text_input]
    assert "supplier_name" not in [t.key.removeprefix(f"in-{key}-") for t in folded.text_input]
    at.text_input(key=f"in-{key}-invoice_number").input("F2026-7777")  # a certain field, still editable
    at.button(key=f"FormSubmitter:validate-{key}-Confirm and next  ⏎").click().run()
    assert "Saved — next document" in everything(at), everything(at)
    with unit_of_work(settings.database_url) as session:
        rows = {r.name: r for r in session.scalars(select(ExtractedFieldRow).where(
            ExtractedFieldRow.document_id == document_id))}
        assert rows["invoice_number"].value == "F2026-7777" and rows["invoice_number"].state is FieldState.CORRECTED
        assert rows["supplier_name"].state is FieldState.CONFIRMED


def test_the_keys_are_on_the_buttons_and_on_the_page_in_the_operators_language(empty_world):
    settings, world = empty_world
    with unit_of_work(settings.database_url) as session:
        testdata.add_document(session, settings, world.client_a, number=6)
        session.get(User, world.users["op1"]).language = "fr"
    at = testdata.signed_in("op1")
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    key = task_key(at)
    shortcuts = {b.key: b.proto.shortcut for b in at.button if b.proto.shortcut}
    assert shortcuts[f"reject-{key}"] == "alt+x" and shortcuts[f"postpone-{key}"] == "alt+p"
    assert shortcuts[f"not-invoice-{key}"] == "alt+n"
    assert {shortcuts["zoom-in"], shortcuts["zoom-out"]} == {"alt+i", "alt+o"}
    assert any(k.startswith("FormSubmitter:validate-") and v == "alt+s" for k, v in shortcuts.items())
    legend = next(c.value for c in at.caption if "Alt+J" in c.value)
    assert "champ suivant à vérifier" in legend and "reporter" in legend, legend  # French, as the operator reads


def test_words_picked_on_the_page_are_read_for_the_fields_type(empty_world):
    settings, world = empty_world
    with unit_of_work(settings.database_url) as session:
        document_id, _ = testdata.add_document(session, settings, world.client_a, number=7, with_reading=True)
    operator = Principal(world.users["op1"], "op1", "op1", Role.OPERATOR, None)
    words = api.page_words(operator, document_id, 1)
    assert "F2026-0007" in [w.text for w in words]
    box = next(w.bbox for w in words if w.text == "F2026-0007")
    assert all(0 <= c <= 1 for c in box) and box[0] < box[2] and box[1] < box[3]
    assert api.page_words(operator, document_id, 2) == ()
    read = api.value_from_reading
    assert read("total_incl_vat", ["Totaal", "€", "1.234,56"]).text == "1234.56"
    assert Decimal(read("total_incl_vat", ["1.234,56"]).text) == Decimal("1234.56")
    assert read("issue_date", ["2", "november", "2026"]).text == "2026-11-02"
    assert read("issue_date", ["02/11/2026"]).text == "2026-11-02"
    assert read("supplier_vat", ["BTW", "BE", "0403.170.701"]).text == "BE0403170701"
    assert read("iban", ["BE71", "0961", "2345", "6769"]).text == "BE71096123456769"
    assert read("supplier_name", ["Drukkerij", "Vermeulen", "BV"]).text == "Drukkerij Vermeulen BV"
    wrong = read("total_vat", ["Drukkerij"])
    assert wrong.text == "Drukkerij" and wrong.problem  # kept as read, and said
    client = Principal(world.users["client_a"], "client_a", "client_a", Role.CLIENT, None)
    with pytest.raises(api.Forbidden):
        api.page_words(client, document_id, 1)
