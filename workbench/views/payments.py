"""Payments: pay the open incoming invoices (SEPA file), confirm changed IBANs, read bank statements."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.core.errors import BoekbrugError
from pipeline.payments import api as payments
from workbench.components import page_head, plain

principal: api.Principal = st.session_state["principal"]

client = page_head(principal, "Payments", "pay")

tab_pay, tab_statement = st.tabs(["Pay invoices", "Bank statement"])

with tab_pay:
    until = st.date_input("Due by", value=date.today() + timedelta(days=7), key="pay_until")
    open_items, skipped = payments.open_payables(principal, client.id, until=until)
    left_out: list[int] = []
    if open_items:
        st.caption("Untick an invoice to leave it out of this payment file (it stays open for a later one).")
        chosen = st.data_editor(
            pd.DataFrame([{"pay": True, "document": p.document_id, "supplier": p.supplier_name,
                           "invoice": p.invoice_number or "", "due": p.due_date, "amount": f"{p.amount:.2f}",
                           "IBAN": p.iban, "communication": p.reference} for p in open_items]),
            hide_index=True, width="stretch", key="pay_open",
            disabled=["document", "supplier", "invoice", "due", "amount", "IBAN", "communication"])
        left_out = [int(row["document"]) for row in chosen.to_dict("records") if not row["pay"]]
    else:
        st.caption("Nothing to pay by that date.")
    for item in skipped:
        st.caption(f"Not paid: document {item.document_id} — {plain(item.reason)}")
    execution = st.date_input("Execution date", value=date.today(), min_value=date.today(), key="pay_exec")
    if st.button("Prepare payment file", type="primary", key="pay_prepare",
                 disabled=not open_items or len(left_out) == len(open_items)):
        try:
            batch = payments.prepare_payments(principal, client.id, until=until, execution_date=execution,
                                              exclude_ids=left_out)
            st.session_state["pay_batch"] = batch
        except BoekbrugError as error:
            st.error(error.reason())
    batch = st.session_state.get("pay_batch")
    if batch is not None:
        if batch.xml is not None:
            st.success(f"{len(batch.included)} payments, € {batch.total:.2f}: upload this file in your banking app.")
            st.download_button("pain.001 (SEPA)", batch.xml, f"payments-{batch.message_id}.xml", "application/xml",
                               key="pay_download")
        for index, held in enumerate(batch.held):
            p = held.payable
            with st.container(border=True):
                st.warning(f"{plain(p.supplier_name)}: IBAN changed from {held.previous_iban} to {p.iban} — "
                           f"€ {p.amount:.2f} held. Call the supplier on a known number before confirming.")
                if st.button(f"Confirm {p.iban} for {p.supplier_name}", key=f"pay_confirm_{index}"):
                    payments.confirm_new_iban(principal, client.id, p.supplier_key, p.iban, p.supplier_name)
                    st.session_state["pay_flash"] = f"New IBAN of {p.supplier_name} confirmed; prepare again."
                    st.session_state.pop("pay_batch", None)
                    st.rerun()

with tab_statement:
    upload = st.file_uploader("Bank statement (CAMT.053 XML)", type=["xml"], key="pay_camt")
    if upload is not None and st.button("Match statement", key="pay_match"):
        try:
            st.session_state["pay_result"] = payments.match_statement(principal, client.id, upload.getvalue())
        except BoekbrugError as error:
            st.error(error.reason())
    result = st.session_state.get("pay_result")
    if result is not None:
        st.subheader(f"Matched ({len(result.matched)})")
        st.dataframe(pd.DataFrame([{"date": m.entry.booking_date, "in/out": "in" if m.entry.credit else "out",
                                    "amount": str(m.entry.amount), "counterparty": m.entry.counterparty_name or "",
                                    "invoice": m.item.label, "how": m.how} for m in result.matched]),
                     hide_index=True, width="stretch", key="pay_matched")
        st.subheader(f"For a person ({len(result.unmatched)})")
        st.dataframe(pd.DataFrame([{"date": u.entry.booking_date, "in/out": "in" if u.entry.credit else "out",
                                    "amount": str(u.entry.amount), "counterparty": u.entry.counterparty_name or "",
                                    "communication": u.entry.structured_reference or u.entry.unstructured or "",
                                    "why": u.reason} for u in result.unmatched]),
                     hide_index=True, width="stretch", key="pay_unmatched")
