"""Upload: several invoices at once (PDF, images, .eml, UBL XML), one file after the other with its
progress shown; each file's outcome stays on screen (received, already received, refused with the
whole reason) until the user clears it; the statuses below update live."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from models.enums import DocumentStatus
from pipeline import api
from pipeline.core.config import settings
from pipeline.core.i18n import _, format_moment, set_language
from workbench.components import plain, reason_label, status_label

ACCEPTED = ["pdf", "png", "jpg", "jpeg", "tif", "tiff", "webp", "eml", "xml"]
RESULTS = "upload_results"  # this session's outcomes, one per file, newest batch first


@dataclass(frozen=True)
class Outcome:
    """What became of one uploaded file (kept in the session, shown until cleared)."""

    filename: str
    kind: str  # "received", "already", "refused"
    document_id: int | None
    reason: str | None  # the stored reason ("[code] message — hint"), shown in words


principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router


def outcome_of(result: api.UploadResult) -> Outcome:
    if result.error and result.document_id is None:
        return Outcome(result.filename, "refused", None, result.error)
    if not result.created:
        return Outcome(result.filename, "already", result.document_id, None)
    return Outcome(result.filename, "received", result.document_id, None)


def show(outcome: Outcome) -> None:
    name = plain(outcome.filename)
    if outcome.kind == "refused":
        st.error(_("{file}: not taken. {reason}").format(
            file=name, reason=plain(reason_label(outcome.reason, principal))), icon="❌")
    elif outcome.kind == "already":
        st.info(_("{file}: already received (document {id}); it is not counted twice.").format(
            file=name, id=outcome.document_id), icon="ℹ️")
    else:
        st.success(_("{file}: received as document {id}.").format(file=name, id=outcome.document_id), icon="✅")


UPLOADER_CSS = """<style>
.st-key-__KEY__ [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
.st-key-__KEY__ [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
.st-key-__KEY__ [data-testid="stFileUploaderDropzone"] button::after { content: "__CHOOSE__"; margin-left: 0.4rem; }
.st-key-__KEY__ [data-testid="stFileUploaderDropzone"] > :not(input):not(:has(button)) { visibility: hidden; }
</style>"""


def css_text(text: str) -> str:
    """``text`` as a CSS string's content (quotes, backslashes and line ends escaped; no markup can close it)."""
    return "".join(ch if ch.isalnum() or ch in " .,:;!?()'-" else f"\\{ord(ch):06x}" for ch in text)


st.title(_("Upload invoices"))
clients = api.clients_for(principal)
if not clients:
    st.warning(_("No client is linked to your account."))
    st.stop()
client = st.selectbox(_("For client"), clients, format_func=lambda c: c.name, key="upload_client",
                      disabled=len(clients) == 1)
round_no = st.session_state.setdefault("upload_round", 0)
limit_mb = settings().max_upload_mb
files = st.file_uploader(_("Invoices (PDF, JPEG/PNG/TIFF/WebP, .eml e-mails, UBL XML), at most {mb} MB a file")
                         .format(mb=limit_mb), type=ACCEPTED, accept_multiple_files=True, key=f"uploader-{round_no}",
                         max_upload_size=limit_mb)
# Streamlit writes its drop zone's words in English only ("Upload", "50MB per file • PDF, …", "Drag and drop
# files here") and offers no way to translate them: they are hidden, and the zone says ours, in the user's language
# (the label above already gives the limit and the kinds of file).
st.markdown(UPLOADER_CSS.replace("__KEY__", f"uploader-{round_no}").replace(
    "__CHOOSE__", css_text(_("Choose files or drop them here"))), unsafe_allow_html=True)
if st.button(_("Upload"), type="primary", key="upload_go", disabled=not files):
    chosen = list(files or [])
    batch: list[Outcome] = []
    known = st.session_state.setdefault("upload_ids", [])
    progress = st.progress(0.0, text=_("Uploading {n} files …").format(n=len(chosen)))
    for number, upload in enumerate(chosen, start=1):
        progress.progress((number - 1) / len(chosen),
                          text=_("File {i} of {n}: {file}").format(i=number, n=len(chosen), file=plain(upload.name)))
        for result in api.upload(principal, client.id, [(upload.name, upload.getvalue())]):
            outcome = outcome_of(result)
            batch.append(outcome)
            show(outcome)  # seen at once, while the next file goes up
            if result.document_id is not None and result.document_id not in known:
                known.append(result.document_id)
    progress.progress(1.0, text=_("{n} files handled.").format(n=len(chosen)))
    st.session_state[RESULTS] = batch + list(st.session_state.get(RESULTS) or [])
    st.session_state["upload_round"] = round_no + 1
    st.rerun()

kept: list[Outcome] = list(st.session_state.get(RESULTS) or [])
if kept:
    received = sum(1 for o in kept if o.kind == "received")
    already = sum(1 for o in kept if o.kind == "already")
    refused = sum(1 for o in kept if o.kind == "refused")
    head, clear = st.columns([4, 1], vertical_alignment="center")
    head.subheader(_("This session's uploads: {received} received, {already} already received, {refused} not taken")
                   .format(received=received, already=already, refused=refused))
    if clear.button(_("Clear these messages"), key="upload_clear"):
        st.session_state.pop(RESULTS, None)
        st.rerun()
    for outcome in kept:
        show(outcome)


@st.fragment(run_every="3s")
def statuses() -> None:
    """The latest documents of the visible clients (this session's uploads first), refreshed live."""
    set_language(principal.language)  # a fragment's rerun runs alone, in a thread of its own
    mine = st.session_state.get("upload_ids") or []
    rows = api.list_documents(principal, ids=mine, limit=200) if mine else []
    rows += [r for r in api.list_documents(principal, limit=30) if r.id not in set(mine)]
    if not rows:
        st.caption(_("Nothing uploaded yet."))
        return
    for row in rows:  # this session's files that failed reading: the whole reason, not a cut-off table cell
        if row.id in mine and row.status is DocumentStatus.FAILED:
            st.warning(_("{file} (document {id}) could not be read. {reason}").format(
                file=plain(row.filename), id=row.id, reason=plain(reason_label(row.error, principal))), icon="⚠️")
    st.dataframe(
        pd.DataFrame([{_("document"): r.id, _("file"): r.filename, _("client"): r.client_name,
                       _("status"): status_label(r.status, principal),
                       _("supplier"): r.supplier_name or "", _("number"): r.invoice_number or "",
                       _("received"): format_moment(r.received_at),
                       _("reason"): reason_label(r.error, principal)}
                      for r in rows]),
        hide_index=True, width="stretch", key="upload_statuses",
    )


st.subheader(_("Statuses"))
statuses()
