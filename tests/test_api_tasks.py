"""Validation through pipeline.api: claim, save, conflicts, other decisions, groups, upload, live checks."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from models import AuditEntry, Correction, Document, ExtractedFieldRow, ValidationTask
from models.enums import DocumentStatus, FieldSource, FieldState, TaskState
from pipeline import api
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata


@pytest.fixture
def world(tmp_path, monkeypatch):
    testdata.fast_password_hashing()
    calls: list[tuple[str, int]] = []
    from pipeline.jobs import queues as jobs

    monkeypatch.setattr(jobs, "enqueue", lambda _s, fn, *args, queue="": calls.append((fn.__name__, args[0])))
    settings, world = testdata.build(tmp_path / "data", documents=3)
    yield settings, world, calls
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def who(username: str) -> api.Principal:
    principal = api.resume(api.sign_in(username, testdata.PASSWORD).token)
    assert principal is not None
    return principal


def test_next_task_gives_a_full_view(world):
    view = api.next_task(who("op1"))
    assert view is not None
    assert view.first_to_look_at == "invoice_number"
    number = view.field("invoice_number")
    assert number.state is FieldState.UNCERTAIN and number.bbox is not None and number.page == 1
    assert view.field("supplier_vat").checks[0].ok
    assert view.document.status is DocumentStatus.IN_VALIDATION
    image = api.page_image(who("op1"), view.document.id)
    assert image.png.startswith(b"\x89PNG") and {b.field for b in image.boxes} >= {"invoice_number", "iban"}
    again = api.next_task(who("op1"))
    assert again.task_id == view.task_id  # a held task is given back first


def test_save_records_corrections_and_validates(world):
    settings, _, calls = world
    operator = who("op1")
    view = api.next_task(operator)
    result = api.save(operator, view.task_id, view.version, {"invoice_number": "F-1", "due_date": "2/12/2026"},
                      ["total_incl_vat"], {"invoice_number": 6.5}, 9.0)
    assert result.status is DocumentStatus.VALIDATED
    assert set(result.corrected) == {"invoice_number"} and set(result.confirmed) == {"due_date", "total_incl_vat"}
    assert ("release_job", view.document.id) in calls
    with unit_of_work(settings.database_url) as session:
        rows = {c.field_name: c for c in session.scalars(select(Correction))}
        assert rows["invoice_number"].action == "correct" and rows["invoice_number"].seconds == 6.5
        assert rows["invoice_number"].old_value.startswith("F2026-") and rows["invoice_number"].machine_confidence == 0.62
        assert rows["due_date"].action == "confirm"  # 2/12/2026 is what was read: a confirmation
        field = session.scalars(select(ExtractedFieldRow).where(ExtractedFieldRow.document_id == view.document.id,
                                                                ExtractedFieldRow.name == "invoice_number")).one()
        assert field.state is FieldState.CORRECTED and field.source is FieldSource.OPERATOR
        assert field.machine_value.startswith("F2026-")  # the machine's reading is kept
        assert session.get(Document, view.document.id).invoice_number == "F-1"
        assert session.get(ValidationTask, view.task_id).state is TaskState.DONE


def test_stale_version_is_a_conflict_and_loses_nothing(world):
    settings, _, _ = world
    operator, supervisor = who("op1"), who("super")
    view = api.next_task(operator)
    seen_by_supervisor = api.open_task_view(supervisor, view.task_id)
    api.save(supervisor, view.task_id, seen_by_supervisor.version, {"invoice_number": "SUPER"}, ["total_incl_vat"])
    with pytest.raises(api.Conflict, match="someone else saved this task first"):
        api.save(operator, view.task_id, view.version, {"invoice_number": "OPERATOR"}, ["total_incl_vat"])
    api.record_conflict(operator, view.task_id, {"invoice_number": "OPERATOR"})
    with unit_of_work(settings.database_url) as session:
        assert session.get(Document, view.document.id).invoice_number == "SUPER"
        assert [c.new_value for c in session.scalars(select(Correction).where(Correction.field_name == "invoice_number"))] == ["SUPER"]
        assert "OPERATOR" in session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "save_conflict")).one()


def test_two_operators_saving_at_once_one_wins(world):
    settings, _, _ = world
    operator, supervisor = who("op1"), who("super")
    view = api.next_task(operator)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(name: str, principal: api.Principal) -> None:
        barrier.wait()
        try:
            outcomes[name] = api.save(principal, view.task_id, view.version, {"invoice_number": name},
                                      ["total_incl_vat"])
        except api.Conflict as error:
            outcomes[name] = error

    threads = [threading.Thread(target=attempt, args=(n, p)) for n, p in (("A", operator), ("B", supervisor))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    kinds = sorted(type(o).__name__ for o in outcomes.values())
    assert kinds == ["Conflict", "SaveResult"]
    winner = next(n for n, o in outcomes.items() if not isinstance(o, api.Conflict))
    with unit_of_work(settings.database_url) as session:
        assert session.get(Document, view.document.id).invoice_number == winner
        assert session.scalar(select(ValidationTask.version).where(ValidationTask.id == view.task_id)) == view.version + 1


def test_lease_taken_over_makes_the_old_holder_conflict(world):
    settings, _, _ = world
    first = who("op1")
    view = api.next_task(first)
    with unit_of_work(settings.database_url) as session:  # the lease runs out
        from datetime import UTC, datetime, timedelta

        session.get(ValidationTask, view.task_id).lease_until = datetime.now(UTC) - timedelta(seconds=1)
    with unit_of_work(settings.database_url) as session:
        session.execute(ValidationTask.__table__.update().values(score=0.0).where(ValidationTask.id != view.task_id))
    second_view = api.next_task(who("op2"))
    assert second_view.task_id == view.task_id and second_view.version > view.version
    with pytest.raises(api.Conflict):
        api.save(first, view.task_id, view.version, {}, ["invoice_number", "total_incl_vat"])


def test_other_decisions(world):
    settings, _, _ = world
    operator = who("op1")
    first = api.next_task(operator)
    assert api.reject(operator, first.task_id, first.version, "blank page") is DocumentStatus.REJECTED
    second = api.next_task(operator)
    assert api.mark_duplicate_of(operator, second.task_id, second.version, first.document.id) is DocumentStatus.DUPLICATE
    third = api.next_task(operator)
    with pytest.raises(api.InvalidValue):  # a one-page PDF has no pages 2-3 (the split itself: test_split.py)
        api.split(operator, third.task_id, third.version, "1-1, 2-3")
    with pytest.raises(api.InvalidValue):
        api.split(operator, third.task_id, third.version, "pages one and two")
    assert api.postpone(operator, third.task_id, third.version) is DocumentStatus.NEEDS_VALIDATION
    with unit_of_work(settings.database_url) as session:
        task = session.get(ValidationTask, third.task_id)
        assert task.state is TaskState.POSTPONED and session.get(Document, third.document.id).error is None
        assert session.get(Document, second.document.id).duplicate_of_id == first.document.id
    assert api.next_task(operator) is None


def test_required_field_cannot_be_emptied(world):
    operator = who("op1")
    view = api.next_task(operator)
    with pytest.raises(api.InvalidValue, match="total_incl_vat"):
        api.save(operator, view.task_id, view.version, {"total_incl_vat": ""}, ["invoice_number"])
    assert api.next_task(operator).task_id == view.task_id  # nothing changed: still held


def test_group_and_confirm_group_validate_when_last_doubt_goes(world):
    settings, _, calls = world
    operator = who("op1")
    items = api.group(operator, "invoice_number")
    assert len(items) == 3 and all(i.crop_png and i.crop_png.startswith(b"\x89PNG") for i in items)
    api.confirm_group(operator, "invoice_number", {i.document_id: None for i in items})
    totals = api.group(operator, "total_incl_vat")
    outcome = api.confirm_group(operator, "total_incl_vat",
                                {totals[0].document_id: "121,00", totals[1].document_id: None,
                                 totals[2].document_id: None})
    assert len(outcome.validated) == 3
    assert sorted(c for c in calls if c[0] == "release_job") == sorted(("release_job", i.document_id) for i in items)
    with unit_of_work(settings.database_url) as session:
        assert session.scalars(select(ValidationTask).where(ValidationTask.state == TaskState.OPEN)).all() == []


def test_upload_receives_commits_and_enqueues(world):
    _settings, w, calls = world
    pdf, _ = testdata.make_pdf({"supplier_name": "New supplier"})
    results = api.upload(who("client_a"), w.client_a, [("new.pdf", pdf), ("again.pdf", pdf), ("evil.exe", b"MZ\x90\x00")])
    assert results[0].created and results[0].status is DocumentStatus.RECEIVED
    assert not results[1].created and results[1].document_id == results[0].document_id
    assert results[2].status is DocumentStatus.FAILED and "unsupported" in (results[2].error or "")
    assert calls == [("read_job", results[0].document_id)]


def test_live_checks_in_words(world):
    values = {"total_excl_vat": "100.00", "total_vat": "21.00", "total_incl_vat": "121.00", "issue_date": "2026-11-02"}
    assert api.check_value("total_incl_vat", "121,00", values) == []
    assert "≠" in api.check_value("total_incl_vat", "120", values)[0]
    assert "not a valid IBAN" in api.check_value("iban", "BE71 0961 2345 6760", values)[0]
    assert api.check_value("iban", "be71 0961 2345 6769", values) == []
    assert "before the issue date" in api.check_value("due_date", "01/10/2026", values)[0]
    assert "not a date" in api.check_value("issue_date", "yesterday", values)[0]
    assert "mod-97" in api.check_value("payment_reference", "+++000/0000/04243+++", values)[0]
    assert api.parse_input("total_vat", "1.234,56") == "1234.56"
    assert api.parse_input("supplier_vat", "be 0403.170.701") == "BE0403170701"
