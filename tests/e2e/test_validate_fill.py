"""Click-to-fill and the keys of the validate page, in a real Chromium.

* A box dragged over the supplier's name on the page fills the field with the cursor
  with those words; Alt+J moves the cursor to the next field needing a look; a click on
  a date printed the Belgian way fills it in ISO form; the cursor stays in the form, and
  Enter saves the picked values as corrections.
* The page image stays in view while the form scrolls; Alt+P postpones the next document
  (its button is folded away under "Other decisions").
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from models import ExtractedFieldRow, ValidationTask
from models.enums import FieldState, TaskState
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata
from tests.e2e.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    sign_in,
    start_workbench,
)
from tests.e2e.test_validate_flow import wait_for_task

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")

MISREAD = {"supplier_name": "Drukkerij Vermeu1en", "issue_date": "2026-11-20"}  # what the machine read wrongly


@pytest.fixture
def fill_server(tmp_path):
    testdata.fast_password_hashing()
    settings, world = testdata.build(tmp_path / "data", documents=0)
    with unit_of_work(settings.database_url) as session:
        first, _ = testdata.add_document(session, settings, world.client_a, number=1, with_reading=True,
                                         uncertain=("supplier_name", "issue_date"),
                                         overrides={"issue_date": "02/11/2026"})  # printed the Belgian way
        for name, value in MISREAD.items():
            session.execute(update(ExtractedFieldRow).where(
                ExtractedFieldRow.document_id == first, ExtractedFieldRow.name == name).values(value=value))
        session.execute(update(ValidationTask).where(ValidationTask.document_id == first).values(score=9999))
        second, _ = testdata.add_document(session, settings, world.client_a, number=2, with_reading=True)
    for url in start_workbench(tmp_path, settings):
        yield url, settings, first, second


def focused_key(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("""() => { const el = document.activeElement; if (!el) return null;
      const box = el.closest('[class*="st-key-in-"]'); if (!box) return null;
      return Array.from(box.classList).find(c => c.startsWith('st-key-in-')) || null; }""")


def test_click_and_drag_fill_the_field_with_the_cursor_and_alt_p_postpones(fill_server):
    from playwright.sync_api import sync_playwright

    url, settings, first, second = fill_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(30_000)
        try:
            sign_in(page, url, "op1")
            page.get_by_role("button", name="Next document").click()
            task_id, version, document_id = wait_for_task(page, settings, None)
            assert document_id == first
            prefix = f"st-key-in-{task_id}-{version}-"
            page.wait_for_function("k => document.activeElement && document.activeElement.closest('.' + k)",
                                   arg=prefix + "supplier_name")
            supplier = page.locator(f".{prefix}supplier_name input")
            assert supplier.input_value() == MISREAD["supplier_name"]

            # drag a box over the three words of the supplier's name (not its label)
            start = page.locator('.bb-word[title="Drukkerij"]').bounding_box()
            end = page.locator('.bb-word[title="BV"]').bounding_box()
            assert start and end
            page.mouse.move(start["x"] - 2, start["y"] - 2)
            page.mouse.down()
            page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=5)
            page.mouse.move(end["x"] + end["width"] + 2, end["y"] + end["height"] + 2, steps=2)
            page.mouse.up()
            page.wait_for_function("sel => document.querySelector(sel).value === 'Drukkerij Vermeulen BV'",
                                   arg=f".{prefix}supplier_name input")
            assert focused_key(page) == prefix + "supplier_name"  # the cursor never left the form

            page.keyboard.press("Alt+J")  # the next field needing a look
            assert focused_key(page) == prefix + "issue_date"
            page.locator('.bb-word[title="02/11/2026"]').click()
            page.wait_for_function("sel => document.querySelector(sel).value === '2026-11-02'",  # ISO, parsed
                                   arg=f".{prefix}issue_date input")
            assert focused_key(page) == prefix + "issue_date"
            page.screenshot(path=str(ARTIFACTS / "validate-click-to-fill.png"), full_page=True)

            page.keyboard.press("Enter")
            previous = f"{task_id}-{version}"
            task_id, version, document_id = wait_for_task(page, settings, task_id)
            assert document_id == second
            page.wait_for_function("k => document.activeElement && document.activeElement.closest('.' + k)",
                                   arg=f"st-key-in-{task_id}-{version}-invoice_number")
            page.locator(f".st-key-postpone-{task_id}-{version}").wait_for(state="attached")  # the page has settled
            page.wait_for_function("k => !document.querySelector(k)", arg=f".st-key-postpone-{previous}")  # nor the last's
            page.get_by_text("certain fields").click()  # unfolded, the form runs past the screen
            # scroll to the form's last field, again until the unfolded fields have arrived (the expander
            # renders after the click: one wheel turn could come before there is anything to scroll)
            page.wait_for_function("""() => {
                const form = document.querySelector('[data-testid="stForm"]');
                const inputs = form.querySelectorAll('input');
                inputs[inputs.length - 1].scrollIntoView({block: 'end'});
                return form.getBoundingClientRect().top < 0;
            }""", polling=250)
            viewer = page.locator(".bb-viewer").bounding_box()
            assert viewer is not None and viewer["y"] >= 0  # the page image stays in view
            page.keyboard.press("Alt+P")  # postpone
            page.get_by_text("Postponed —").wait_for()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "validate-fill-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    with unit_of_work(settings.database_url) as session:
        rows = {r.name: r for r in session.scalars(select(ExtractedFieldRow).where(
            ExtractedFieldRow.document_id == first, ExtractedFieldRow.name.in_(list(MISREAD))))}
        assert rows["supplier_name"].value == "Drukkerij Vermeulen BV"
        assert rows["issue_date"].value == "2026-11-02"
        assert {r.state for r in rows.values()} == {FieldState.CORRECTED}
        postponed = session.scalars(select(ValidationTask).where(ValidationTask.document_id == second)).one()
        assert postponed.state is TaskState.POSTPONED
