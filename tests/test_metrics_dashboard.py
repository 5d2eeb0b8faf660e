"""The supervisors' dashboard figures on a small seeded dataset, with the numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from itertools import count

import pandas as pd
import pytest

from models import Correction, Document, User, ValidationTask
from models.enums import DocumentStatus, Role, TaskKind, TaskState
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.db import unit_of_work
from pipeline.reports import metrics
from pipeline.reports.metrics import Filters

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
_numbers = count(1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _seed(url: str) -> dict[str, int]:
    with unit_of_work(url) as session:
        office_a, office_b = get_or_create_office(session, "A"), get_or_create_office(session, "B")
        a1 = get_or_create_client(session, office_a, "A1")
        a2 = get_or_create_client(session, office_a, "A2")
        b1 = get_or_create_client(session, office_b, "B1")
        ann = User(username="ann", display_name="Ann", password_hash="-", role=Role.OPERATOR)
        bert = User(username="bert", display_name="Bert", password_hash="-", role=Role.OPERATOR)
        session.add_all([ann, bert])
        session.flush()

        def doc(client, received, *, released=None, auto=False, read=True, status=DocumentStatus.RELEASED):  # type: ignore[no-untyped-def]
            number = next(_numbers)
            row = Document(client_id=client.id, sha256=f"{number:064x}", original_path="x", original_filename="x",
                           size_bytes=1, status=status, received_at=received, released_at=released,
                           auto_released=auto, reading_started_at=received.replace(minute=received.minute + 1) if read else None,
                           read_seconds=2.0 if read else None, supplier_key=f"SUP{number % 2}",
                           supplier_name=f"Supplier {number % 2}")
            session.add(row)
            session.flush()
            return row

        def task(document, kind, state, created, *, by=None, done=None, seconds=0.0, deadline=None):  # type: ignore[no-untyped-def]
            row = ValidationTask(document_id=document.id, client_id=document.client_id, kind=kind, state=state,
                                 created_at=created, deadline=deadline or at(30, 0), done_by=by and by.id, done_at=done,
                                 claimed_by=by and by.id, seconds_spent=seconds)
            session.add(row)
            session.flush()
            return row

        def fix(document, t, user, field, action, confidence, seconds, when):  # type: ignore[no-untyped-def]
            session.add(Correction(document_id=document.id, task_id=t.id, user_id=user.id, field_name=field,
                                   action=action, machine_confidence=confidence, seconds=seconds, created_at=when))

        doc(a1, at(2, 8, 15), released=at(2, 9, 30), auto=True)
        d2 = doc(a1, at(2, 8, 40), released=at(3, 10))
        t2 = task(d2, TaskKind.VALIDATE, TaskState.DONE, at(2, 9), by=ann, done=at(3, 9, 50), seconds=30)
        fix(d2, t2, ann, "total_vat", "correct", 0.4, 4, at(3, 9, 50))
        fix(d2, t2, ann, "iban", "confirm", 0.95, 2, at(3, 9, 50))
        d3 = doc(a1, at(3, 12), status=DocumentStatus.NEEDS_VALIDATION)
        task(d3, TaskKind.VALIDATE, TaskState.OPEN, at(3, 12, 5), deadline=at(20, 0))
        d4 = doc(a2, at(3, 13), released=at(3, 14), auto=True)
        t4 = task(d4, TaskKind.SECOND_LOOK, TaskState.DONE, at(3, 14), by=bert, done=at(4, 9), seconds=20)
        fix(d4, t4, bert, "invoice_number", "correct", 0.97, 6, at(4, 9))
        d5 = doc(a2, at(4, 8), released=at(4, 8, 30), auto=True)
        t5 = task(d5, TaskKind.SECOND_LOOK, TaskState.DONE, at(4, 8, 30), by=bert, done=at(4, 10), seconds=10)
        fix(d5, t5, bert, "total_incl_vat", "confirm", 0.99, 2, at(4, 10))
        d6 = doc(b1, at(2, 10), released=at(2, 15))
        t6 = task(d6, TaskKind.VALIDATE, TaskState.DONE, at(2, 11), by=ann, done=at(2, 14, 50), seconds=50)
        fix(d6, t6, ann, "supplier_name", "confirm", 0.85, 3, at(2, 14, 50))
        fix(d6, t6, ann, "total_vat", "correct", 0.35, 5, at(2, 14, 50))
        d7 = doc(b1, at(4, 11), read=False, status=DocumentStatus.IN_VALIDATION)
        task(d7, TaskKind.VALIDATE, TaskState.CLAIMED, at(4, 11, 30), by=None, deadline=datetime(2026, 12, 20, tzinfo=UTC))
        return {"office_a": office_a.id, "a1": a1.id, "a2": a2.id, "b1": b1.id}


@pytest.fixture
def seeded(db_url: str) -> tuple[str, dict[str, int]]:
    return db_url, _seed(db_url)


def test_throughput_per_day_and_hour(seeded) -> None:  # type: ignore[no-untyped-def]
    url, ids = seeded
    with unit_of_work(url) as session:
        days = metrics.throughput(session)
        assert list(days.index) == list(pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-04"]))
        assert days.to_dict("list") == {"received": [3, 2, 2], "read": [3, 2, 1], "validated": [1, 1, 0],
                                        "released": [2, 2, 1], "auto_released": [1, 1, 1]}
        office = metrics.throughput(session, Filters(office_id=ids["office_a"]))
        assert office["received"].tolist() == [2, 2, 1]
        one_day = metrics.throughput(session, Filters(date_from=date(2026, 11, 3), date_to=date(2026, 11, 3)))
        assert one_day.to_dict("list") == {"received": [2], "read": [2], "validated": [1], "released": [2],
                                           "auto_released": [1]}
        hours = metrics.throughput(session, freq="hour")
        assert hours.loc[pd.Timestamp("2026-11-02 08:00"), "received"] == 2
        assert int(hours["released"].sum()) == 5


def test_queue_and_deadline_breaches(seeded) -> None:  # type: ignore[no-untyped-def]
    url, ids = seeded
    with unit_of_work(url) as session:
        frame = metrics.queue(session, now=NOW)
        assert frame.loc["validate", ["open", "claimed", "postponed", "total"]].tolist() == [1, 1, 0, 2]
        assert frame.loc["all", "oldest_open_hours"] == pytest.approx(22 * 24 - 5 / 60)
        assert metrics.queue(session, Filters(client_id=ids["b1"]), now=NOW).loc["all", "open"] == 0
        breaches = metrics.deadline_breaches(session, now=NOW)
        assert breaches[["client", "breaches"]].values.tolist() == [["A1", 1]]
        assert breaches.loc[0, "oldest_overdue_hours"] == pytest.approx(5 * 24 + 12)
        assert metrics.deadline_breaches(session, Filters(office_id=999), now=NOW).empty


def test_automation_corrections_and_second_look(seeded) -> None:  # type: ignore[no-untyped-def]
    url, ids = seeded
    with unit_of_work(url) as session:
        clients = metrics.automation_by_client(session)
        assert clients[["client", "released", "auto_released", "auto_share"]].values.tolist() == [
            ["A1", 2, 1, 0.5], ["A2", 2, 2, 1.0], ["B1", 1, 0, 0.0]]
        assert metrics.automation_by_client(session, Filters(client_id=ids["a2"]))["client"].tolist() == ["A2"]
        suppliers = metrics.automation_by_supplier(session)
        assert int(suppliers["released"].sum()) == 5
        fields = metrics.most_corrected_fields(session)
        assert fields[["field", "looked_at", "corrected"]].values.tolist() == [
            ["total_vat", 2, 2], ["invoice_number", 1, 1], ["iban", 1, 0], ["supplier_name", 1, 0],
            ["total_incl_vat", 1, 0]]
        office_b = metrics.most_corrected_fields(session, Filters(client_id=ids["b1"]))
        assert office_b[["field", "corrected"]].values.tolist() == [["total_vat", 1], ["supplier_name", 0]]
        second = metrics.second_look_error_rate(session).iloc[0]
        assert (second["sampled"], second["with_error"], second["error_rate"]) == (2, 1, 0.5)
        assert 0 < second["ci_low"] < 0.5 < second["ci_high"] < 1
        none = metrics.second_look_error_rate(session, Filters(client_id=ids["b1"])).iloc[0]
        assert none["sampled"] == 0 and math.isnan(none["error_rate"])


def test_operators_and_reliability(seeded) -> None:  # type: ignore[no-untyped-def]
    url, _ = seeded
    with unit_of_work(url) as session:
        people = metrics.operators(session)
        assert people.values.tolist() == [["Ann", 2, 2, 40.0, 4, 2, 3.5], ["Bert", 2, 2, 15.0, 2, 1, 4.0]]
        table = metrics.reliability(session)
        assert len(table) == 10 and int(table["n"].sum()) == 6
        assert table.loc[9, "n"] == 3 and table.loc[9, "accuracy"] == pytest.approx(2 / 3)
        assert table.loc[9, "mean_confidence"] == pytest.approx(0.97)
        assert table.loc[[3, 4, 8], "accuracy"].tolist() == [0.0, 0.0, 1.0]
        assert math.isnan(table.loc[0, "accuracy"])
        assert metrics.reliability(session, field="total_vat")["n"].sum() == 2
        assert set(metrics.dashboard(session)) == set(metrics.VIEWS)
