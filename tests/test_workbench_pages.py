"""Every workbench page through Streamlit's AppTest, against a small fixture database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from models import Correction, Document, ValidationTask
from models.enums import DocumentStatus, TaskState
from pipeline.core.db import unit_of_work
from pipeline.core.plain_words import status_words
from tests import workbench_data as testdata

APP = str(Path(__file__).resolve().parent.parent / "workbench" / "app.py")


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    jobs: list[tuple[str, int]] = []
    from pipeline.jobs import queues as jobs_module

    monkeypatch.setattr(jobs_module, "enqueue", lambda _s, fn, *args, queue="": jobs.append((fn.__name__, args[0])))
    settings, world = testdata.build(tmp_path / "data", documents=3)
    yield settings, world, jobs
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


signed_in = testdata.signed_in


def task_key(at: AppTest) -> str:
    """``"<task id>-<version>"``: the form of one task version (every widget key carries it)."""
    key = next(t.key for t in at.text_input if t.key and t.key.startswith("in-"))
    return "-".join(key.split("-")[1:3])


def task_of(at: AppTest) -> int:
    return int(task_key(at).split("-")[0])


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def documents(settings):
    with unit_of_work(settings.database_url) as session:
        return {d.id: (d.status, d.error) for d in session.scalars(select(Document))}


def test_sign_in_shows_pages_of_the_role(world):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["language"] = "en"  # before sign-in: the browser's language (none here), else the one chosen
    at.run()
    assert at.title[0].value.startswith("Boekbrug")
    at.text_input(key="signin_user").input("op1")
    at.text_input(key="signin_password").input("wrong password")
    at.button[0].click().run()
    assert "wrong password" in at.error[0].value
    at = signed_in("op1")
    assert at.title[0].value == "Validate"
    assert "op1" in at.sidebar.markdown[0].value


def test_claim_correct_confirm_and_next(world):
    settings, _, jobs = world
    at = signed_in("op1")
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    key, task_id = task_key(at), task_of(at)
    number = at.text_input(key=f"in-{key}-invoice_number")
    assert "uncertain" in number.label
    number.input("F2026-9999")
    at.text_input(key=f"in-{key}-total_incl_vat").input("121,00")  # same amount, Belgian notation
    at.button(key=f"FormSubmitter:validate-{key}-Confirm and next  ⏎").click().run()
    assert not at.exception, at.exception
    assert "Saved — next document" in texts(at)
    with unit_of_work(settings.database_url) as session:
        task = session.get(ValidationTask, task_id)
        assert task.state is TaskState.DONE
        document = session.get(Document, task.document_id)
        assert document.status is DocumentStatus.VALIDATED
        assert document.invoice_number == "F2026-9999"
        actions = {c.field_name: (c.action, c.old_value, c.new_value) for c in session.scalars(
            select(Correction).where(Correction.task_id == task_id))}
    assert actions["invoice_number"][0] == "correct" and actions["invoice_number"][2] == "F2026-9999"
    assert actions["total_incl_vat"] == ("confirm", "121.00", "121.00")  # "121,00" is the same amount
    assert ("release_job", document.id) in jobs
    # the next task opened by itself
    next_ids = {task_of(at)}
    assert next_ids and task_id not in next_ids


def test_failed_check_warns_before_saving(world):
    settings, _, _ = world
    at = signed_in("op1")
    at.button(key="next_document").click().run()
    key, task_id = task_key(at), task_of(at)
    at.text_input(key=f"in-{key}-iban").input("BE71096123456760")
    submit = f"FormSubmitter:validate-{key}-Confirm and next  ⏎"
    at.button(key=submit).click().run()
    assert "not a valid IBAN" in texts(at)
    assert "Press Enter again" in texts(at)
    with unit_of_work(settings.database_url) as session:
        assert session.get(ValidationTask, task_id).state is TaskState.CLAIMED
    at.button(key=submit).click().run()  # a second Enter saves anyway
    assert "Saved — next document" in texts(at)
    with unit_of_work(settings.database_url) as session:
        assert session.get(ValidationTask, task_id).state is TaskState.DONE


def test_reject_from_the_validate_page(world):
    settings, _, _ = world
    at = signed_in("op1")
    at.button(key="next_document").click().run()
    key, task_id = task_key(at), task_of(at)
    at.text_input(key=f"reject-reason-{key}").input("unreadable scan")
    at.button(key=f"reject-{key}").click().run()
    assert not at.exception, at.exception
    with unit_of_work(settings.database_url) as session:
        task = session.get(ValidationTask, task_id)
        document = session.get(Document, task.document_id)
        assert document.status is DocumentStatus.REJECTED
        assert "unreadable scan" in document.rejection_reason and document.error is None
    assert "Rejected" in texts(at)


def test_postpone_and_not_an_invoice(world):
    settings, _, _ = world
    at = signed_in("op1")
    at.button(key="next_document").click().run()
    first = task_of(at)
    at.button(key=f"postpone-{task_key(at)}").click().run()
    second = task_of(at)
    assert second != first
    at.button(key=f"not-invoice-{task_key(at)}").click().run()
    with unit_of_work(settings.database_url) as session:
        assert session.get(ValidationTask, first).state is TaskState.POSTPONED
        doc = session.get(Document, session.get(ValidationTask, second).document_id)
        assert doc.status is DocumentStatus.REJECTED and doc.document_type == "not_an_invoice"


def test_group_verification_confirms_across_documents(world):
    settings, _, jobs = world
    at = signed_in("op1")
    at.switch_page("views/group.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="group_field").select("invoice_number").run()
    inputs = [t for t in at.text_input if t.key and t.key.startswith("grp-invoice_number-")]
    assert len(inputs) == 3
    assert sum("data:image/png;base64" in m.value for m in at.markdown) == 3  # a crop beside every value
    inputs[0].input("F2026-7777")
    at.button(key="FormSubmitter:group-invoice_number-Confirm 3 values  ⏎").click().run()
    assert not at.exception, at.exception
    assert "2 confirmed, 1 corrected" in texts(at)
    with unit_of_work(settings.database_url) as session:
        actions = sorted(c.action for c in session.scalars(select(Correction)))
    assert actions == ["confirm", "confirm", "correct"]
    assert not jobs  # total_incl_vat is still uncertain: nothing validated yet


def test_upload_page_lists_statuses(world):
    at = signed_in("client_a")
    assert at.title[0].value == "Upload invoices"
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert set(frame["status"]) >= {"Being checked", status_words("failed")}  # plain words, never the state code
    assert not set(frame["status"]) & {"needs_validation", "failed"}
    assert "broken.pdf" in set(frame["file"])


def test_documents_page_retry(world):
    settings, _world_ids, jobs = world
    at = signed_in("client_a")
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    shown = texts(at).replace("\\", "")  # shown as text: Markdown escaped in the source
    assert "The file is damaged. Ask the sender for a new copy." in shown and "corrupt_file" not in shown
    failed_id = next(i for i, (status, _) in documents(settings).items() if status is DocumentStatus.FAILED)
    at.button(key=f"retry-{failed_id}").click().run()
    assert not at.exception, at.exception
    assert ("read_job", failed_id) in jobs
    assert documents(settings)[failed_id][0] is DocumentStatus.RECEIVED


def test_client_of_another_office_sees_nothing(world):
    at = signed_in("client_b")
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value.empty
