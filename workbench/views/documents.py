"""Documents: statuses with filters; failed ones with their reason and a Retry button; UBL downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.enums import DocumentStatus, Role
from pipeline import api
from workbench.components import plain

principal: api.Principal = st.session_state["principal"]

st.title("Documents")
flash = st.session_state.pop("docs_flash", None)
if flash:
    st.success(flash)
counts = api.status_counts(principal)
if counts:
    st.caption(" · ".join(f"{status}: {count}" for status, count in sorted(counts.items())))

f1, f2, f3 = st.columns([2, 2, 2])
statuses = f1.multiselect("Status", list(DocumentStatus), format_func=str, key="docs_status")
clients = api.clients_for(principal)
client = f2.selectbox("Client", [None, *clients], format_func=lambda c: "all clients" if c is None else c.name,
                      key="docs_client")
search = f3.text_input("Search (file, supplier, number)", key="docs_search")
rows = api.list_documents(principal, statuses=statuses or None, client_id=client.id if client else None,
                          search=search or None, limit=500)
st.dataframe(
    pd.DataFrame([{"document": r.id, "file": r.filename, "client": r.client_name, "status": str(r.status),
                   "supplier": r.supplier_name or "", "number": r.invoice_number or "",
                   "total": None if r.total_incl_vat is None else float(r.total_incl_vat),
                   "received": r.received_at} for r in rows]),
    hide_index=True, width="stretch", key="docs_table",
)

failed = api.list_documents(principal, statuses=[DocumentStatus.FAILED], limit=50)
st.subheader(f"Failed ({len(failed)})")
for row in failed:
    with st.container(border=True):
        left, right = st.columns([5, 1])
        left.markdown(f"**{plain(row.filename)}** · document {row.id} · {plain(row.client_name)}")
        left.caption(plain(row.error or "no reason recorded"))
        if right.button("Retry", key=f"retry-{row.id}"):
            try:
                status = api.retry(principal, row.id)
            except api.BoekbrugError as error:
                st.error(error.reason())
            else:
                st.session_state["docs_flash"] = f"Document {row.id} read again: now {status}."
                st.rerun()

if principal.role in (Role.CLIENT, Role.ACCOUNTANT, Role.ADMIN):
    released = api.list_documents(principal, statuses=[DocumentStatus.RELEASED, DocumentStatus.DELIVERED,
                                                       DocumentStatus.BOOKED], limit=500)
    st.subheader("Download UBL")
    if not released:
        st.caption("No released document yet.")
    else:
        choice = st.selectbox("Released document", released, key="docs_download_choice",
                              format_func=lambda r: f"{r.id} · {r.supplier_name or r.filename} {r.invoice_number or ''}")
        if st.button("Prepare UBL download", key="docs_prepare"):
            try:
                st.session_state["docs_ready"] = api.download_ubl(principal, choice.id)
            except api.BoekbrugError as error:
                st.error(error.reason())
        ready = st.session_state.get("docs_ready")
        if ready:
            st.download_button(f"Download {ready[0]}", ready[1], file_name=ready[0], mime="application/xml",
                               key="docs_download")
