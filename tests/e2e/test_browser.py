"""The workbench in a real browser: sign in, claim, validate with the keyboard only.

Starts ``python -m streamlit run workbench/app.py`` against a temporary database and
drives Debian's headless Chromium with Python Playwright (never ``playwright
install``). Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Document, ValidationTask
from models.enums import DocumentStatus
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_workbench(tmp_path: Path, settings, script: str = "workbench/app.py"):  # type: ignore[no-untyped-def]
    """``streamlit run SCRIPT`` on a free port against ``settings``; yields its URL, then stops it.
    ``workbench/server.py`` is how ``make workbench`` starts it (with the session-cookie route)."""
    port = free_port()
    env = dict(os.environ, DATA_DIR=str(settings.data_dir), DATABASE_URL=settings.database_url,
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    env.pop("REDIS_URL", None)
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.terminate()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-2000:])
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        from pipeline.core.config import settings as settings_fn

        settings_fn.cache_clear()


@pytest.fixture
def server(tmp_path):
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=2)
    for url in start_workbench(tmp_path, settings):
        yield url, settings


def session_cookie(page, seconds: float = 5.0):  # type: ignore[no-untyped-def]
    """The ``bb_session`` cookie once the browser holds it (it is set a moment after the first
    signed-in page shows: by the page's script, or its call to the session route); None after ``seconds``."""
    for _ in range(int(seconds * 10)):
        cookie = next((c for c in page.context.cookies() if c["name"] == "bb_session" and c["value"]), None)
        if cookie:
            return cookie
        page.wait_for_timeout(100)
    return None


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")


def test_validate_with_the_keyboard(server):
    from playwright.sync_api import sync_playwright

    url, settings = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_label("User name", exact=True).fill("op1")
        page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        page.get_by_role("button", name="Next document").click()
        form_inputs = page.locator('[data-testid="stForm"] input[type="text"]')
        form_inputs.first.wait_for()
        page.wait_for_timeout(1500)  # the focus script and the viewer iframe settle
        focused = page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')") or ""
        if "Invoice number" not in focused:  # the focus script is optional: get there with the keyboard
            form_inputs.first.focus()
            while "Invoice number" not in (page.evaluate("document.activeElement.getAttribute('aria-label')") or ""):
                page.keyboard.press("Tab")
        page.screenshot(path=str(ARTIFACTS / "workbench-validate.png"), full_page=True)
        with unit_of_work(settings.database_url) as session:
            claimed = session.scalars(select(ValidationTask).where(ValidationTask.claimed_by.is_not(None))).one()
            document_id = claimed.document_id
        page.keyboard.press("Control+A")
        page.keyboard.type("F2026-E2E1")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        try:
            page.get_by_text("Saved — next document").wait_for()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "workbench-failure.png"), full_page=True)
            raise
        page.screenshot(path=str(ARTIFACTS / "workbench-saved-next.png"), full_page=True)
        browser.close()
        print(f"focus script put the cursor in: {focused!r}")
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document.invoice_number == "F2026-E2E1"
        assert document.status in (DocumentStatus.VALIDATED, DocumentStatus.RELEASED), document.error


def test_accountant_downloads_a_released_ubl(server, tmp_path):
    """An accountant opens the library, downloads a released UBL: valid XML, and a Delivery recorded."""
    import re

    from lxml import etree
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from models import Delivery
    from models.enums import DeliveryChannel
    from pipeline.jobs.ingest import ingest_files

    url, settings = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    fixture = ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
    document_id = ingest_files(settings, "Bakkerij Peeters", [fixture]).document_ids[0]  # released in-process
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.RELEASED, document.error
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_label("User name", exact=True).fill("acc_a")
        page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        page.get_by_role("heading", name="Library").wait_for()
        try:
            page.get_by_role("combobox", name="Open document").click()
            page.get_by_role("option", name=re.compile(rf"^{document_id} · ")).click()
            button = page.get_by_role("button", name=re.compile(r"Download UBL"))
            button.wait_for()
            page.screenshot(path=str(ARTIFACTS / "workbench-library.png"), full_page=True)
            download = None
            for attempt in range(3):
                # a click that lands while the page is still re-running after the choice reaches a
                # button about to be replaced and starts no download: the accountant clicks again
                page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
                try:
                    with page.expect_download(timeout=10_000) as info:
                        button.click()
                    download = info.value
                    break
                except PlaywrightTimeout:
                    if attempt == 2:
                        raise
            assert download is not None
            target = tmp_path / download.suggested_filename
            download.save_as(target)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "workbench-library-failure.png"), full_page=True)
            raise
        page.wait_for_timeout(1000)  # the rerun after the click settles
        page.screenshot(path=str(ARTIFACTS / "workbench-library-downloaded.png"), full_page=True)
        browser.close()
    assert target.name.endswith("INV-2026-0042.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(target.read_bytes(), parser)
    assert etree.QName(root).localname == "Invoice"
    ids = root.xpath("/*/cbc:ID/text()", namespaces={
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"})
    assert ids == ["INV-2026-0042"]
    with unit_of_work(settings.database_url) as session:
        deliveries = session.scalars(select(Delivery).where(Delivery.document_id == document_id)).all()
        assert [d.channel for d in deliveries] == [DeliveryChannel.DOWNLOAD]
        assert session.get(Document, document_id).status is DocumentStatus.DELIVERED
