"""The session cookie is HttpOnly when the workbench runs as ``make workbench`` starts it.

``streamlit run workbench/server.py`` serves the app as an ``st.App`` with the route that
sets the cookie (``workbench/session_cookie.py``). In Debian Chromium (Playwright): after
sign-in the browser holds ``bb_session`` HttpOnly and SameSite=Strict, ``document.cookie``
does not show the token, the page's HTML never carried it, a reload (F5) keeps the session,
sign-out expires the cookie (a reload then shows the sign-in form), a used or made-up grant
is refused, and the upload box shows no English line of Streamlit's own in Dutch.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from models import User
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata
from tests.e2e.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    session_cookie,
    start_workbench,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture
def served(tmp_path):  # type: ignore[no-untyped-def]
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=1)
    for url in start_workbench(tmp_path, settings, "workbench/server.py"):  # as make workbench starts it
        yield url, settings


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(request, timeout=5).status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_session_cookie_is_httponly_and_a_reload_keeps_the_session(served) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    url, _settings = served
    expect.set_options(timeout=20_000)
    assert _post(f"{url}/_boekbrug/session", b'{"grant": "made-up"}') == 403  # only a live grant sets a cookie
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        grants: list[str] = []
        page.on("request", lambda r: grants.append(r.post_data or "") if r.url.endswith("/_boekbrug/session")
                and r.method == "POST" else None)
        page.goto(f"{url}/documents")
        page.get_by_label("User name", exact=True).wait_for()
        page.wait_for_timeout(800)
        page.get_by_label("User name", exact=True).fill("op1")
        page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        expect(page.locator("h1").first).to_have_text("Documents")
        cookie = session_cookie(page)
        assert cookie is not None, "no session cookie after sign-in"
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        token = cookie["value"]
        assert token not in page.evaluate("document.cookie")  # scripts cannot read it
        frames = " ".join(frame.content() for frame in page.frames)
        assert token not in frames and token not in page.content()  # the page never carried it
        assert grants and token not in grants[0]
        grant_body = grants[0].encode()
        assert _post(f"{url}/_boekbrug/session", grant_body) == 403  # a grant works once

        page.reload()  # F5: still signed in, still on Documents
        expect(page.locator("h1").first).to_have_text("Documents")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("User name", exact=True).wait_for()
        for _ in range(50):
            if not any(c["name"] == "bb_session" and c["value"] for c in page.context.cookies()):
                break
            page.wait_for_timeout(100)
        assert not any(c["name"] == "bb_session" and c["value"] for c in page.context.cookies())
        page.reload()  # signed out stays signed out
        page.get_by_label("User name", exact=True).wait_for()
        assert page.get_by_role("button", name="Sign out").count() == 0
        browser.close()


def test_the_upload_box_says_its_words_in_dutch(served) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    url, settings = served
    with unit_of_work(settings.database_url) as session:
        session.scalars(select(User).where(User.username == "client_a")).one().language = "nl"
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        page.goto(f"{url}/upload")
        page.get_by_label("User name", exact=True).wait_for()
        page.wait_for_timeout(800)
        page.get_by_label("User name", exact=True).fill("client_a")
        page.get_by_label("Password", exact=True).fill(testdata.PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
        zone.wait_for()
        page.wait_for_timeout(500)
        seen = zone.inner_text()  # what a person reads (hidden lines are not in innerText)
        for english in ("Drag and drop", "per file", "Browse files", "Upload"):
            assert english not in seen, (english, seen)
        button = zone.locator("button").first
        said = button.evaluate("b => getComputedStyle(b, '::after').content")
        assert "Kies bestanden of sleep ze hierheen" in said, said
        assert button.is_visible()
        browser.close()
