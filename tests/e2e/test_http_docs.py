"""/docs in a real browser with no network beyond 127.0.0.1: Swagger UI renders the endpoints.

Debian's headless Chromium through Python Playwright (never ``playwright install``). Every request
to another host is refused twice over: the resolver knows no name but 127.0.0.1, and the page's
requests to another host are aborted and recorded, so the test also fails when /docs tries one.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from pipeline.http.app import create_app
from tests.test_http_world import Server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium",
    ),
]


def test_docs_render_the_endpoints_offline(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    elsewhere: list[str] = []
    failed: list[str] = []

    def local_only(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    with Server(create_app()) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", local_only)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(f"{server.base}/docs")
            try:
                page.locator(
                    ".opblock-summary-path", has_text="/v1/documents"
                ).first.wait_for(state="visible")
            finally:
                page.screenshot(path=str(ARTIFACTS / "http-docs.png"), full_page=True)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".information-container .title").inner_text()
            spec = page.evaluate("fetch('/openapi.json').then(answer => answer.json())")
        finally:
            browser.close()
    assert elsewhere == [], f"/docs reached beyond 127.0.0.1: {elsewhere}"
    assert failed == [], failed
    assert "Boekbrug API" in title
    shown = {
        path.replace("\u200b", "") for path in paths
    }  # Swagger UI breaks long paths with U+200B
    assert "/v1/documents/{document_id}" in shown, shown
    assert shown == set(spec["paths"]), (
        set(spec["paths"]) ^ shown
    )  # every endpoint, none invented
