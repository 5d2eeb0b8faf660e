"""Set a password from the one-time link of an invitation or a reset (before sign-in); ask for a reset link."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

import streamlit as st

from pipeline.api import onboarding
from pipeline.core.i18n import _
from pipeline.core.mail import MailNotConfigured
from workbench.components import plain

st.title(_("Choose your password"))
token = st.query_params.get("token") or ""
done = st.session_state.pop("setpw_done", None)
if done:
    st.success(_("Your password is set. Sign in as {user}.").format(user=plain(done)))
    st.page_link("views/signin.py", label=_("Sign in"), icon="🔑")
elif token:
    purpose = onboarding.link_purpose(token)
    if purpose is None:
        st.error(_("This link is unknown, expired or used already. Ask for a new one below."))
    else:
        with st.form("setpw"):
            first = st.text_input(_("New password"), type="password", key="setpw_1", autocomplete="new-password")
            second = st.text_input(_("The same password again"), type="password", key="setpw_2",
                                   autocomplete="new-password")
            if st.form_submit_button(_("Set password"), type="primary"):
                if first != second:
                    st.error(_("The two passwords differ."))
                elif len(first) < onboarding.MIN_PASSWORD:
                    st.error(_("A password needs at least {n} characters.").format(n=onboarding.MIN_PASSWORD))
                else:
                    try:
                        user = onboarding.set_password(token, first)
                    except onboarding.BoekbrugError:
                        st.error(_("This link is unknown, expired or used already. Ask for a new one below."))
                    else:
                        st.query_params.clear()
                        st.session_state["setpw_done"] = user
                        st.rerun()

st.divider()
with st.form("reset_request"):
    st.markdown(_("**Forgot your password?** We send a link to your e-mail address."))
    address = st.text_input(_("E-mail address"), key="reset_email", autocomplete="email")
    if st.form_submit_button(_("Send me a link")):
        parts = urlsplit(st.context.url or "")
        try:
            onboarding.request_reset(address, base_url=f"{parts.scheme}://{parts.netloc}" if parts.netloc else "")
        except (MailNotConfigured, OSError, smtplib.SMTPException):  # mail down: say the same, log why
            onboarding.log.exception("reset e-mail not sent")
        st.info(_("If this address belongs to an account, a link is on its way."))
