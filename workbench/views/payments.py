"""Payments: pay the open incoming invoices (SEPA file), confirm changed IBANs, read bank statements."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.core.config import settings
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import _, format_day, format_money, set_language
from pipeline.payments import api as payments
from workbench.components import page_head, plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router

client = page_head(principal, _("Payments"), "pay")

tab_pay, tab_statement = st.tabs([_("Pay invoices"), _("Bank statement")])

with tab_pay:
    until = st.date_input(_("Due by"), value=date.today() + timedelta(days=7), key="pay_until")
    open_items, skipped = payments.open_payables(principal, client.id, until=until)
    left_out: list[int] = []
    if open_items:
        st.caption(_("Untick an invoice to leave it out of this payment file (it stays open for a later one)."))
        chosen = st.data_editor(
            pd.DataFrame([{"pay": True, "document": p.document_id, "supplier": p.supplier_name,
                           "invoice": p.invoice_number or "", "due": format_day(p.due_date),
                           "amount": format_money(p.amount), "IBAN": p.iban, "communication": p.reference}
                          for p in open_items]),
            hide_index=True, width="stretch", key="pay_open",
            disabled=["document", "supplier", "invoice", "due", "amount", "IBAN", "communication"],
            column_config={"pay": st.column_config.CheckboxColumn(_("pay")),
                           "document": st.column_config.NumberColumn(_("document")),
                           "supplier": _("supplier"), "invoice": _("invoice"), "due": _("due"),
                           "amount": _("amount"), "communication": _("communication")})
        left_out = [int(row["document"]) for row in chosen.to_dict("records") if not row["pay"]]
    else:
        st.caption(_("Nothing to pay by that date."))
    for item in skipped:
        st.caption(_("Not paid: document {id} — {reason}").format(id=item.document_id, reason=plain(_(item.reason))))
    execution = st.date_input(_("Execution date"), value=date.today(), min_value=date.today(), key="pay_exec")
    if st.button(_("Prepare payment file"), type="primary", key="pay_prepare",
                 disabled=not open_items or len(left_out) == len(open_items)):
        try:
            batch = payments.prepare_payments(principal, client.id, until=until, execution_date=execution,
                                              exclude_ids=left_out)
            st.session_state["pay_batch"] = batch
        except BoekbrugError as error:
            st.error(plain(error.words()))
    batch = st.session_state.get("pay_batch")
    if batch is not None:
        if batch.xml is not None:
            st.success(_("{n} payments, {total}: upload this file in your banking app.").format(
                n=len(batch.included), total=format_money(batch.total)))
            st.download_button("pain.001 (SEPA)", batch.xml, f"payments-{batch.message_id}.xml", "application/xml",
                               key="pay_download")
        for index, held in enumerate(batch.held):
            p = held.payable
            with st.container(border=True):
                st.warning(_("{supplier}: IBAN changed from {before} to {after} — {amount} held. Call the supplier "
                             "on a known number before confirming.").format(
                    supplier=plain(p.supplier_name), before=held.previous_iban, after=p.iban,
                    amount=format_money(p.amount)))
                if st.button(_("Confirm {iban} for {supplier}").format(iban=p.iban, supplier=p.supplier_name),
                             key=f"pay_confirm_{index}"):
                    payments.confirm_new_iban(principal, client.id, p.supplier_key, p.iban, p.supplier_name)
                    st.session_state["pay_flash"] = _("New IBAN of {supplier} confirmed; prepare again.").format(
                        supplier=p.supplier_name)
                    st.session_state.pop("pay_batch", None)
                    st.rerun()

with tab_statement:
    upload = st.file_uploader(_("Bank statement (CAMT.053 XML)"), type=["xml"], key="pay_camt",
                              max_upload_size=settings().max_upload_mb)
    if upload is not None and st.button(_("Match statement"), key="pay_match"):
        try:
            st.session_state["pay_result"] = payments.match_statement(principal, client.id, upload.getvalue())
        except BoekbrugError as error:
            st.error(plain(error.words()))
    result = st.session_state.get("pay_result")
    if result is not None:
        st.subheader(_("Matched ({n})").format(n=len(result.matched)))
        st.dataframe(pd.DataFrame([{_("date"): format_day(m.entry.booking_date),
                                    _("in/out"): _("in") if m.entry.credit else _("out"),
                                    _("amount"): format_money(m.entry.amount),
                                    _("counterparty"): m.entry.counterparty_name or "",
                                    _("invoice"): m.item.label, _("how"): _(m.how)} for m in result.matched]),
                     hide_index=True, width="stretch", key="pay_matched")
        st.subheader(_("For a person ({n})").format(n=len(result.unmatched)))
        st.dataframe(pd.DataFrame([{_("date"): format_day(u.entry.booking_date),
                                    _("in/out"): _("in") if u.entry.credit else _("out"),
                                    _("amount"): format_money(u.entry.amount),
                                    _("counterparty"): u.entry.counterparty_name or "",
                                    _("communication"): u.entry.structured_reference or u.entry.unstructured or "",
                                    _("why"): _(u.reason)} for u in result.unmatched]),
                     hide_index=True, width="stretch", key="pay_unmatched")
