"""Documents: statuses with filters; failed ones with their reason and a Retry button; UBL downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.enums import DocumentStatus, Role
from pipeline import api
from pipeline.core.i18n import _, format_moment, format_money
from workbench.components import client_side, plain, reason_label, status_label

principal: api.Principal = st.session_state["principal"]

st.title(_("Documents"))
flash = st.session_state.pop("docs_flash", None)
if flash:
    st.success(flash)
counts = api.status_counts(principal)
if counts:
    words: dict[str, int] = {}  # two states may share their plain words ("Being checked")
    for status, count in sorted(counts.items()):
        words[status_label(status, principal)] = words.get(status_label(status, principal), 0) + count
    st.caption(" · ".join(f"{word}: {count}" for word, count in words.items()))

f1, f2, f3 = st.columns([2, 2, 2])
statuses = f1.multiselect(_("Status"), list(DocumentStatus), format_func=lambda s: status_label(s, principal),
                          key="docs_status")
clients = api.clients_for(principal)
client = f2.selectbox(_("Client"), [None, *clients], format_func=lambda c: _("all clients") if c is None else c.name,
                      key="docs_client")
search = f3.text_input(_("Search (file, supplier, number)"), key="docs_search")
rows = api.list_documents(principal, statuses=statuses or None, client_id=client.id if client else None,
                          search=search or None, limit=500)
st.dataframe(
    pd.DataFrame([{_("document"): r.id, _("file"): r.filename, _("client"): r.client_name,
                   _("status"): status_label(r.status, principal),
                   _("supplier"): r.supplier_name or "", _("number"): r.invoice_number or "",
                   _("total"): format_money(r.total_incl_vat), _("received"): format_moment(r.received_at)}
                  for r in rows]),
    hide_index=True, width="stretch", key="docs_table",
)

failed = api.list_documents(principal, statuses=[DocumentStatus.FAILED], limit=50)
st.subheader(_("Could not be read ({n})").format(n=len(failed)) if client_side(principal)
             else _("Failed ({n})").format(n=len(failed)))
for row in failed:
    with st.container(border=True):
        left, right = st.columns([5, 1])
        left.markdown(_("**{file}** · document {id} · {client}").format(
            file=plain(row.filename), id=row.id, client=plain(row.client_name)))
        left.caption(plain(reason_label(row.error, principal) or _("no reason recorded")))
        if right.button(_("Retry"), key=f"retry-{row.id}"):
            try:
                status = api.retry(principal, row.id)
            except api.BoekbrugError as error:
                st.error(reason_label(error.reason(), principal))
            else:
                st.session_state["docs_flash"] = _("Document {id} read again: now {status}.").format(
                    id=row.id, status=status_label(status, principal))
                st.rerun()

if principal.role in (Role.CLIENT, Role.ACCOUNTANT, Role.ADMIN):
    released = api.list_documents(principal, statuses=[DocumentStatus.RELEASED, DocumentStatus.DELIVERED,
                                                       DocumentStatus.BOOKED], limit=500)
    st.subheader(_("Download UBL"))
    if not released:
        st.caption(_("No released document yet."))
    else:
        choice = st.selectbox(_("Released document"), released, key="docs_download_choice",
                              format_func=lambda r: f"{r.id} · {r.supplier_name or r.filename} {r.invoice_number or ''}")
        if st.button(_("Prepare UBL download"), key="docs_prepare"):
            try:
                st.session_state["docs_ready"] = api.download_ubl(principal, choice.id)
            except api.BoekbrugError as error:
                st.error(reason_label(error.reason(), principal))
        ready = st.session_state.get("docs_ready")
        if ready:
            st.download_button(_("Download {file}").format(file=ready[0]), ready[1], file_name=ready[0], mime="application/xml",
                               key="docs_download")
