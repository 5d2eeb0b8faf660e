"""API tokens: an admin or an office's accountant lets an accounting package, ERP or CRM in, and out again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.api import tokens
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import _, format_day, format_moment, set_language
from workbench.components import plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router

st.title(_("API tokens"))
st.caption(
    _("A token lets an accounting package, an ERP or a CRM use Boekbrug's HTTP API for one office (all its "
      "clients) or for one client. The secret is shown once; only a fingerprint of it is kept.")
)

if not tokens.may_manage(principal):
    st.info(_("Only an admin or the office's accountant manages API tokens."))
    st.stop()

secret = st.session_state.pop("tokens_secret", None)
if secret is not None:
    st.success(_("Token created. Copy the secret now: it will not be shown again."))
    st.code(secret, language=None)

with st.form("tokens_new", clear_on_submit=True):
    st.subheader(_("New token"))
    name = st.text_input(
        _("What will use it"),
        placeholder=_("e.g. Exact Online, the client's ERP"),
        key="tokens_name",
    )
    targets = tokens.token_targets(principal)
    target = st.selectbox(
        _("For"), targets, format_func=lambda t: (_("client {name}") if t.client_id is not None else _("office {name} (all its clients)")).format(
            name=t.name), key="tokens_target"
    )
    scopes = st.multiselect(
        _("May"),
        list(tokens.SCOPES),
        default=list(tokens.SCOPES),
        key="tokens_scopes",
        format_func=lambda s: {
            "read": _("read and download"),
            "upload": _("hand in and change"),
        }[s],
    )
    days = st.number_input(
        _("Valid for (days)"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        value=tokens.DEFAULT_DAYS,
        key="tokens_days",
    )
    if st.form_submit_button(_("Create token"), type="primary"):
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
        except BoekbrugError as error:
            st.error(plain(error.words()))
        except ValueError as error:  # made from a template (pipeline.core.check_words): said in the language
            st.error(plain(_(str(error))))

st.subheader(_("Tokens"))
existing = tokens.list_tokens(principal)
if not existing:
    st.caption(_("No token yet."))
else:
    states = {"active": _("in use"), "expired": _("expired"), "revoked": _("revoked")}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("name"): t.name,
                    _("starts with"): t.prefix,
                    _("for"): _("client {name}").format(name=t.client_name)
                    if t.client_id
                    else _("office {name}").format(name=t.office_name),
                    _("may"): ", ".join(t.scopes),
                    _("state"): states[t.state()],
                    _("expires"): format_day(t.expires_at),
                    _("last used"): format_moment(t.last_used_at)
                    if t.last_used_at
                    else _("never"),
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
            _("Revoke"),
            live,
            format_func=lambda t: f"{t.name} ({t.prefix}…)",
            key="tokens_revoke_pick",
        )
        if st.button(_("Revoke token"), key="tokens_revoke"):
            tokens.revoke_token(principal, chosen.id)
            st.session_state["tokens_flash"] = _("{name} can no longer sign in.").format(name=chosen.name)
            st.rerun()
flash = st.session_state.pop("tokens_flash", None)
if flash:
    st.success(flash)
