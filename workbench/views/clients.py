"""Clients: an office creates its own clients (VAT and KBO numbers checked, VAT-return rhythm, language)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.api import onboarding
from pipeline.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, set_language
from workbench.components import office_head, plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)
PERIOD_WORDS = {"monthly": N_("monthly"), "quarterly": N_("quarterly")}

office = office_head(principal, _("Clients"), "clients", _("Only accountants and administrators manage clients."))

with st.form("client_new", clear_on_submit=False):
    st.subheader(_("New client"))
    name = st.text_input(_("Name"), key="client_name")
    c1, c2 = st.columns(2)
    vat = c1.text_input(_("VAT number"), key="client_vat", placeholder="BE0123456749")
    kbo = c2.text_input(_("Enterprise number (KBO)"), key="client_kbo", placeholder="0123.456.749")
    c3, c4 = st.columns(2)
    period = c3.radio(_("VAT return"), onboarding.VAT_PERIODS, index=1, horizontal=True,
                      format_func=lambda p: _(PERIOD_WORDS[p]), key="client_period")
    language = c4.selectbox(_("Language of its e-mails and PDFs"), [None, *LANGUAGES], key="client_language",
                            format_func=lambda c: _("the office's") if c is None else LANGUAGE_NAMES[c])
    if st.form_submit_button(_("Create client"), type="primary"):
        try:
            made = onboarding.create_client(principal, name, office_id=office.id, vat=vat or None,
                                            enterprise_number=kbo or None, vat_period=period, language=language)
        except onboarding.InvalidInput as error:
            st.error(_("Check the values: {detail}").format(detail=plain(error.words())))
        except api.BoekbrugError:
            st.error(_("This client cannot be created (a client with this name exists already?)."))
        else:
            st.session_state["clients_flash"] = _("Client {name} created.").format(name=made.name)
            st.rerun()

st.caption(_("Where its documents are delivered and when it gets e-mails: the Documents and Library pages."))
clients = onboarding.clients_of(principal, office.id)
st.dataframe(pd.DataFrame([{_("name"): c.name, _("VAT number"): c.vat or "", _("enterprise number"): c.enterprise_number or "",
                            _("VAT return"): _(PERIOD_WORDS.get(c.vat_period, c.vat_period)),
                            _("language"): LANGUAGE_NAMES.get(c.language or "", _("the office's"))}
                           for c in clients]), hide_index=True, width="stretch", key="clients_table")
