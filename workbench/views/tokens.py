"""API tokens: an admin or an office's accountant lets an accounting package, ERP or CRM in, and out again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.api import tokens
from pipeline.core.errors import BoekbrugError

principal: api.Principal = st.session_state["principal"]

st.title("API tokens")
st.caption(
    "A token lets an accounting package, an ERP or a CRM use Boekbrug's HTTP API for one office (all its "
    "clients) or for one client. The secret is shown once; only a fingerprint of it is kept."
)

if not tokens.may_manage(principal):
    st.info("Only an admin or the office's accountant manages API tokens.")
    st.stop()

secret = st.session_state.pop("tokens_secret", None)
if secret is not None:
    st.success("Token created. Copy the secret now: it will not be shown again.")
    st.code(secret, language=None)

with st.form("tokens_new", clear_on_submit=True):
    st.subheader("New token")
    name = st.text_input(
        "What will use it",
        placeholder="e.g. Exact Online, the client's ERP",
        key="tokens_name",
    )
    targets = tokens.token_targets(principal)
    target = st.selectbox(
        "For", targets, format_func=lambda t: t.label, key="tokens_target"
    )
    scopes = st.multiselect(
        "May",
        list(tokens.SCOPES),
        default=list(tokens.SCOPES),
        key="tokens_scopes",
        format_func=lambda s: {
            "read": "read and download",
            "upload": "hand in and change",
        }[s],
    )
    days = st.number_input(
        "Valid for (days)",
        min_value=1,
        max_value=tokens.MAX_DAYS,
        value=tokens.DEFAULT_DAYS,
        key="tokens_days",
    )
    if st.form_submit_button("Create token", type="primary"):
        try:
            made = tokens.create_token(
                principal,
                name,
                office_id=target.office_id if target else None,
                client_id=target.client_id if target else None,
                scopes=scopes,
                days=int(days),
            )
            st.session_state["tokens_secret"] = made.secret
            st.rerun()
        except (BoekbrugError, ValueError) as error:
            st.error(str(error))

st.subheader("Tokens")
existing = tokens.list_tokens(principal)
if not existing:
    st.caption("No token yet.")
else:
    states = {"active": "in use", "expired": "expired", "revoked": "revoked"}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "name": t.name,
                    "starts with": t.prefix,
                    "for": f"client {t.client_name}"
                    if t.client_id
                    else f"office {t.office_name}",
                    "may": ", ".join(t.scopes),
                    "state": states[t.state()],
                    "expires": t.expires_at.date(),
                    "last used": t.last_used_at.strftime("%Y-%m-%d %H:%M")
                    if t.last_used_at
                    else "never",
                }
                for t in existing
            ]
        ),
        hide_index=True,
        width="stretch",
        key="tokens_table",
    )
    live = [t for t in existing if t.state() == "active"]
    if live:
        chosen = st.selectbox(
            "Revoke",
            live,
            format_func=lambda t: f"{t.name} ({t.prefix}…)",
            key="tokens_revoke_pick",
        )
        if st.button("Revoke token", key="tokens_revoke"):
            tokens.revoke_token(principal, chosen.id)
            st.session_state["tokens_flash"] = f"{chosen.name} can no longer sign in."
            st.rerun()
flash = st.session_state.pop("tokens_flash", None)
if flash:
    st.success(flash)
