"""The supervisors' Dashboard page through AppTest, on a small seeded database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from models import Correction, Document, ValidationTask
from models.enums import DocumentStatus, TaskKind, TaskState
from pipeline import api
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata

APP = str(Path(__file__).resolve().parent.parent / "workbench" / "app.py")
SECTIONS = ("Escaped errors of machine releases", "Throughput", "Automation", "Most corrected fields", "Operators",
            "Calibration: confidence against observed accuracy")
_numbers = count(1)


def seed_activity(url: str, world: testdata.World) -> None:
    """Releases (by machine and by people), a finished validation with corrections, a second look that found an error."""
    now = datetime.now(UTC)
    users = world.users
    with unit_of_work(url) as session:
        def doc(client_id: int, hours_ago: float, *, auto: bool, supplier: str) -> Document:
            number = next(_numbers)
            received = now - timedelta(hours=hours_ago + 1)
            row = Document(client_id=client_id, sha256=f"{number:064x}", original_path="x", original_filename="x.pdf",
                           size_bytes=1, status=DocumentStatus.RELEASED, received_at=received,
                           reading_started_at=received + timedelta(minutes=1), read_seconds=2.0,
                           released_at=now - timedelta(hours=hours_ago), auto_released=auto,
                           supplier_key=f"BE0{number:09d}", supplier_name=supplier)
            session.add(row)
            session.flush()
            return row

        def task(document: Document, kind: TaskKind, by: str, hours_ago: float, seconds: float) -> ValidationTask:
            row = ValidationTask(document_id=document.id, client_id=document.client_id, kind=kind, state=TaskState.DONE,
                                 created_at=now - timedelta(hours=hours_ago + 2), deadline=now + timedelta(days=10),
                                 claimed_by=users[by], done_by=users[by], done_at=now - timedelta(hours=hours_ago),
                                 seconds_spent=seconds)
            session.add(row)
            session.flush()
            return row

        def verdict(document: Document, t: ValidationTask, by: str, field: str, action: str, confidence: float) -> None:
            session.add(Correction(document_id=document.id, task_id=t.id, user_id=users[by], field_name=field,
                                   action=action, machine_confidence=confidence, seconds=3.0, created_at=t.done_at))

        auto = doc(world.client_a, 5, auto=True, supplier="Drukkerij Vermeulen BV")
        checked = doc(world.client_a, 26, auto=False, supplier="Brouwerij Het Anker")
        doc(world.client_b, 3, auto=True, supplier="Garage Onderdelen NV")
        validated = task(checked, TaskKind.VALIDATE, "op1", 27, 40.0)
        verdict(checked, validated, "op1", "total_vat", "correct", 0.45)
        verdict(checked, validated, "op1", "iban", "confirm", 0.95)
        verdict(checked, validated, "op1", "invoice_number", "confirm", 0.85)
        second = task(auto, TaskKind.SECOND_LOOK, "op2", 2, 12.0)
        verdict(auto, second, "op2", "invoice_number", "correct", 0.97)


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, world = testdata.build(tmp_path / "data", documents=3)
    seed_activity(settings.database_url, world)
    st.cache_data.clear()
    yield settings, world
    st.cache_data.clear()
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


signed_in = testdata.signed_in


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_supervisor_sees_every_section(world):
    at = signed_in("super")
    at.switch_page("views/dashboard.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Dashboard"
    headings = {h.value for h in at.subheader}
    assert set(SECTIONS) <= headings, headings
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5  # throughput, automation per client and per supplier, corrected fields, calibration
    assert metric(at, "Open tasks") == "3"
    assert metric(at, "Measured error rate") == "100.0%"  # one second look, one error
    interval = next(m.value for m in at.markdown if "95 % interval" in m.value)
    assert "from 1 with an error among 1" in interval
    people = next(frame.value for frame in at.dataframe if "operator" in frame.value.columns)
    assert set(people["operator"]) == {"op1", "op2"}
    assert people.set_index("operator").loc["op1", "median_seconds_per_document"] == pytest.approx(40.0)

    at.radio(key="dash_freq").set_value("hour").run()  # lines per hour instead of bars per day
    assert not at.exception, at.exception
    assert len(at.get("vega_lite_chart")) == 5


def test_filters_narrow_the_figures(world):
    at = signed_in("super")
    at.switch_page("views/dashboard.py").run()
    office_b = next(o for o in at.selectbox(key="dash_office").options if "Zuid" in o)
    at.selectbox(key="dash_office").set_value(next(o for o in api.dashboard_offices(_principal(world, "super"))
                                                   if o.name in office_b)).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="dash_client").options == ["all clients", "Garage Janssens"]
    assert metric(at, "Open tasks") == "0"  # the open tasks are client A's
    assert "No second look" in "\n".join(c.value for c in at.caption)
    at.date_input(key="dash_dates").set_value((datetime(2020, 1, 1).date(), datetime(2020, 1, 31).date())).run()
    assert not at.exception, at.exception
    assert "Nothing happened in this period." in "\n".join(c.value for c in at.caption)


def test_an_operator_does_not_get_the_dashboard(world):
    at = signed_in("op1")
    with pytest.raises(ValueError, match="Could not find a navigation page") as refused:
        at.switch_page("views/dashboard.py")  # not among the pages the router gives an operator
    assert "validate.py" in str(refused.value) and "library.py" not in str(refused.value)
    with pytest.raises(api.Forbidden):
        api.dashboard(_principal(world, "op1"))
    with pytest.raises(api.Forbidden):
        api.dashboard_offices(_principal(world, "acc_a"))


def _principal(world, username: str) -> api.Principal:  # type: ignore[no-untyped-def]
    from models import User
    from pipeline.core.accounts import principal_of

    settings, _ = world
    with unit_of_work(settings.database_url) as session:
        return principal_of(session.get(User, world[1].users[username]))
