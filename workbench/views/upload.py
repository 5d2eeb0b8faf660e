"""Upload: several invoices at once (PDF, images, .eml, UBL XML); their statuses update live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline import api
from workbench.components import plain

ACCEPTED = ["pdf", "png", "jpg", "jpeg", "tif", "tiff", "webp", "eml", "xml"]

principal: api.Principal = st.session_state["principal"]

st.title("Upload invoices")
clients = api.clients_for(principal)
if not clients:
    st.warning("No client is linked to your account.")
    st.stop()
client = st.selectbox("For client", clients, format_func=lambda c: c.name, key="upload_client",
                      disabled=len(clients) == 1)
round_no = st.session_state.setdefault("upload_round", 0)
files = st.file_uploader("Invoices (PDF, JPEG/PNG/TIFF/WebP, .eml e-mails, UBL XML)", type=ACCEPTED,
                         accept_multiple_files=True, key=f"uploader-{round_no}")
if st.button("Upload", type="primary", key="upload_go", disabled=not files):
    results = api.upload(principal, client.id, [(f.name, f.getvalue()) for f in files or []])
    known = st.session_state.setdefault("upload_ids", [])
    for result in results:
        if result.document_id is not None and result.document_id not in known:
            known.append(result.document_id)
        if result.error and result.document_id is None:
            st.error(f"{plain(result.filename)}: {plain(result.error)}")
        elif not result.created:
            st.info(f"{plain(result.filename)}: already received as document {result.document_id}.")
    st.session_state["upload_round"] = round_no + 1
    st.rerun()


@st.fragment(run_every="3s")
def statuses() -> None:
    """The latest documents of the visible clients (this session's uploads first), refreshed live."""
    mine = st.session_state.get("upload_ids") or []
    rows = api.list_documents(principal, ids=mine, limit=200) if mine else []
    rows += [r for r in api.list_documents(principal, limit=30) if r.id not in set(mine)]
    if not rows:
        st.caption("Nothing uploaded yet.")
        return
    st.dataframe(
        pd.DataFrame([{"document": r.id, "file": r.filename, "client": r.client_name, "status": str(r.status),
                       "supplier": r.supplier_name or "", "number": r.invoice_number or "",
                       "reason": r.error or ""} for r in rows]),
        hide_index=True, width="stretch", key="upload_statuses",
    )


st.subheader("Statuses")
statuses()
