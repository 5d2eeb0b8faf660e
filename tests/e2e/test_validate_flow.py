"""The validate page in a real Chromium: where the cursor lands, where typed keys go, duplicates.

* After "Next document" and after every Enter the cursor is in the first field needing a
  look of the document on screen — never in the previous document's inputs, which
  Streamlit keeps on screen for a moment; keys typed at once after Enter land in the next
  document's first field needing a look.
* A document in doubt only in its VAT breakdown gets the cursor on "Lines are right".
* A suspected duplicate shows both documents; Enter decides nothing; "Same invoice" does.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from models import Document, ExtractedFieldRow, ValidationTask
from models.enums import DocumentStatus, FieldState, TaskState
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata
from tests.e2e.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    sign_in,
    start_workbench,
)
from tests.test_workbench_validate import add_duplicate_pair

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")

FOCUSED = """() => { const el = document.activeElement; if (!el) return null;
  const box = el.closest('[class*="st-key-"]'); if (!box) return null;
  return Array.from(box.classList).find(c => c.startsWith('st-key-')) || null; }"""


def claimed(settings) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(task id, version, document id) of the task op1 holds now."""
    with unit_of_work(settings.database_url) as session:
        task = session.scalars(select(ValidationTask).where(ValidationTask.state == TaskState.CLAIMED)).one()
        return task.id, task.version, task.document_id


def wait_for_task(page, settings, previous: int | None):  # type: ignore[no-untyped-def]
    """The next claimed task (not ``previous``), once its form is on the page."""
    for _ in range(100):
        try:
            task_id, version, document_id = claimed(settings)
        except Exception:  # noqa: BLE001 - between a save and the next claim no task is held
            page.wait_for_timeout(100)
            continue
        if task_id != previous:
            page.locator(f'[class*="st-key-in-{task_id}-{version}-"]').first.wait_for(state="attached")  # certain ones are folded
            return task_id, version, document_id
        page.wait_for_timeout(100)
    raise AssertionError("no next task was claimed")


@pytest.fixture
def keyboard_server(tmp_path):
    testdata.fast_password_hashing()
    settings, world = testdata.build(tmp_path / "data", documents=3)
    with unit_of_work(settings.database_url) as session:  # a fourth: only its VAT breakdown is in doubt
        lines_only, _ = testdata.add_document(session, settings, world.client_a, number=9, uncertain=())
        session.execute(update(ExtractedFieldRow).where(
            ExtractedFieldRow.document_id == lines_only, ExtractedFieldRow.name == "vat_breakdown").values(
            state=FieldState.UNCERTAIN, confidence=0.6))
        session.execute(update(ValidationTask).where(ValidationTask.document_id == lines_only).values(priority=-5))
    for url in start_workbench(tmp_path, settings):
        yield url, settings, lines_only


def test_typed_keys_land_in_the_next_documents_first_field(keyboard_server):
    from playwright.sync_api import sync_playwright

    url, settings, lines_only = keyboard_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    typed: dict[int, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(30_000)
        try:
            sign_in(page, url, "op1")
            page.get_by_role("button", name="Next document").click()
            task_id, version, document_id = wait_for_task(page, settings, None)
            page.wait_for_function("k => document.activeElement && document.activeElement.closest('.' + k)",
                                   arg=f"st-key-in-{task_id}-{version}-invoice_number")
            page.screenshot(path=str(ARTIFACTS / "validate-first-visit.png"), full_page=True)
            text = "F2026-E2E-A"
            page.keyboard.type(text)  # the field's text is selected: typing replaces it
            typed[document_id] = text
            for n in range(2):  # Enter, then type at once: the keys belong to the next document
                page.keyboard.press("Enter")
                text = f"F2026-E2E-{'BC'[n]}"
                page.keyboard.type(text)
                previous = task_id
                task_id, version, document_id = wait_for_task(page, settings, previous)
                if document_id == lines_only:
                    break
                field = page.locator(f".st-key-in-{task_id}-{version}-invoice_number input")
                page.wait_for_function("([sel, want]) => { const el = document.querySelector(sel); "
                                       "return el && el.value === want && document.activeElement === el; }",
                                       arg=[f".st-key-in-{task_id}-{version}-invoice_number input", text])
                assert field.input_value() == text
                typed[document_id] = text
                page.screenshot(path=str(ARTIFACTS / f"validate-typed-after-enter-{n}.png"), full_page=True)
            page.keyboard.press("Enter")
            task_id, version, document_id = wait_for_task(page, settings, task_id)
            assert document_id == lines_only
            page.wait_for_function("k => document.activeElement && document.activeElement.closest('.' + k)",
                                   arg=f"st-key-linesok-{task_id}-{version}")
            page.screenshot(path=str(ARTIFACTS / "validate-lines-are-right.png"), full_page=True)
            page.keyboard.press("Space")
            page.keyboard.press("Enter")
            page.get_by_text("documents wait in the queue").wait_for()  # the last one saved: the queue is empty
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "validate-keyboard-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    with unit_of_work(settings.database_url) as session:
        for document_id, text in typed.items():
            document = session.get(Document, document_id)
            assert document.invoice_number == text, (document_id, document.invoice_number, typed)
            assert document.status in (DocumentStatus.VALIDATED, DocumentStatus.RELEASED), document.error
        breakdown = session.scalars(select(ExtractedFieldRow).where(
            ExtractedFieldRow.document_id == lines_only, ExtractedFieldRow.name == "vat_breakdown")).one()
        assert breakdown.state is FieldState.CONFIRMED
    assert len(typed) == 3


@pytest.fixture
def duplicate_server(tmp_path):
    testdata.fast_password_hashing()
    settings, world = testdata.build(tmp_path / "data", documents=0)
    first, second = add_duplicate_pair(settings, world.client_a)
    with unit_of_work(settings.database_url) as session:  # a sender's Markdown in the file name
        session.get(Document, second).original_filename = "**DRINGEND** photo-of-invoice-0007.jpg"
    for url in start_workbench(tmp_path, settings):
        yield url, settings, first, second


def test_a_duplicate_needs_an_explicit_decision(duplicate_server):
    from playwright.sync_api import sync_playwright

    url, settings, first, second = duplicate_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(30_000)
        try:
            sign_in(page, url, "op1")
            page.get_by_role("button", name="Next document").click()
            same = page.get_by_role("button", name=f"Same invoice: a copy of document {first}")
            same.wait_for()
            page.get_by_role("button", name="A different invoice: check its fields").wait_for()
            page.get_by_text("Earlier document").first.wait_for()
            assert page.locator('[data-testid="stForm"]').count() == 0  # nothing that Enter could submit
            page.get_by_text("**DRINGEND** photo-of-invoice-0007.jpg").first.wait_for()  # shown as typed
            assert page.locator("strong", has_text="DRINGEND").filter(has_not_text="**").count() == 0
            page.screenshot(path=str(ARTIFACTS / "validate-duplicate-side-by-side.png"), full_page=True)
            for _ in range(3):
                page.keyboard.press("Enter")
            page.wait_for_timeout(1500)
            with unit_of_work(settings.database_url) as session:
                document = session.get(Document, second)
                assert document.status is DocumentStatus.IN_VALIDATION and document.duplicate_of_id == first
            same.click()
            page.get_by_text(f"Marked as a copy of document {first}").wait_for()
            page.screenshot(path=str(ARTIFACTS / "validate-duplicate-decided.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "validate-duplicate-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    with unit_of_work(settings.database_url) as session:
        assert session.get(Document, second).status is DocumentStatus.DUPLICATE
        assert session.get(Document, first).status is DocumentStatus.RELEASED


@pytest.fixture
def fresh_server(tmp_path):
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=2)
    for url in start_workbench(tmp_path, settings):
        yield url, settings


def test_every_first_visit_puts_the_cursor_in_the_first_field(fresh_server):
    """A fresh page, signed in, "Next document": the cursor is in the first field needing a look, every time."""
    from playwright.sync_api import sync_playwright

    url, settings = fresh_server
    visits: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.set_default_timeout(30_000)
                sign_in(page, url, "op1")
                page.get_by_role("button", name="Next document").click()
                task_id, version, _document = wait_for_task(page, settings, None)
                page.wait_for_function("k => document.activeElement && document.activeElement.closest('.' + k)",
                                       arg=f"st-key-in-{task_id}-{version}-invoice_number", timeout=10_000)
                visits.append(page.evaluate(FOCUSED))
                page.close()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "validate-first-visit-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert len(visits) == 3 and all(v and v.endswith("-invoice_number") for v in visits), visits
