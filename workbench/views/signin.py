"""Sign in: user name, password and (once enrolled) an authenticator code; the session token is kept in ``st.session_state``."""

from __future__ import annotations

import streamlit as st

from pipeline import api

st.title("Boekbrug — sign in")
note = st.session_state.pop("signin_note", None)
if note:
    st.info(note)
with st.form("signin"):
    username = st.text_input("User name", key="signin_user", autocomplete="username")
    password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
    code = st.text_input("Code from your authenticator app (if you set one up)", key="signin_code",
                         autocomplete="one-time-code", max_chars=8)
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    try:
        signed = api.sign_in(username, password, code=code or None, source=st.context.ip_address or "unknown")
    except api.SignInError as error:
        st.error(str(error))
    else:
        st.session_state["token"] = signed.token
        st.session_state.pop("signin_password", None)
        st.session_state.pop("signin_code", None)
        st.rerun()
