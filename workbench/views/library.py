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
from pipeline.core.i18n import (
    N_,
    _,
    format_day,
    format_moment,
    format_money,
    set_language,
)
from workbench.components import (
    STATE_WORDS,
    boxed_page,
    field_title,
    plain,
    status_filter,
    status_label,
)

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router
BOOKS = api.may_book(principal)
DOWNLOADS = api.may_download(principal)
CLIENT = principal.role is Role.CLIENT
HANDED_OVER = [DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED]
CHANNEL_WORDS = {DeliveryChannel.DOWNLOAD: N_("downloaded"), DeliveryChannel.ZIP: N_("in a period ZIP"),
                 DeliveryChannel.EXPORT_FOLDER: N_("exported to the accounting package"),
                 DeliveryChannel.EMAIL: N_("mailed to the package's import mailbox"),
                 DeliveryChannel.WEBHOOK: N_("posted to the package's webhook")}
TYPE_WORDS = {DocumentType.INVOICE: N_("invoice"), DocumentType.CREDIT_NOTE: N_("credit note"),
              DocumentType.RECEIPT: N_("receipt"), DocumentType.NOT_AN_INVOICE: N_("not an invoice")}
BOOKING_WORDS = {"proposed": N_("proposed"), "accepted": N_("accepted"), "overridden": N_("overridden"),
                 "none": N_("not yet"), "": ""}


def type_words(value: Any) -> str:
    try:
        return _(TYPE_WORDS[DocumentType(value)]) if value else ""
    except (KeyError, ValueError):
        return str(value)


def booking_words(value: Any) -> str:
    text = "" if value is None else str(value)
    return _(BOOKING_WORDS[text]) if BOOKING_WORDS.get(text) else text


def period_of(value: Any) -> tuple[date | None, date | None]:
    """The (from, to) of a date range input that may hold none, one or two dates."""
    chosen = tuple(value or ())
    return (chosen[0] if chosen else None, chosen[1] if len(chosen) > 1 else None)


def money(row: dict[str, Any]) -> str:
    """The total incl. VAT; a credit note as a credit (negative)."""
    total = row.get("signed_total", row.get("total_incl_vat"))
    return "" if total is None else format_money(total, row.get("currency") or "EUR")


def span_of(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return _("all dates")
    if end is None:
        return _("from {day}").format(day=format_day(start))
    if start is None:
        return _("until {day}").format(day=format_day(end))
    return f"{format_day(start)} – {format_day(end)}"


def when(moment: Any) -> str:
    return "" if moment is None else format_moment(moment)


st.title(_("Library"))
flash = st.session_state.pop("lib_flash", None)
if flash:
    st.success(flash)
if CLIENT:
    st.caption(_("Your documents, where they stand, and what went to your accountant."))
elif not BOOKS:
    st.caption(_("Read-only: the validation centre looks at the library; the accountants book and download."))

clients = api.clients_for(principal)
if not clients:
    st.warning(_("No client is linked to your account."))
    st.stop()

f1, f2, f3, f4, f5 = st.columns([2, 2, 2, 1.3, 2.5])
if len(clients) == 1:
    client: api.ClientRef | None = clients[0]
    f1.selectbox(_("Client"), clients, format_func=lambda c: c.name, key="lib_client_only", disabled=True)
else:
    client = f1.selectbox(_("Client"), [None, *clients], format_func=lambda c: _("all clients") if c is None else c.name,
                          key="lib_client")
date_from, date_to = period_of(f2.date_input(_("Period (invoice date)"), value=[], format="DD/MM/YYYY", key="lib_period"))
supplier = f3.text_input(_("Supplier (name or VAT number)"), key="lib_supplier")
doc_type = f4.selectbox(_("Type"), [None, *DocumentType], format_func=lambda t: _("all types") if t is None else type_words(t),
                        key="lib_type")
statuses = status_filter(f5, "lib_status", principal, default=[] if CLIENT else HANDED_OVER)

# purchases and the client's own sales invoices are kept apart (its own invoice is not a cost)
DIRECTION_WORDS = {"purchase": N_("Purchases"), "sales": N_("Own sales invoices")}
direction = st.segmented_control(_("Kind"), list(DIRECTION_WORDS), default="purchase", key="lib_direction",
                                 format_func=lambda d: _(DIRECTION_WORDS[d]), label_visibility="collapsed") or "purchase"
try:
    rows = api.library_rows(principal, client_id=client.id if client else None, date_from=date_from, date_to=date_to,
                            supplier=supplier or None, document_type=doc_type, statuses=statuses or None,
                            direction=direction)
except api.BoekbrugError as error:
    st.error(plain(error.words()))
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Documents"), len(rows))
m2.metric(_("Not yet delivered"), sum(1 for r in rows if r["ubl_filename"] and not r["deliveries"]))
m3.metric(_("Booked"), sum(1 for r in rows if r["booking"] in ("accepted", "overridden")))
if not CLIENT:
    rate = api.acceptance_rate(principal, client_id=client.id if client else None)
    m4.metric(_("Booked as proposed"), "—" if rate is None else f"{rate:.0%}",
              help=_("Share of the office's booked documents whose proposed ledger account and VAT code were kept."))

frame = pd.DataFrame([{
    _("document"): r["document_id"], _("client"): r["client"], _("supplier"): r["supplier_name"] or "",
    _("number"): r["invoice_number"] or "", _("date"): format_day(r["issue_date"]), _("total"): money(r),
    _("type"): type_words(r["document_type"]), _("status"): status_label(r["status"], principal),
    _("validated by"): r["validated_by"],
    _("ledger"): r["ledger_account"] or "", _("VAT code"): r["vat_code"] or "", _("booking"): booking_words(r["booking"]),
    (_("to accountant") if CLIENT else _("delivered")): format_moment(r["delivered_at"]),
    _("second copy of"): r["second_copy_of"] or "",  # the same invoice as that document: not a new purchase
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
    st.caption(_("No document matches these filters."))
chosen = st.selectbox(_("Open document"), ids, index=None, format_func=lambda i: labels.get(i, str(i)), key="lib_doc",
                      placeholder=_("Select a row in the table, or pick a document here"))

# DEFERRED_DOWNLOAD: the file is made when the button is clicked (that records the delivery), on
# a thread of its own. A rerun on the click raced it: the rerun redrew the button (now beside
# "Already delivered") before the file came back, and the browser never got the file, its button
# left spinning. So a download reruns nothing; the next action shows the delivery.
if chosen is not None:
    try:
        doc = api.library_document(principal, chosen)
    except api.BoekbrugError as error:
        st.error(plain(error.words()))
        st.stop()
    st.subheader(_("Document {id} · {file}").format(id=doc.id, file=plain(doc.filename)))
    st.caption(_("{client} · {status} · validated by: {who}").format(
        client=plain(doc.client_name), status=status_label(doc.status, principal), who=plain(doc.validated_by or "—"))
        + (" " + _("(released by the machine alone)") if doc.auto_released else ""))
    if doc.may_download and doc.ubl_filename:
        d1, d2 = st.columns([1, 2], vertical_alignment="center")
        d1.download_button(_("Download UBL · {file}").format(file=doc.ubl_filename),
                           data=lambda document_id=doc.id: api.download_ubl(principal, document_id)[1],
                           file_name=doc.ubl_filename, mime="application/xml", key=f"lib_ubl_{doc.id}",
                           on_click="ignore")  # DEFERRED_DOWNLOAD
        if doc.deliveries and not CLIENT:
            d2.info(_("Already delivered; downloading it again records another delivery."), icon="ℹ️")
    left, right = st.columns([1, 1])
    with left:
        if doc.has_pages:
            page = 1
            if doc.page_count > 1:
                page = int(st.number_input(_("Page"), 1, doc.page_count, 1, key=f"lib_page_{doc.id}"))
            image = api.page_image(principal, doc.id, page)
            if image is not None:
                st.image(boxed_page(image), caption=_("page {page} of {pages}").format(page=image.page, pages=image.page_count), width="stretch")
        else:
            st.info(_("This invoice arrived as a structured e-invoice (UBL): there is no page to show; "
                      "the fields are what the sender's file says."))
    with right:
        st.dataframe(pd.DataFrame([{
            _("field"): field_title(f.name), _("value"): f.text,
            _("machine read"): f.machine_text if f.machine_text != f.text else "",
            _("state"): _(STATE_WORDS[f.state]) if f.state in STATE_WORDS else str(f.state),
            _("checked by"): f.checked_by,
        } for f in doc.fields]), hide_index=True, width="stretch", key=f"lib_fields_{doc.id}")
        if doc.deliveries:
            for delivery in doc.deliveries:
                how = _(CHANNEL_WORDS[delivery.channel]) if delivery.channel in CHANNEL_WORDS else str(delivery.channel)
                st.caption("📦 " + _("{how} on {when} by {who}").format(how=how, when=when(delivery.at), who=delivery.by))
        elif doc.ubl_filename:
            st.caption(_("Not delivered to the accountant yet."))
        if doc.profile:
            st.caption(f"UBL: {doc.profile}")
        for sent in doc.forwardings:  # to the office's folder, import mailbox or webhook
            if sent.state == "delivered":
                st.caption("✅ " + _("sent to {target} on {when}").format(target=sent.target, when=when(sent.delivered_at)))
            else:
                st.warning(_("Not yet sent to {target} ({n} attempts); tried again automatically at {when}. "
                             "Last answer: {answer}").format(target=sent.target, n=sent.attempts,
                                                            when=when(sent.next_attempt_at),
                                                            answer=sent.last_error or "—"))
        if BOOKS and doc.ubl_filename and st.button(_("Deliver again"), key=f"lib_redeliver_{doc.id}"):
            sent_ok, not_ok = api.deliver_again(principal, doc.id)
            st.success(_("Sent again: {n} delivered.").format(n=sent_ok)
                       + (" " + _("{n} to be retried.").format(n=not_ok) if not_ok else ""))

    st.subheader(_("Booking"))
    if not doc.proposals:
        st.caption(_("No booking proposal yet."))
        if BOOKS and doc.status in HANDED_OVER and st.button(_("Propose booking"), key=f"lib_propose_{doc.id}"):
            try:
                api.propose_booking(principal, doc.id)
            except api.BoekbrugError as error:
                st.error(plain(error.words()))
            else:
                st.rerun()
    elif not doc.may_book:
        st.dataframe(pd.DataFrame([{
            _("what"): p.label, _("ledger"): p.booked_ledger_account or "", _("VAT code"): p.booked_vat_code or "",
            _("booking"): booking_words(p.state), _("by"): p.decided_by or "",
        } for p in doc.proposals]), hide_index=True, width="stretch", key=f"lib_booking_ro_{doc.id}")
    else:
        for p in doc.proposals:
            c1, c2, c3, c4 = st.columns([3, 1.3, 1.3, 1], vertical_alignment="bottom")
            with c1:
                st.markdown(f"**{plain(p.label)}**")
                decided = "" if p.state == "proposed" else " · " + _("{state} by {who}").format(
                    state=booking_words(p.state), who=p.decided_by or "—")
                st.caption(_("proposed {ledger} / {code} ({confidence}) · {basis}").format(
                    ledger=p.ledger_account or "—", code=p.vat_code or "—", confidence=f"{p.confidence:.0%}",
                    basis=p.basis) + decided)
            ledger = c2.text_input(_("Ledger account"), value=p.booked_ledger_account or "", key=f"lib_ledger_{p.id}")
            code = c3.text_input(_("VAT code"), value=p.booked_vat_code or "", key=f"lib_vat_{p.id}")
            same = (ledger.strip() or None, code.strip() or None) == (p.ledger_account, p.vat_code)
            if c4.button(_("Accept") if same else _("Change"), key=f"lib_decide_{p.id}", type="primary" if same else "secondary",
                         disabled=not ledger.strip(), help=None if ledger.strip() else _("Enter a ledger account first.")):
                try:
                    result = api.decide_booking(principal, p.id, ledger, code)
                except api.BoekbrugError as error:
                    st.error(plain(error.words()))
                else:
                    st.session_state["lib_flash"] = _("{what} of document {id} booked on {ledger} / {code} "
                                                      "({state}).").format(
                        what=result.label, id=doc.id, ledger=result.booked_ledger_account or "—",
                        code=result.booked_vat_code or "—", state=booking_words(result.state))
                    st.rerun()


if BOOKS:
    st.subheader(_("ZIP for a period"))
    target = client if client is not None else None
    if target is None:
        st.caption(_("Choose a client above to download the period's UBL files with a summary (CSV)."))
    else:
        counts = api.period_counts(principal, target.id, date_from, date_to)
        span = span_of(date_from, date_to)
        if counts.delivered:
            st.info(_("{n} document(s) of {client} ({span}) were already delivered; they are left out unless you "
                      "include them.").format(n=counts.delivered, client=target.name, span=span))
        again = st.checkbox(_("Include already delivered"), key="lib_zip_again")
        count = counts.ready + (counts.delivered if again else 0)
        st.download_button(
            _("ZIP · {client} · {span} · {n} document(s)").format(client=target.name, span=span, n=count),
            data=lambda c=target.id, a=date_from, b=date_to, i=again: api.deliver_zip(principal, c, a, b,
                                                                                    include_delivered=i)[1],
            file_name=api.zip_filename(target.name, date_from, date_to), mime="application/zip",
            key="lib_zip", disabled=count == 0, on_click="ignore",  # DEFERRED_DOWNLOAD
        )
        st.caption(_("The ZIP holds the UBL files, summary.csv and bookings.csv; each document in it is recorded "
                     "as delivered."))
