"""Staying signed in and deep links, in a real browser (Debian Chromium through Playwright).

A reload (F5) keeps the session (the ``bb_session`` cookie is read back when the browser
reconnects); a typed page address opens that page after sign-in; signing out clears the
cookie, so a reload then shows the sign-in form again. An invitation link sets a first password;
"Forgot your password?" e-mails a reset link (caught by a local aiosmtpd) that works once.
"""

from __future__ import annotations

import pytest

from models.enums import Role
from pipeline import api
from pipeline.api import onboarding
from tests import workbench_data as testdata
from tests.e2e.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    session_cookie,
    start_workbench,
)

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
        cookie = session_cookie(page)
        assert cookie is not None, "no session cookie after sign-in"
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


# ---------------------------------------------------------------------- e-mailed links (a local aiosmtpd)
@pytest.fixture
def mail_server(tmp_path, monkeypatch, smtp_inbox):
    inbox, port = smtp_inbox
    for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(port)), ("SMTP_STARTTLS", "0"),
                        ("SMTP_FROM", "boekbrug@example.be")):
        monkeypatch.setenv(name, value)  # the workbench process inherits them
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=1)
    for url in start_workbench(tmp_path, settings):
        yield url, inbox


def _choose_password(page, link: str, password: str) -> None:  # type: ignore[no-untyped-def]
    _open(page, link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("The same password again", exact=True).fill(password)
    page.get_by_role("button", name="Set password").click()
    page.get_by_text("Your password is set").wait_for()


def test_invitation_link_then_a_password_reset_by_email(mail_server):
    from playwright.sync_api import expect, sync_playwright

    url, inbox = mail_server
    expect.set_options(timeout=20_000)
    accountant = api.sign_in("acc_a", testdata.PASSWORD).principal
    onboarding.invite_user(accountant, "els@kantoor.be", "Els", Role.ACCOUNTANT, base_url=url)
    invitation = inbox.link()
    assert invitation.startswith(url)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        _warm(page, url)
        _choose_password(page, invitation, "eerste-wachtwoord")
        _open(page, f"{url}/library")
        _sign_in_as(page, "els@kantoor.be", "eerste-wachtwoord")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()

        page.get_by_text("Forgot your password?", exact=True).click()  # from the sign-in form
        page.get_by_label("E-mail address", exact=True).fill("els@kantoor.be")
        page.get_by_role("button", name="Send me a link").click()
        page.get_by_text("a link is on its way").wait_for()
        sent = len(inbox.messages)
        assert sent == 2 and inbox.messages[-1]["To"] == "els@kantoor.be"
        reset = inbox.link()
        _choose_password(page, reset, "tweede-wachtwoord")
        _open(page, reset)  # used once: the link no longer works
        page.get_by_text("unknown, expired or used already").wait_for()
        _open(page, url)
        _sign_in_as(page, "els@kantoor.be", "tweede-wachtwoord")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        browser.close()


def _sign_in_as(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password", exact=True).press("Enter")
