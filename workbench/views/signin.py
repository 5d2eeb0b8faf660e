"""Sign in: user name, password and (once enrolled) an authenticator code; the session token is kept in ``st.session_state``."""

from __future__ import annotations

import streamlit as st

from pipeline import api
from pipeline.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, current_language

N_("Unknown user, wrong password or wrong code.")  # pipeline.core.accounts.WRONG, shown translated


def _source() -> str:
    """Where the attempt comes from, for throttling: behind the reverse proxy on this machine
    (README, "Exposing the workbench") the last address the proxy added to X-Forwarded-For."""
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) and peer else "unknown"
    if peer not in ("127.0.0.1", "::1"):
        return peer[:64]
    forwarded = st.context.headers.get("X-Forwarded-For") if st.context.headers else None
    forwarded = forwarded if isinstance(forwarded, str) else ""
    return (forwarded.split(",")[-1].strip() or peer)[:64]


st.title(_("Boekbrug — sign in"))
# before sign-in: the browser's language, or the one chosen here (kept for this session)
if st.session_state.get("language") not in LANGUAGES:
    st.session_state["language"] = current_language()
st.segmented_control(_("Language"), LANGUAGES, format_func=LANGUAGE_NAMES.__getitem__, key="language",
                     label_visibility="collapsed")
note = st.session_state.pop("signin_note", None)
if note:
    st.info(note)
with st.form("signin"):
    username = st.text_input(_("User name"), key="signin_user", autocomplete="username")
    password = st.text_input(_("Password"), type="password", key="signin_password", autocomplete="current-password")
    code = st.text_input(_("Code from your authenticator app (if you set one up)"), key="signin_code",
                         autocomplete="one-time-code", max_chars=8)
    submitted = st.form_submit_button(_("Sign in"), type="primary")
if submitted:
    try:
        signed = api.sign_in(username, password, code=code or None, source=_source())
    except api.SignInError as error:
        st.error(_(str(error)))
    else:
        st.session_state["token"] = signed.token
        st.session_state.pop("signin_password", None)
        st.session_state.pop("signin_code", None)
        st.rerun()
st.page_link("views/setpassword.py", label=_("Forgot your password?"))
