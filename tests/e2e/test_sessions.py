"""Staying signed in and deep links, in a real browser (Debian Chromium through Playwright).

A reload (F5) keeps the session (the ``bb_session`` cookie is read back when the browser
reconnects); a typed page address opens that page after sign-in; signing out clears the
cookie, so a reload then shows the sign-in form again.
"""

from __future__ import annotations

import pytest

from tests import workbench_data as testdata
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, start_workbench

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian chromium is not installed at /usr/bin/chromium",
)


@pytest.fixture
def server(tmp_path):
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=1)
    for url in start_workbench(tmp_path, settings):
        yield url, settings


def _browser(p):  # type: ignore[no-untyped-def]
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _warm(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """The first page of a fresh server: wait until the sign-in form is drawn."""
    page.goto(url)
    page.get_by_label("User name", exact=True).wait_for()
    page.wait_for_timeout(1000)


def _open(page, address: str) -> None:  # type: ignore[no-untyped-def]
    """A typed address: a new connection; wait until its first run has drawn the page."""
    page.goto(address)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)


def _sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")


def _heading(page) -> str:  # type: ignore[no-untyped-def]
    page.locator("h1").first.wait_for()
    return page.locator("h1").first.inner_text()


def test_deep_link_opens_after_sign_in_and_a_reload_keeps_the_session(server):
    from playwright.sync_api import expect, sync_playwright

    url, _settings = server
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        _warm(page, url)
        _open(
            page, f"{url}/documents"
        )  # typed before sign-in: the sign-in form, under that address
        page.get_by_label("User name", exact=True).wait_for()
        assert page.url.endswith("/documents")
        _sign_in(page, "op1")
        expect(page.locator("h1").first).to_have_text(
            "Documents"
        )  # the page asked for, not the default
        assert page.url.endswith("/documents")
        cookie = next(c for c in page.context.cookies() if c["name"] == "bb_session")
        assert cookie["sameSite"] == "Strict" and cookie["value"]

        page.reload()  # F5: still signed in, still on Documents
        expect(page.locator("h1").first).to_have_text("Documents")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("User name", exact=True).wait_for()
        expect(page.get_by_label("User name", exact=True)).to_be_visible()
        page.wait_for_timeout(500)
        assert not any(
            c["name"] == "bb_session" and c["value"] for c in page.context.cookies()
        )
        page.reload()  # signed out stays signed out
        page.get_by_label("User name", exact=True).wait_for()
        assert page.get_by_role("button", name="Sign out").count() == 0
        browser.close()


def test_a_new_tab_with_the_cookie_is_signed_in_and_a_forged_cookie_is_not(server):
    from playwright.sync_api import expect, sync_playwright

    url, _settings = server
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        _warm(page, url)
        _sign_in(page, "op1")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        page.wait_for_timeout(500)  # the cookie script ran
        other = (
            context.new_page()
        )  # same browser, typed address: signed in, on that page
        other.set_default_timeout(30_000)
        _open(other, f"{url}/documents")
        expect(other.locator("h1").first).to_have_text("Documents")

        stranger = browser.new_context()
        stranger.add_cookies([{"name": "bb_session", "value": "x" * 43, "url": url}])
        guess = stranger.new_page()
        guess.set_default_timeout(30_000)
        _open(guess, f"{url}/documents")
        guess.get_by_label("User name", exact=True).wait_for()
        assert guess.get_by_role("button", name="Sign out").count() == 0
        browser.close()
