"""Several files uploaded at once in a real browser: each file's outcome stays on screen — received,
already received, refused with the whole reason in plain words — through the live refreshes. Also what
a user notices first: no page names before sign-in, no Deploy button or developer menu, the real limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import workbench_data as testdata
from tests.e2e.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    sign_in,
    start_workbench,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=0)
    for url in start_workbench(tmp_path, settings):
        yield url, settings


def test_each_upload_result_stays_on_screen(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, _settings = server
    pdf, _boxes = testdata.make_pdf({"supplier_name": "Drukkerij Lenaerts", "invoice_number": "F-2026-301",
                                     "issue_date": "2026-11-03", "total_incl_vat": "121.00"})
    first, again, broken = tmp_path / "factuur.pdf", tmp_path / "factuur-kopie.pdf", tmp_path / "kapot.pdf"
    first.write_bytes(pdf)
    again.write_bytes(pdf)  # the same file under another name: already received
    broken.write_bytes(b"<!DOCTYPE html><html><body>Uw bestelling</body></html>")  # a web page: refused at once
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="en-GB")
        page.set_default_timeout(45_000)
        page.goto(url)
        page.get_by_label("User name", exact=True).wait_for()
        page.wait_for_timeout(1000)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # before sign-in: no page names
        assert page.locator('[data-testid="stMainMenu"]').count() == 0  # no developer menu
        assert "Deploy" not in page.inner_text("body")
        sign_in(page, url, "client_a")
        page.get_by_role("heading", name="Upload invoices").wait_for()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Documents").wait_for()  # after sign-in: the pages
        page.get_by_text("at most 50 MB a file").first.wait_for()
        limit = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').inner_text()
        assert "50" in limit and "200" not in limit, limit  # Streamlit's own box says the real limit
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files([first, again, broken])
        page.get_by_text("kapot.pdf").first.wait_for()
        page.get_by_role("button", name="Upload", exact=True).click()
        try:
            page.get_by_text("factuur.pdf: received as document").wait_for()
            page.get_by_text("factuur-kopie.pdf: already received (document").wait_for()
            page.get_by_text("kapot.pdf: received as document").wait_for()  # stored first, whatever it is
            page.get_by_text("could not be read. We cannot use this kind of file").wait_for()  # then read: refused
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "upload-results-failure.png"), full_page=True)
            raise
        page.wait_for_timeout(7000)  # two live refreshes of the statuses below
        page.screenshot(path=str(ARTIFACTS / "upload-results.png"), full_page=True)
        body = page.inner_text("body")
        browser.close()
    assert "factuur.pdf: received as document" in body
    assert "factuur-kopie.pdf: already received (document" in body
    refusal = next(line for line in body.splitlines() if "could not be read." in line)
    assert "kapot.pdf (document" in refusal and refusal.rstrip().endswith("(UBL XML)."), refusal  # all of it
    assert "[" not in refusal and "_" not in refusal, refusal  # in words, no code
    assert "2 received, 1 already received, 0 not taken" in body
