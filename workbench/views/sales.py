"""Sales: a client's customers, new invoices (draft → issue), credit notes, PDF/UBL, e-mail."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from models.enums import Role
from pipeline import api
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_, _, format_day, format_money, set_language
from pipeline.sales import api as sales
from pipeline.sales.contacts import ContactInput
from pipeline.sales.guards import NeedsConfirmation
from pipeline.sales.invoices import IssueRefused, LineInput
from workbench.components import page_head, plain

TYPE_WORDS = {"invoice": N_("invoice"), "credit_note": N_("credit note")}
PAID_WORDS = {"payment_prepared": N_("in a payment file"), "paid": N_("paid")}


def words(table: dict[str, str], value: object) -> str:
    text = "" if value is None else str(value)
    return _(table[text]) if text in table else text

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router

client = page_head(principal, _("Sales invoices"), "sales")


def _dec(value: object, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else default).replace(",", "."))
    except InvalidOperation as error:
        raise BoekbrugError(N_("{value} is not a number"), params={"value": repr(value)}) from error


def issue_asking(draft_id: int, confirmed: tuple[str, ...] = ()) -> sales.InvoiceRow:
    """Issue, or keep the draft and ask: a zero total, a credit note, no IBAN need a yes first."""
    try:
        return sales.issue_invoice(principal, draft_id, confirmed=confirmed)
    except NeedsConfirmation as asked:
        st.session_state["sales_confirm"] = (draft_id, asked.reasons)
        st.rerun()
        raise


asking = st.session_state.get("sales_confirm")
if asking is not None:
    draft_id, reasons = asking
    with st.container(border=True):
        st.warning(_("Draft {id} is not issued yet. Please confirm:").format(id=draft_id))
        for reason in reasons.values():
            st.markdown(f"- {plain(_(reason))}")
        yes, no = st.columns(2)
        if yes.button(_("Yes, issue it"), type="primary", key="sales_confirm_yes"):
            st.session_state.pop("sales_confirm", None)
            try:
                done = issue_asking(draft_id, tuple(reasons))
                st.session_state["sales_flash"] = _("{number} issued.").format(number=done.number)
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))
        if no.button(_("No, keep it as a draft"), key="sales_confirm_no"):
            st.session_state.pop("sales_confirm", None)
            st.rerun()

tab_new, tab_list, tab_customers, tab_profile = st.tabs([_("New invoice"), _("Invoices"), _("Customers"),
                                                        _("My details")])

with tab_customers:
    contacts = sales.list_contacts(principal, client.id)
    if contacts:
        st.dataframe(pd.DataFrame([{_("name"): c.name, _("VAT number"): c.vat or "",
                                    _("enterprise number"): c.enterprise_number or "",
                                    _("address"): c.address, _("country"): c.country, _("e-mail"): c.email or "",
                                    _("terms (days)"): c.payment_terms_days} for c in contacts]),
                     hide_index=True, width="stretch", key="sales_contacts")
    with st.form("sales_contact_form", clear_on_submit=True):
        st.markdown("**" + _("Add a customer") + "**")
        c1, c2, c3 = st.columns(3)
        name = c1.text_input(_("Name"), key="sc_name")
        vat = c2.text_input(_("VAT number"), key="sc_vat")
        kbo = c3.text_input(_("Enterprise number"), key="sc_kbo")
        street = c1.text_input(_("Street"), key="sc_street")
        postcode = c2.text_input(_("Postcode"), key="sc_postcode")
        city = c3.text_input(_("City"), key="sc_city")
        country = c1.text_input(_("Country"), value="BE", max_chars=2, key="sc_country")
        email = c2.text_input(_("E-mail"), key="sc_email")
        terms = c3.number_input(_("Payment terms (days)"), 0, 365, 30, key="sc_terms")
        if st.form_submit_button(_("Save customer")):
            try:
                saved = sales.save_contact(principal, client.id, ContactInput(
                    name, vat or None, kbo or None, street or None, postcode or None, city or None, country,
                    email or None, int(terms)))
                st.session_state["sales_flash"] = _("Customer {name} saved.").format(name=saved.name)
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))

with tab_profile:
    current = sales.profile(principal, client.id)
    with st.form("sales_profile_form"):
        st.caption(_("Printed on your invoices; the IBAN is also the account payments are made from."))
        p1, p2 = st.columns(2)
        p_street = p1.text_input(_("Street"), value=current.street or "" if current else "", key="sp_street")
        p_postcode = p2.text_input(_("Postcode"), value=current.postal_code or "" if current else "", key="sp_postcode")
        p_city = p1.text_input(_("City"), value=current.city or "" if current else "", key="sp_city")
        p_email = p2.text_input(_("E-mail"), value=current.email or "" if current else "", key="sp_email")
        p_iban = p1.text_input("IBAN", value=current.iban or "" if current else "", key="sp_iban")
        p_bic = p2.text_input(_("BIC (found from a Belgian IBAN when empty)"), value=current.bic or "" if current else "",
                              key="sp_bic")
        if st.form_submit_button(_("Save my details")):
            try:
                sales.save_profile(principal, client.id, street=p_street or None, postal_code=p_postcode or None,
                                   city=p_city or None, email=p_email or None, iban=p_iban or None, bic=p_bic or None)
                st.session_state["sales_flash"] = _("Details saved.")
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))

with tab_new:
    contacts = sales.list_contacts(principal, client.id)
    if not contacts:
        st.info(_("Add a customer first (tab Customers)."))
    else:
        customer = st.selectbox(_("Customer"), contacts, format_func=lambda c: c.name, key="sales_customer")
        st.caption(_("VAT: 21, 12, 6 % (category S); 0 % with Z, E, AE (reverse charge) or K (intra-EU supply)."))
        lines = st.data_editor(
            pd.DataFrame([{"description": "", "quantity": "1", "unit price": "0.00", "VAT %": "21",
                           "category": "S", "discount %": "0"}]),
            num_rows="dynamic", width="stretch", key="sales_lines",
            column_config={"category": st.column_config.SelectboxColumn(_("category"), options=["S", "Z", "E", "AE", "K"]),
                           "description": _("description"), "quantity": _("quantity"), "unit price": _("unit price"),
                           "VAT %": _("VAT %"), "discount %": _("discount %")},
        )
        note = st.text_input(_("Note on the invoice (optional)"), key="sales_note")
        if st.button(_("Issue invoice"), type="primary", key="sales_issue"):
            try:
                items = [LineInput(str(r["description"]), _dec(r["quantity"], "1"), _dec(r["unit price"]),
                                   _dec(r["VAT %"]), str(r["category"] or "S"), _dec(r["discount %"]))
                         for r in lines.to_dict("records") if str(r.get("description") or "").strip()]
                draft = sales.create_invoice(principal, client.id, customer.id, items, note=note or None)
                issued = issue_asking(draft.id)
                st.session_state["sales_flash"] = _("Invoice {number} issued: {total}, due {due}, {reference}.").format(
                    number=issued.number, total=format_money(issued.total_incl_vat), due=format_day(issued.due_date),
                    reference=issued.payment_reference)
                st.rerun()
            except IssueRefused as refused:
                st.error(plain(refused.words()))
                if principal.role is not Role.CLIENT:  # a client reads plain words, never rule ids
                    for finding in refused.findings:  # the official rule's own words: technical detail
                        st.caption(plain(_("Technical detail: {detail}").format(detail=finding)))
            except BoekbrugError as error:
                st.error(plain(error.words()))

with tab_list:
    rows = sales.list_sales(principal, client.id)
    if not rows:
        st.caption(_("No invoices yet."))
    st.dataframe(pd.DataFrame([{_("number"): r.number or _("draft {id}").format(id=r.id),
                                _("type"): words(TYPE_WORDS, r.document_type),
                                _("customer"): r.customer, _("date"): format_day(r.issue_date),
                                _("due"): format_day(r.due_date), _("total"): format_money(r.total_incl_vat),
                                _("communication"): r.payment_reference or "",
                                _("paid"): words(PAID_WORDS, r.payment_status),
                                _("sent to"): r.sent_to or "", _("credits"): r.credit_of or ""} for r in rows]),
                 hide_index=True, width="stretch", key="sales_table")
    issued = [r for r in rows if r.status == "issued"]
    drafts = [r for r in rows if r.status == "draft"]
    if issued:
        chosen = st.selectbox(_("Invoice"), issued, format_func=lambda r: f"{r.number} · {r.customer}",
                              key="sales_pick")
        name, pdf, xml = sales.files(principal, chosen.id)
        d1, d2, d3, d4 = st.columns(4)
        d1.download_button("PDF", pdf, f"{name}.pdf", "application/pdf", key="sales_pdf")
        d2.download_button("UBL", xml, f"{name}.xml", "application/xml", key="sales_xml")
        if d3.button(_("Send by e-mail"), key="sales_send"):
            try:
                st.session_state["sales_flash"] = _("{name} sent to {address}.").format(
                    name=name, address=sales.send(principal, chosen.id))
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))
        if chosen.document_type == "invoice" and d4.button(_("Credit note"), key="sales_credit"):
            try:
                credit = sales.credit_invoice(principal, chosen.id)
                done = issue_asking(credit.id)
                st.session_state["sales_flash"] = _("Credit note {number} issued for {invoice}.").format(
                    number=done.number, invoice=chosen.number)
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))
    for draft in drafts:
        c1, c2 = st.columns([4, 1])
        c1.write(_("Draft {id} · {type} · {customer} · {total}").format(
            id=draft.id, type=words(TYPE_WORDS, draft.document_type), customer=draft.customer,
            total=format_money(draft.total_incl_vat)))
        if c2.button(_("Issue"), key=f"sales_issue_{draft.id}"):
            try:
                done = issue_asking(draft.id)
                st.session_state["sales_flash"] = _("{number} issued.").format(number=done.number)
                st.rerun()
            except BoekbrugError as error:
                st.error(plain(error.words()))
