"""Library: the documents that left the validation centre, their booking proposals, and the hand-over.

Accountants (and admins) book and download; clients see their own documents, their
status and what went to the accountant; supervisors look, read-only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from models.enums import DeliveryChannel, DocumentStatus, DocumentType, Role
from pipeline import api
from workbench.components import boxed_page, field_title, plain

principal: api.Principal = st.session_state["principal"]
BOOKS = api.may_book(principal)
DOWNLOADS = api.may_download(principal)
CLIENT = principal.role is Role.CLIENT
HANDED_OVER = [DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED]
CHANNEL_WORDS = {DeliveryChannel.DOWNLOAD: "downloaded", DeliveryChannel.ZIP: "in a period ZIP",
                 DeliveryChannel.EXPORT_FOLDER: "exported to the accounting package",
                 DeliveryChannel.EMAIL: "mailed to the package's import mailbox",
                 DeliveryChannel.WEBHOOK: "posted to the package's webhook"}


def period_of(value: Any) -> tuple[date | None, date | None]:
    """The (from, to) of a date range input that may hold none, one or two dates."""
    chosen = tuple(value or ())
    return (chosen[0] if chosen else None, chosen[1] if len(chosen) > 1 else None)


def money(row: dict[str, Any]) -> str:
    total = row.get("total_incl_vat")
    return "" if total is None else f"{row.get('currency') or ''} {total}".strip()


def span_of(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "all dates"
    if end is None:
        return f"from {start:%d/%m/%Y}"
    if start is None:
        return f"until {end:%d/%m/%Y}"
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


def when(moment: Any) -> str:
    return "" if moment is None else f"{moment:%d/%m/%Y %H:%M}"


st.title("Library")
flash = st.session_state.pop("lib_flash", None)
if flash:
    st.success(flash)
if CLIENT:
    st.caption("Your documents, where they stand, and what went to your accountant.")
elif not BOOKS:
    st.caption("Read-only: the validation centre looks at the library; the accountants book and download.")

clients = api.clients_for(principal)
if not clients:
    st.warning("No client is linked to your account.")
    st.stop()

f1, f2, f3, f4, f5 = st.columns([2, 2, 2, 1.3, 2.5])
if len(clients) == 1:
    client: api.ClientRef | None = clients[0]
    f1.selectbox("Client", clients, format_func=lambda c: c.name, key="lib_client_only", disabled=True)
else:
    client = f1.selectbox("Client", [None, *clients], format_func=lambda c: "all clients" if c is None else c.name,
                          key="lib_client")
date_from, date_to = period_of(f2.date_input("Period (invoice date)", value=[], format="DD/MM/YYYY", key="lib_period"))
supplier = f3.text_input("Supplier (name or VAT number)", key="lib_supplier")
doc_type = f4.selectbox("Type", [None, *DocumentType], format_func=lambda t: "all types" if t is None else str(t),
                        key="lib_type")
statuses = f5.multiselect("Status", list(DocumentStatus), default=[] if CLIENT else HANDED_OVER, format_func=str,
                          key="lib_status")

try:
    rows = api.library_rows(principal, client_id=client.id if client else None, date_from=date_from, date_to=date_to,
                            supplier=supplier or None, document_type=doc_type, statuses=statuses or None)
except api.BoekbrugError as error:
    st.error(error.reason())
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Documents", len(rows))
m2.metric("Not yet delivered", sum(1 for r in rows if r["ubl_filename"] and not r["deliveries"]))
m3.metric("Booked", sum(1 for r in rows if r["booking"] in ("accepted", "overridden")))
if not CLIENT:
    rate = api.acceptance_rate(principal, client_id=client.id if client else None)
    m4.metric("Booked as proposed", "—" if rate is None else f"{rate:.0%}",
              help="Share of the office's booked documents whose proposed ledger account and VAT code were kept.")

frame = pd.DataFrame([{
    "document": r["document_id"], "client": r["client"], "supplier": r["supplier_name"] or "",
    "number": r["invoice_number"] or "", "date": r["issue_date"], "total": money(r),
    "type": r["document_type"] or "", "status": r["status"], "validated by": r["validated_by"],
    "ledger": r["ledger_account"] or "", "VAT code": r["vat_code"] or "", "booking": r["booking"],
    ("to accountant" if CLIENT else "delivered"): r["delivered_at"],
    "second copy of": r["second_copy_of"] or "",  # the same invoice as that document: not a new purchase
} for r in rows])
event = st.dataframe(frame, hide_index=True, width="stretch", key="lib_table", on_select="rerun",
                     selection_mode="single-row")
ids = [r["document_id"] for r in rows]
labels = {r["document_id"]: f"{r['document_id']} · {r['supplier_name'] or r['original_filename']} "
                            f"{r['invoice_number'] or ''}".strip() for r in rows}
picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
if picked and picked[0] < len(ids) and st.session_state.get("lib_table_seen") != ids[picked[0]]:
    st.session_state["lib_table_seen"] = ids[picked[0]]  # a new row chosen in the table opens it below
    st.session_state["lib_doc"] = ids[picked[0]]
if st.session_state.get("lib_doc") not in ids:
    st.session_state.pop("lib_doc", None)
if not rows:
    st.caption("No document matches these filters.")
chosen = st.selectbox("Open document", ids, index=None, format_func=lambda i: labels.get(i, str(i)), key="lib_doc",
                      placeholder="Select a row in the table, or pick a document here")

if chosen is not None:
    try:
        doc = api.library_document(principal, chosen)
    except api.BoekbrugError as error:
        st.error(error.reason())
        st.stop()
    st.subheader(f"Document {doc.id} · {plain(doc.filename)}")
    st.caption(f"{plain(doc.client_name)} · {doc.status} · validated by: {plain(doc.validated_by or '—')}"
               + (" (released by the machine alone)" if doc.auto_released else ""))
    if doc.may_download and doc.ubl_filename:
        d1, d2 = st.columns([1, 2], vertical_alignment="center")
        d1.download_button(f"Download UBL · {doc.ubl_filename}",
                           data=lambda document_id=doc.id: api.download_ubl(principal, document_id)[1],
                           file_name=doc.ubl_filename, mime="application/xml", key=f"lib_ubl_{doc.id}")
        if doc.deliveries and not CLIENT:
            d2.info("Already delivered; downloading it again records another delivery.", icon="ℹ️")
    left, right = st.columns([1, 1])
    with left:
        if doc.has_pages:
            page = 1
            if doc.page_count > 1:
                page = int(st.number_input("Page", 1, doc.page_count, 1, key=f"lib_page_{doc.id}"))
            image = api.page_image(principal, doc.id, page)
            if image is not None:
                st.image(boxed_page(image), caption=f"page {image.page} of {image.page_count}", width="stretch")
        else:
            st.info("This invoice arrived as a structured e-invoice (UBL): there is no page to show; "
                    "the fields are what the sender's file says.")
    with right:
        st.dataframe(pd.DataFrame([{
            "field": field_title(f.name), "value": f.text,
            "machine read": f.machine_text if f.machine_text != f.text else "", "state": str(f.state),
            "checked by": f.checked_by,
        } for f in doc.fields]), hide_index=True, width="stretch", key=f"lib_fields_{doc.id}")
        if doc.deliveries:
            for delivery in doc.deliveries:
                st.caption(f"📦 {CHANNEL_WORDS.get(delivery.channel, str(delivery.channel))} on "
                           f"{when(delivery.at)} by {delivery.by}")
        elif doc.ubl_filename:
            st.caption("Not delivered to the accountant yet.")
        if doc.profile:
            st.caption(f"UBL: {doc.profile}")
        for sent in doc.forwardings:  # to the office's folder, import mailbox or webhook
            if sent.state == "delivered":
                st.caption(f"✅ sent to {sent.target} on {when(sent.delivered_at)}")
            else:
                st.warning(f"Not yet sent to {sent.target} ({sent.attempts} attempt(s)); tried again "
                           f"automatically at {when(sent.next_attempt_at)}. Last answer: {sent.last_error or '—'}")
        if BOOKS and doc.ubl_filename and st.button("Deliver again", key=f"lib_redeliver_{doc.id}"):
            sent_ok, not_ok = api.deliver_again(principal, doc.id)
            st.success(f"Sent again: {sent_ok} delivered" + (f", {not_ok} to be retried" if not_ok else ""))

    st.subheader("Booking")
    if not doc.proposals:
        st.caption("No booking proposal yet.")
        if BOOKS and doc.status in HANDED_OVER and st.button("Propose booking", key=f"lib_propose_{doc.id}"):
            try:
                api.propose_booking(principal, doc.id)
            except api.BoekbrugError as error:
                st.error(error.reason())
            else:
                st.rerun()
    elif not doc.may_book:
        st.dataframe(pd.DataFrame([{
            "what": p.label, "ledger": p.booked_ledger_account or "", "VAT code": p.booked_vat_code or "",
            "booking": p.state, "by": p.decided_by or "",
        } for p in doc.proposals]), hide_index=True, width="stretch", key=f"lib_booking_ro_{doc.id}")
    else:
        for p in doc.proposals:
            c1, c2, c3, c4 = st.columns([3, 1.3, 1.3, 1], vertical_alignment="bottom")
            with c1:
                st.markdown(f"**{plain(p.label)}**")
                decided = "" if p.state == "proposed" else f" · {p.state} by {p.decided_by or '—'}"
                st.caption(f"proposed {p.ledger_account or '—'} / {p.vat_code or '—'} "
                           f"({p.confidence:.0%}) · {p.basis}{decided}")
            ledger = c2.text_input("Ledger account", value=p.booked_ledger_account or "", key=f"lib_ledger_{p.id}")
            code = c3.text_input("VAT code", value=p.booked_vat_code or "", key=f"lib_vat_{p.id}")
            same = (ledger.strip() or None, code.strip() or None) == (p.ledger_account, p.vat_code)
            if c4.button("Accept" if same else "Change", key=f"lib_decide_{p.id}", type="primary" if same else "secondary",
                         disabled=not ledger.strip(), help=None if ledger.strip() else "Enter a ledger account first."):
                try:
                    result = api.decide_booking(principal, p.id, ledger, code)
                except api.BoekbrugError as error:
                    st.error(error.reason())
                else:
                    st.session_state["lib_flash"] = (f"{result.label} of document {doc.id} booked on "
                                                     f"{result.booked_ledger_account or '—'} / "
                                                     f"{result.booked_vat_code or '—'} ({result.state}).")
                    st.rerun()


if BOOKS:
    st.subheader("ZIP for a period")
    target = client if client is not None else None
    if target is None:
        st.caption("Choose a client above to download the period's UBL files with a summary (CSV).")
    else:
        counts = api.period_counts(principal, target.id, date_from, date_to)
        span = span_of(date_from, date_to)
        if counts.delivered:
            st.info(f"{counts.delivered} document(s) of {target.name} ({span}) were already delivered; "
                    "they are left out unless you include them.")
        again = st.checkbox("Include already delivered", key="lib_zip_again")
        count = counts.ready + (counts.delivered if again else 0)
        st.download_button(
            f"ZIP · {target.name} · {span} · {count} document(s)",
            data=lambda c=target.id, a=date_from, b=date_to, i=again: api.deliver_zip(principal, c, a, b,
                                                                                    include_delivered=i)[1],
            file_name=api.zip_filename(target.name, date_from, date_to), mime="application/zip",
            key="lib_zip", disabled=count == 0,
        )
        st.caption("The ZIP holds the UBL files, summary.csv and bookings.csv; each document in it is recorded "
                   "as delivered.")
