"""Boekbrug workbench: the router. ``python -m streamlit run workbench/server.py`` from the repo root.

Shows the sign-in page until there is a live session, then the pages of the
signed-in role. The pages draw the UI and call ``pipeline.api``; nothing else.

Staying signed in: the session token also lives in a cookie (``bb_session``), set by the
server (``workbench/server.py`` serves this app as an ``st.App`` with one route that
exchanges a one-time grant for the cookie) and read back with ``st.context.cookies``
when the browser reconnects (F5, a typed URL, a new tab). Only the token's hash is in
the database; signing out deletes it there and expires the cookie. The cookie is
HttpOnly (no script of the page can read it), ``SameSite=Strict``, ``Secure`` whenever
the page is served over HTTPS, and lives no longer than the session
(``workbench/session_cookie.py``). Started as ``streamlit run workbench/app.py`` (no route)
the script writes it itself, without HttpOnly.

Deep links: before sign-in every page path is known (each shows the sign-in form), so
``/validate`` typed or reloaded signs in and lands on the Validate page.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from anywhere: ``pipeline`` and ``models`` must import
    sys.path.insert(0, str(ROOT))

import streamlit as st

from models.enums import Role
from pipeline import api
from pipeline.core.config import Settings, settings
from pipeline.core.db import engine_for
from pipeline.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, set_language
from workbench import session_cookie
from workbench.components import plain

PAGES = Path(__file__).resolve().parent / "views"
log = logging.getLogger(__name__)


@st.cache_resource
def boot(database_url: str) -> Settings:
    """Settings and the database engine, once per process (and per database)."""
    current = settings()
    engine_for(current.database_url)
    # the queue's upkeep (expired leases back, scores re-aged) in this process too, so
    # the embedded default (no worker) keeps ranking by age and deadline
    api.start_queue_upkeep(current)
    return current


ROLE_NAMES = {
    Role.ADMIN: N_("administrator"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.OPERATOR: N_("operator"),
    Role.ACCOUNTANT: N_("accountant"),
    Role.CLIENT: N_("client"),
}


def browser_language() -> str | None:
    """Before sign-in: the browser's language (Accept-Language), if it is one of ours."""
    try:
        return st.context.locale
    except Exception:
        log.debug("no browser locale", exc_info=True)
        return None


def pages_for(role: Role) -> list[st.Page]:
    validate = st.Page(PAGES / "validate.py", title=_("Validate"), icon="✅", url_path="validate")
    group = st.Page(PAGES / "group.py", title=_("Group verification"), icon="🧮", url_path="group")
    upload = st.Page(PAGES / "upload.py", title=_("Upload"), icon="📤", url_path="upload")
    documents = st.Page(PAGES / "documents.py", title=_("Documents"), icon="📄", url_path="documents")
    sales = st.Page(PAGES / "sales.py", title=_("Sales"), icon="🧾", url_path="sales")
    payments = st.Page(PAGES / "payments.py", title=_("Payments"), icon="💶", url_path="payments")
    library = st.Page(PAGES / "library.py", title=_("Library"), icon="📚", url_path="library")
    dashboard = st.Page(PAGES / "dashboard.py", title=_("Dashboard"), icon="📊", url_path="dashboard")
    tokens = st.Page(PAGES / "tokens.py", title=_("API tokens"), icon="🔐", url_path="tokens")
    clients = st.Page(PAGES / "clients.py", title=_("Clients"), icon="🏢", url_path="clients")
    users = st.Page(PAGES / "users.py", title=_("Users"), icon="👥", url_path="users")
    if role is Role.ADMIN:
        return [validate, group, upload, documents, library, dashboard, sales, payments, tokens, clients, users]
    if role is Role.SUPERVISOR:
        return [validate, group, documents, dashboard, library]  # the library read-only
    if role is Role.OPERATOR:
        return [validate, group, documents]
    if role is Role.ACCOUNTANT:
        return [library, upload, documents, sales, payments, tokens, clients, users]
    return [upload, documents, library, sales, payments]


# every page path a role can have: before sign-in each one shows the sign-in form, so a deep link
# (typed, bookmarked or reloaded) is remembered in the URL and opens after sign-in
PAGE_PATHS = ("validate", "group", "upload", "documents", "sales", "payments", "library", "dashboard", "tokens",
              "clients", "users")


def signin_pages() -> list[st.Page]:
    """The sign-in form under its own path (the default) and under every page path; the page that
    sets a password from an e-mailed link (and asks for a reset link)."""
    signin = PAGES / "signin.py"
    pages = [st.Page(signin, title=_("Sign in"), icon="🔑", url_path="signin", default=True)]
    pages += [st.Page(signin, title=_("Sign in"), icon="🔑", url_path=path) for path in PAGE_PATHS]
    pages.append(st.Page(PAGES / "setpassword.py", title=_("Choose your password"), icon="🔑", url_path="setpassword"))
    return pages


def current_session() -> tuple[str | None, api.Principal | None]:
    """The token and principal of this browser: the one signed in here, else the cookie's (after a reload)."""
    token = st.session_state.get("token")
    principal = api.resume(token) if token else None
    if principal is not None:
        return token, principal
    if token:  # signed in here, but it ran out
        st.session_state.pop("token", None)
        st.session_state["signin_note"] = _("Your session expired; please sign in again.")
    remembered = session_cookie.read()
    if remembered and remembered != st.session_state.get("cookie_dead"):
        principal = api.resume(remembered)
        if principal is not None:
            st.session_state["token"] = remembered
            st.session_state["cookie_written"] = remembered  # the browser has it already
            return remembered, principal
        st.session_state["cookie_dead"] = remembered  # expired or signed out elsewhere: drop it
        session_cookie.clear()
    return None, None


def main() -> None:
    st.set_page_config(page_title="Boekbrug", page_icon="📑", layout="wide")
    boot(os.environ.get("DATABASE_URL", ""))
    set_language(st.session_state.get("language") or browser_language())  # before sign-in: the browser's
    token, principal = current_session()
    if principal is None:
        st.session_state.pop("principal", None)
        if st.session_state.pop("signed_out", False):
            session_cookie.clear()
        # position="hidden": before sign-in the sidebar names no page at all
        page = st.navigation(signin_pages(), position="hidden")
        page.run()
        return
    if st.session_state.get("cookie_written") != token:
        session_cookie.write(token, settings().session_minutes)
        st.session_state["cookie_written"] = token
    st.session_state["principal"] = principal
    set_language(principal.language)
    with st.sidebar:
        st.markdown(f"**{plain(principal.display_name)}** · {_(ROLE_NAMES[principal.role])}")
        choice = st.selectbox(_("Language"), LANGUAGES, index=LANGUAGES.index(principal.language),
                              format_func=LANGUAGE_NAMES.__getitem__, key="language_choice")
        if choice != principal.language:
            st.session_state["language"] = choice
            api.set_language(principal, choice)
            st.rerun()
        if st.button(_("Sign out"), key="sign_out"):
            held = st.session_state.get("wb_task")
            if held is not None:  # give the task back to the queue rather than wait for its lease
                try:
                    api.give_back(principal, held.task_id, held.version)
                except api.BoekbrugError as error:  # its lease ends by itself; say why it was not given back
                    log.info("task %s not given back at sign-out: %s", held.task_id, error)
            api.sign_out(token)
            for key in list(st.session_state):
                del st.session_state[key]
            st.session_state["signed_out"] = True  # the sign-in page clears the cookie
            st.session_state["cookie_dead"] = token  # this connection still carries it
            st.rerun()
    page = st.navigation(pages_for(principal.role))
    page.run()


main()
