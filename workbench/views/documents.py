"""Documents: statuses with filters; failed ones with their reason and a Retry button; UBL downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.enums import DocumentStatus, Role
from pipeline import api
from pipeline.api import documents as documents_api
from pipeline.api import notices
from pipeline.core.i18n import N_, _, format_moment, format_money, set_language
from workbench.components import (
    STATE_WORDS,
    boxed_page,
    client_side,
    field_title,
    plain,
    reason_label,
    status_filter,
    status_label,
)

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router
HISTORY_WORDS = {
    "upload": N_("uploaded"), "validate": N_("checked and sent on"), "retry": N_("read again"),
    "confirm": N_("confirmed"), "correct": N_("corrected"), "postpone": N_("put aside for later"),
    "reject": N_("refused"), "not_invoice": N_("marked as not an invoice"), "group_verify": N_("checked in a group"),
    "not_duplicate_decided": N_("kept: not a duplicate"), "download": N_("downloaded"),
}
RHYTHM_WORDS = {"immediate": N_("at once"), "daily": N_("once a day, in one e-mail"), "off": N_("never")}


def notice_settings(client: api.ClientRef) -> None:
    """Where and how often the client hears of a document that needs them (unreadable, not an invoice, twice)."""
    current = notices.get_notices(principal, client.id)
    with st.expander(_("E-mail when a document needs {client}").format(client=client.name)), \
            st.form(f"notices-{client.id}"):
        st.caption(_("An e-mail tells which documents could not be read, were no invoice or arrived twice, and "
                     "what to do."))
        address = st.text_input(_("E-mail address"), value=current.email or "", key=f"notice-email-{client.id}")
        rhythm = st.radio(_("How often"), notices.RHYTHMS, index=notices.RHYTHMS.index(current.rhythm),
                          format_func=lambda r: _(RHYTHM_WORDS[r]), horizontal=True, key=f"notice-rhythm-{client.id}")
        if st.form_submit_button(_("Save")):
            try:
                notices.set_notices(principal, client.id, address, rhythm)
            except api.BoekbrugError:
                st.error(_("Give a valid e-mail address."))
            else:
                st.session_state["docs_flash"] = _("Notices saved.")
                st.rerun()


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
statuses = status_filter(f1, "docs_status", principal)
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


def open_document(document_id: int) -> None:
    """One document: its page with the field boxes, the fields as they stand, and its history."""
    try:
        row = api.document_detail(principal, document_id)
    except api.BoekbrugError:
        st.warning(_("This document does not exist or is not yours to see."))
        return
    st.subheader(_("Document {id} · {file}").format(id=row.id, file=plain(row.filename)))
    st.caption(f"{plain(row.client_name)} · {status_label(row.status, principal)} · {format_moment(row.received_at)}")
    if row.reason:
        st.caption(plain(reason_label(row.reason, principal)))
    left, right = st.columns([3, 2])
    with left:
        image = api.page_image(principal, row.id, 1)
        if image is not None and image.page_count > 1:
            number = st.number_input(_("Page"), min_value=1, max_value=image.page_count, value=1, step=1,
                                     key=f"docs_page_{row.id}")
            if number != 1:
                image = api.page_image(principal, row.id, int(number))
        if image is None:
            st.caption(_("No page to show."))
        else:
            st.image(boxed_page(image), width="stretch")
    with right:
        fields = documents_api.document_fields(principal, row.id)
        if fields:
            st.dataframe(pd.DataFrame([{_("field"): field_title(f.name), _("value"): f.value,
                                        _("state"): _(STATE_WORDS[f.state]) if f.state in STATE_WORDS else f.state}
                                       for f in fields]),
                         hide_index=True, width="stretch", key=f"docs_fields_{row.id}")
        else:
            st.caption(_("Nothing read yet."))
        st.markdown("**" + _("History") + "**")
        history = documents_api.document_history(principal, row.id)
        for entry in history:
            what = (_(HISTORY_WORDS[entry.action]) if entry.action in HISTORY_WORDS
                    else _("changed") if client_side(principal) else entry.action)
            if entry.field:
                what = f"{what}: {field_title(entry.field)}"
            if entry.old is not None or entry.new is not None:
                what = f"{what} ({plain(entry.old or '—')} → {plain(entry.new or '—')})"
            who = plain(entry.who) if entry.who else _("Boekbrug")
            st.caption(f"{format_moment(entry.at)} · {who} · {what}")
        if not history:
            st.caption(_("No history yet."))


# a document opens by its number (also from the address: ?document=12)
wanted = st.query_params.get("document")
choices = [None, *(r.id for r in rows)]
if wanted and wanted.isdigit() and int(wanted) not in choices:
    choices.append(int(wanted))
opened = st.selectbox(_("Open a document"), choices, key="docs_open",
                      index=choices.index(int(wanted)) if wanted and wanted.isdigit() else 0,
                      format_func=lambda i: _("—") if i is None else next(
                          (f"{r.id} · {r.supplier_name or r.filename} {r.invoice_number or ''}" for r in rows
                           if r.id == i), str(i)))
if opened is not None:
    st.query_params["document"] = str(opened)
    with st.container(border=True):
        open_document(opened)
elif "document" in st.query_params:
    del st.query_params["document"]

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
                st.error(plain(error.words()))
            else:
                st.session_state["docs_flash"] = _("Document {id} read again: now {status}.").format(
                    id=row.id, status=status_label(status, principal))
                st.rerun()

if notices.may_set_notices(principal):
    chosen_client = client or (clients[0] if len(clients) == 1 else None)
    if chosen_client is not None:
        notice_settings(chosen_client)
    else:
        st.caption(_("Choose a client above to set its e-mail notices."))

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
                st.error(plain(error.words()))
        ready = st.session_state.get("docs_ready")
        if ready:
            st.download_button(_("Download {file}").format(file=ready[0]), ready[1], file_name=ready[0], mime="application/xml",
                               key="docs_download")
