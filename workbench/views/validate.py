"""Validate: the page on the left (it stays in view), the fields on the right.

Keyboard flow: the first field that needs a look has the focus (a single field, else
the "lines are right" confirmation of the invoice lines and VAT breakdown). The fields
that need a look come first and together; the certain ones are folded ("N certain
fields") but stay editable. Type over a wrong value — or click its word on the page
(drag a box for several words) to fill the field with the cursor from the reading —
Alt+J to the next field needing a look, Enter saves (changed values are corrections,
unchanged doubtful ones confirmations) and the next document opens by itself, its first
field needing a look ready for typing. The other decisions have their keys too; the keys
are shown on the page. Every widget key names the task and its version, so a form
belongs to exactly one task; a save names the task, its version and the document.

Speed: a decision is taken in the button's callback, so an Enter runs the page once
(not once for the old document and again for the new one); the page and the grids
rerun on their own (fragments) when the operator zooms, picks a word or edits a row;
the drawn page, its words and the crops are cached under the original's hash; and
while the operator works, the next task's page is drawn ahead in the background.

A suspected duplicate shows both documents side by side and has no form: the operator
chooses "Same invoice" or "A different invoice"; Enter alone decides nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from models.enums import DocumentStatus, FieldState, TaskKind
from pipeline import api
from pipeline.core.i18n import N_, _, format_number, set_language
from pipeline.core.plain_words import centre_words
from workbench import components as ui
from workbench import pageview

log = logging.getLogger(__name__)

LIST_FIELDS = ("vat_breakdown", "lines")
BREAKDOWN_COLUMNS = ["rate", "base", "amount", "category", "exemption_reason"]
LINE_COLUMNS = ["description", "quantity", "unit_price", "net_amount", "vat_rate", "vat_category"]
CONFIRM_STATES = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK)
LINES_OK = "linesok"  # widget key prefix of the "lines are right" confirmation
KIND_WORDS = {TaskKind.VALIDATE: N_("fields to check"), TaskKind.SECOND_LOOK: N_("second look"),
              TaskKind.DUPLICATE: N_("suspected duplicate"), TaskKind.RULE_FAILURE: N_("the official rules refused it")}
RENEW_AFTER_S = 60  # the lease is renewed at most this often (it lasts settings.lease_seconds)
ZOOMS = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5)
# the keys, one place: (shortcut as Streamlit takes it, what it does)
KEY_SAVE, KEY_NEXT_FIELD, KEY_REJECT, KEY_POSTPONE, KEY_NOT_INVOICE, KEY_ZOOM_IN, KEY_ZOOM_OUT = (
    "Alt+S", "Alt+J", "Alt+X", "Alt+P", "Alt+N", "Alt+I", "Alt+O")

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router


# ------------------------------------------------------------------- cached drawing
@st.cache_data(max_entries=48, show_spinner=False)
def drawn_page(sha256: str, document_id: int, page: int, _principal: api.Principal) -> api.PageImage | None:
    """The page as drawn from the original (never changes for one original: cached under its hash)."""
    return api.page_image(_principal, document_id, page)


@st.cache_data(max_entries=48, ttl=900, show_spinner=False)
def read_words(sha256: str, document_id: int, page: int, _principal: api.Principal) -> tuple[api.PageWord, ...]:
    return api.page_words(_principal, document_id, page)


@st.cache_data(max_entries=256, show_spinner=False)
def cropped(sha256: str, document_id: int, page: int, bbox: tuple[float, ...], _png: bytes) -> bytes:
    return api.crop_png(_png, bbox)


def crop_of(task: api.TaskView, image: api.PageImage | None, field: api.TaskField) -> bytes | None:
    if image is None or field.bbox is None or (field.page or 1) != image.page:
        return None
    return cropped(task.document.sha256, task.document.id, image.page, tuple(field.bbox), image.png)


def warm_next(who: api.Principal) -> None:
    """Draw the page (words, crops) of the task this operator will most likely get next, ahead."""
    try:
        task_id = api.peek_next_task(who)
        if task_id is None:
            return
        view = api.open_task_view(who, task_id)
        image = drawn_page(view.document.sha256, view.document.id, 1, who)
        read_words(view.document.sha256, view.document.id, 1, who)
        for field in view.fields:
            if field.needs_look:
                crop_of(view, image, field)
    except Exception:  # drawing ahead is a nicety: the page draws it when it comes
        log.debug("drawing the next page ahead failed", exc_info=True)


def prefetch() -> None:
    thread = threading.Thread(target=warm_next, args=(principal,), name="validate-prefetch", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()


# ---------------------------------------------------------------------- decisions
def open_next() -> None:
    """Claim the next task and make it the one on screen (a callback: the page then runs once)."""
    set_language(principal.language)  # a callback runs before the router has set it for this run
    for stale in ("wb_warned", "wb_fill", "wb_error"):
        st.session_state.pop(stale, None)
    task = api.next_task(principal)
    st.session_state["wb_task"] = task
    st.session_state["wb_started"] = time.monotonic()
    if task is None:
        st.session_state["wb_flash"] = st.session_state.get("wb_flash") or _("The queue is empty.")
    else:
        st.session_state["wb_renewed"] = (task.task_id, time.monotonic())  # a claim comes with a fresh lease
        prefetch()


def on_screen(task: api.TaskView) -> bool:
    """Whether ``task`` (this version) is the one on screen: a key pressed while the next document
    arrives may reach a button of the last one, which must then decide nothing."""
    shown = st.session_state.get("wb_task")
    return shown is not None and (shown.task_id, shown.version) == (task.task_id, task.version)


def finish(task: api.TaskView, action: str, call: Any, **words: Any) -> None:
    """Run a decision on the task (a callback); report a conflict in words; open the next task.
    ``action``: the decision's words, untranslated (``N_``): a callback runs before the page sets the language.
    A button of the last document, still on screen while the next one arrives, decides nothing."""
    if not on_screen(task):
        return
    set_language(principal.language)
    action = _(action).format(**words)
    try:
        status = call()
    except api.Conflict as error:
        st.session_state["wb_flash"] = "⚠️ " + _("{message} — the task was reloaded from the queue.").format(
            message=_(error.message))
    except api.BoekbrugError as error:
        st.session_state["wb_error"] = _(error.message)
        return
    else:
        st.session_state["wb_flash"] = _("{action} — document is now: {status}. Next document.").format(
            action=action, status=ui.status_label(status, principal))
    open_next()


def save_form(task: api.TaskView, task_key: str) -> None:
    """Enter: corrections and confirmations saved, the next document opened (the form's callback)."""
    if not on_screen(task):
        return
    set_language(principal.language)
    scalar = [f for f in task.fields if f.name not in LIST_FIELDS]
    list_doubt = [f for f in task.fields if f.name in LIST_FIELDS and f.needs_look]
    state = st.session_state
    typed = {f.name: str(state.get(f"in-{task_key}-{f.name}") or "").strip() for f in scalar}
    corrections: dict[str, Any] = {}
    confirmed: list[str] = []
    for field in scalar:
        if typed[field.name] != field.text.strip():
            corrections[field.name] = typed[field.name]
        elif field.state in CONFIRM_STATES:
            confirmed.append(field.name)
    grids = (state.get("wb_grids") or {}).get(task_key) or {}
    for name, (before, now) in grids.items():
        if now != before:
            corrections[name] = now
    unconfirmed = [f.name for f in list_doubt if f.name not in corrections]
    if unconfirmed and not state.get(f"{LINES_OK}-{task_key}"):
        state["wb_flash"] = "⚠️ " + _("Not saved: tick 'Lines are right' (Space) or correct the {titles} "
                                      "first.").format(titles=" & ".join(ui.field_title(n) for n in unconfirmed))
        return
    confirmed.extend(f.name for f in list_doubt if f.name in unconfirmed and f.state in CONFIRM_STATES)
    sums = state.get("wb_sums", {}).get(task_key)
    if state.get(f"sums-{task_key}") and sums is not None:
        base_sum, vat_sum = sums
        corrections |= {"total_excl_vat": f"{base_sum:.2f}", "total_vat": f"{vat_sum:.2f}",
                        "total_incl_vat": f"{base_sum + vat_sum:.2f}"}
    all_values = {f.name: f.value for f in task.fields} | corrections
    problems = {name: api.check_value(name, value, all_values) for name, value in corrections.items()}
    problems = {name: found for name, found in problems.items() if found}
    signature = repr(sorted(corrections.items(), key=lambda kv: kv[0]))
    if problems and (state.get("wb_warned") or {}).get("signature") != signature:
        state["wb_warned"] = {"signature": signature, "messages": problems}
        state["wb_flash"] = "⚠️ " + _("Some values fail a check (see below). Press Enter again to save them anyway.")
        return
    spent = time.monotonic() - float(state.get("wb_started") or time.monotonic())
    try:
        result = api.save(principal, task.task_id, task.version, corrections, confirmed, None, spent,
                          document_id=task.document.id)
    except api.Conflict as error:
        api.record_conflict(principal, task.task_id, corrections)
        state["wb_flash"] = "⚠️ " + _("{message}: your values were not saved (kept in the audit log).").format(
            message=_(error.message))
        open_next()
    except api.BoekbrugError as error:
        state["wb_error"] = _(error.message) + (f" — {_(error.hint)}" if error.hint else "")
    else:
        changed = ", ".join(ui.field_title(n) for n in result.corrected) or _("nothing corrected")
        state["wb_flash"] = _("Saved — next document. ({file}: {status}; {changed})").format(
            file=task.document.filename, status=ui.status_label(result.status, principal), changed=changed)
        open_next()


def pick(task: api.TaskView, task_key: str, key: str) -> None:
    """Words picked on the page (the viewer's callback): read as a value of the field with the cursor."""
    picked = (st.session_state.get(key) or {}).get("pick") or {}
    field, words = str(picked.get("field") or ""), [str(w) for w in picked.get("words") or []]
    if not words or task.field(field) is None or field in LIST_FIELDS:
        return
    filled = api.value_from_reading(field, words)
    st.session_state["wb_fill"] = {"task": task_key, "field": field, "text": filled.text,
                                   "problem": bool(filled.problem), "words": " ".join(words),
                                   "nonce": str(picked.get("nonce") or time.monotonic())}


def zoom_by(step: int) -> None:
    now = st.session_state.get("wb_zoom", 1.0)
    index = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - now))
    st.session_state["wb_zoom"] = ZOOMS[min(max(index + step, 0), len(ZOOMS) - 1)]


# ----------------------------------------------------------------------- helpers
def rows_of(field: api.TaskField | None, columns: list[str]) -> pd.DataFrame:
    data = list(field.value or []) if field is not None and isinstance(field.value, list) else []
    frame = pd.DataFrame(data, columns=columns) if data else pd.DataFrame(columns=columns)
    return frame[columns].astype("string")


def as_json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict("records"):
        cleaned = {k: (None if pd.isna(v) or str(v).strip() == "" else str(v).strip()) for k, v in record.items()}
        if any(v is not None for v in cleaned.values()):
            rows.append(cleaned)
    return rows


def why_text(task: api.TaskView) -> str:
    """Why the task needs a look, naming every field shown as needing one."""
    names = [ui.field_title(n) for n in api.fields_to_check(task)]
    reason = (task.reason or "").strip()
    for listed in ("fields to check", "needs a look"):  # a field list of its own: the one below replaces it
        if listed in reason.lower():
            reason = reason[:reason.lower().index(listed)].rstrip(" ;:")
    parts = [centre_words(reason)] if reason else []  # the stored English said in the operator's language
    if names:
        parts.append(_("fields to check: {names}").format(names=", ".join(names)))
    elif not reason:
        parts.append(_(KIND_WORDS[task.kind]) if task.kind in KIND_WORDS else _("a person looks at it"))
    return "; ".join(parts)


def key_values(lines: list[tuple[str, Any]]) -> None:
    for label, value in lines:
        st.markdown(f"{label}: **{ui.plain(value if value not in (None, '') else '—')}**")


def shortcut_legend() -> None:
    """The keys of this page, on the page."""
    keys = [("Enter", _("save and next")), (KEY_SAVE, _("confirm all and next")),
            (KEY_NEXT_FIELD, _("next field needing a look")), (KEY_REJECT, _("reject")),
            (KEY_POSTPONE, _("postpone")), (KEY_NOT_INVOICE, _("not an invoice")),
            (f"{KEY_ZOOM_IN} / {KEY_ZOOM_OUT}", _("zoom in / out"))]
    st.caption(_("Keys") + ": " + " · ".join(f"`{k}` {ui.plain(what)}" for k, what in keys) + " · "
               + ui.plain(_("click a word on the page to fill the field with the cursor (drag a box for several words)")))


STICKY_CSS = """<style>
[data-testid="stColumn"]:has(.st-key-wb-viewer) { position: sticky; top: 3.75rem; align-self: flex-start; }
</style>"""


# ----------------------------------------------------------------------- sections
def other_decisions(task: api.TaskView, task_key: str) -> None:
    doc = task.document
    state = st.session_state
    with st.expander(_("Other decisions: reject, not an invoice, duplicate, postpone, split")):
        c1, c2 = st.columns(2)
        c1.text_input(_("Reason for rejecting"), key=f"reject-reason-{task_key}")
        c1.button(_("Reject"), key=f"reject-{task_key}", shortcut=KEY_REJECT, on_click=lambda: finish(
            task, N_("Rejected"), lambda: api.reject(principal, task.task_id, task.version,
                                              str(state.get(f"reject-reason-{task_key}") or ""))))
        c2.button(_("Not an invoice"), key=f"not-invoice-{task_key}", shortcut=KEY_NOT_INVOICE, on_click=lambda: finish(
            task, N_("Marked as not an invoice"), lambda: api.not_an_invoice(principal, task.task_id, task.version)))
        c1.number_input(_("Duplicate of document"), min_value=1, step=1, value=doc.duplicate_of, key=f"dup-{task_key}")

        def duplicate() -> None:
            original = state.get(f"dup-{task_key}")
            if original:
                finish(task, N_("Marked duplicate"),
                       lambda: api.mark_duplicate_of(principal, task.task_id, task.version, int(original)))
        c1.button(_("Duplicate of…"), key=f"duplicate-{task_key}", on_click=duplicate)
        c2.selectbox(_("Postpone for"), [15, 60, 240, 1440], index=1, key=f"postpone-for-{task_key}",
                     format_func=lambda m: _("{n} h").format(n=m // 60) if m >= 60 else _("{n} min").format(n=m))
        c2.button(_("Postpone"), key=f"postpone-{task_key}", shortcut=KEY_POSTPONE, on_click=lambda: finish(
            task, N_("Postponed"), lambda: api.postpone(principal, task.task_id, task.version,
                                                 int(state.get(f"postpone-for-{task_key}") or 60))))
        c2.text_input(_("Split into page ranges (e.g. 1-2, 3-4)"), key=f"split-ranges-{task_key}",
                      value=api.suggested_ranges(doc.page_ranges))  # the ranges the machine found
        c2.button(_("Split this PDF"), key=f"split-{task_key}", on_click=lambda: finish(
            task, N_("Split into one document per invoice"),
            lambda: api.split(principal, task.task_id, task.version, str(state.get(f"split-ranges-{task_key}") or ""))))


def duplicate_decision(task: api.TaskView, task_key: str) -> None:
    """Both documents side by side, two explicit choices; no form, so Enter decides nothing."""
    doc, earlier = task.document, task.earlier
    earlier_id = doc.duplicate_of
    st.warning(_("This document looks like a second copy of document {id}. Compare both and decide: "
                 "a second copy is never booked or paid again.").format(id=earlier_id))
    this_col, earlier_col = st.columns(2, gap="medium")
    with this_col:
        st.markdown("**" + _("This document") + f"** · {doc.id} · {ui.plain(doc.filename)}")
        key_values([(ui.field_title(n), (task.field(n).text if task.field(n) else None))
                    for n in ("supplier_name", "invoice_number", "issue_date", "total_incl_vat")])
        image = api.page_image(principal, doc.id, 1)
        if image is not None:
            ui.inline_png(image.png, _("document {id}, page {page}").format(id=doc.id, page=1), max_height=560)
    with earlier_col:
        name = earlier.filename if earlier is not None else ""
        st.markdown("**" + _("Earlier document") + f"** · {earlier_id} · {ui.plain(name)}")
        if earlier is not None:
            key_values([(ui.field_title("supplier_name"), earlier.supplier_name),
                        (ui.field_title("invoice_number"), earlier.invoice_number),
                        (ui.field_title("issue_date"), earlier.issue_date),
                        (ui.field_title("total_incl_vat"), earlier.total_incl_vat),
                        (_("Where it stands"), ui.status_label(earlier.status, principal))])
        other = api.page_image(principal, earlier_id, 1) if earlier_id else None
        if other is not None:
            ui.inline_png(other.png, _("document {id}, page {page}").format(id=earlier_id, page=1), max_height=560)
    same_col, different_col = st.columns(2)
    same_col.button(_("Same invoice: a copy of document {id}").format(id=earlier_id), key=f"dup-same-{task_key}",
                    type="primary", on_click=lambda: finish(
                        task, N_("Marked as a copy of document {id}"),
                        lambda: api.mark_duplicate_of(principal, task.task_id, task.version, int(earlier_id or 0)),
                        id=earlier_id))

    def different() -> None:
        if not on_screen(task):
            return
        set_language(principal.language)
        try:
            view = api.not_a_duplicate(principal, task.task_id, task.version)
        except api.Conflict as error:
            st.session_state["wb_flash"] = "⚠️ " + _("{message} — the task was reloaded from the queue.").format(
                message=_(error.message))
            open_next()
        except api.BoekbrugError as error:
            st.session_state["wb_error"] = _(error.message)
        else:
            st.session_state["wb_task"] = view
            st.session_state["wb_flash"] = _("A different invoice from document {id}: check its fields and press "
                                             "Enter to save.").format(id=earlier_id)
    different_col.button(_("A different invoice: check its fields"), key=f"dup-different-{task_key}",
                         on_click=different)


@st.fragment
def viewer(task: api.TaskView, task_key: str, order: list[str], focus: str | None) -> None:
    """The page with its boxes and words (reruns on its own: zoom, page, a picked word)."""
    with st.container(key="wb-viewer"):
        tools = st.columns([1, 1, 2, 3], vertical_alignment="center")
        tools[0].button("−", key="zoom-out", help=_("Zoom out"), shortcut=KEY_ZOOM_OUT, on_click=zoom_by, args=(-1,))
        tools[1].button("+", key="zoom-in", help=_("Zoom in"), shortcut=KEY_ZOOM_IN, on_click=zoom_by, args=(1,))
        zoom = float(st.session_state.get("wb_zoom", 1.0))
        tools[2].caption(_("Zoom {percent} %").format(percent=round(zoom * 100)))
        page_no = (tools[3].number_input(_("Page"), 1, max(task.page_count, 1), 1, key=f"page-{task_key}")
                   if task.page_count > 1 else 1)
        image = drawn_page(task.document.sha256, task.document.id, int(page_no), principal)
        if image is None:
            st.info(_("This document has no page image (structured XML or e-mail); the values come from its data."))
            return
        words = read_words(task.document.sha256, task.document.id, int(page_no), principal)
        fill = st.session_state.get("wb_fill")
        fill = fill if fill and fill.get("task") == task_key else None
        key = f"viewer-{task_key}"
        pageview.page_viewer(
            image.png, words, task.fields, page=image.page, task_key=task_key, focus=focus, order=order, zoom=zoom,
            fill=fill, key=key, on_pick=lambda: pick(task, task_key, key),
            hint=_("Click a word (or drag a box) to fill: {field}"),
            alt=_("document {id}, page {page}").format(id=task.document.id, page=image.page))
        if fill and fill.get("problem"):
            st.caption("⚠️ " + ui.plain(_("“{words}” is not a value for {field}: filled as read.").format(
                words=fill["words"], field=ui.field_title(fill["field"]))))
        if not words:
            st.caption(_("No words were read on this page: type the values."))


@st.fragment
def grids(task: api.TaskView, task_key: str) -> None:
    """VAT breakdown and invoice lines (reruns on its own when a row is edited)."""
    breakdown_field = task.field("vat_breakdown")
    doubt = " — " + _("needs a look") if breakdown_field is not None and breakdown_field.needs_look else ""
    st.markdown("**" + _("VAT breakdown") + "**" + doubt + " " + _("(edit rows; totals are recomputed)"))
    breakdown_before = rows_of(breakdown_field, BREAKDOWN_COLUMNS)
    breakdown = st.data_editor(breakdown_before, num_rows="dynamic", key=f"grid-vat-{task_key}",
                               width="stretch", hide_index=True)
    sums = st.session_state.setdefault("wb_sums", {})
    try:
        base_sum, vat_sum = api.breakdown_sums(as_json_rows(breakdown))
        sums[task_key] = (base_sum, vat_sum)
        st.caption(_("Breakdown sums: excl. VAT {base} + VAT {vat} = incl. VAT {total}").format(
            base=format_number(base_sum), vat=format_number(vat_sum), total=format_number(base_sum + vat_sum)))
    except api.InvalidValue as problem:
        sums.pop(task_key, None)
        st.warning(ui.plain(_(problem.message)))
    lines_field = task.field("lines")
    lines_before = rows_of(lines_field, LINE_COLUMNS)
    lines_doubt = lines_field is not None and lines_field.needs_look
    with st.expander(_("Invoice lines ({n})").format(n=len(lines_before)) + (" — " + _("needs a look") if lines_doubt else ""),
                     expanded=lines_doubt):
        lines = st.data_editor(lines_before, num_rows="dynamic", key=f"grid-lines-{task_key}",
                               width="stretch", hide_index=True)
    st.session_state["wb_grids"] = {task_key: {  # what the form's Enter compares (the callback runs before the page)
        "vat_breakdown": (as_json_rows(breakdown_before), as_json_rows(breakdown)),
        "lines": (as_json_rows(lines_before), as_json_rows(lines))}}


def field_input(task: api.TaskView, task_key: str, field: api.TaskField, warned: dict[str, list[str]]) -> None:
    key = f"in-{task_key}-{field.name}"
    crop = None
    if (field.needs_look or field.name in warned) and field.bbox is not None:
        crop = crop_of(task, drawn_page(task.document.sha256, task.document.id, field.page or 1, principal), field)
    if crop is not None:
        left, right = st.columns([3, 2])
        with left:
            st.text_input(ui.field_label(field), value=field.text, key=key)
        with right:
            ui.inline_png(crop, _("{field} on page {page}").format(field=ui.field_title(field.name), page=field.page))
    else:
        st.text_input(ui.field_label(field), value=field.text, key=key)
    ui.check_lines(field, warned.get(field.name, ()))


# -------------------------------------------------------------------------- page
st.markdown(STICKY_CSS, unsafe_allow_html=True)
st.title(_("Validate"))
head_left, head_right = st.columns([1, 3], vertical_alignment="center")
head_left.button(_("Next document"), type="primary", key="next_document", on_click=open_next)
flash = st.session_state.pop("wb_flash", None)
if flash:
    head_right.success(ui.plain(flash))
problem = st.session_state.pop("wb_error", None)
if problem:
    st.error(ui.plain(problem))

task: api.TaskView | None = st.session_state.get("wb_task")
if task is None:
    pageview.keyboard(None, None)  # no form: keys typed now are nobody's
    st.info(_("{n} documents wait in the queue. Press **Next document** to take the top one.").format(
        n=api.open_task_count(principal)))
    st.stop()

renewed = st.session_state.get("wb_renewed") or (None, 0.0)
if renewed[0] == task.task_id and time.monotonic() - renewed[1] < RENEW_AFTER_S:
    pass  # claimed or renewed a moment ago: no write to the database on every keystroke's rerun
elif api.renew(principal, task.task_id) is None:  # keep the lease while the operator works
    st.warning(_("This task's lease ran out and another operator took it over. Press **Next document**."))
    st.session_state.pop("wb_task", None)
    pageview.keyboard(None, None)
    st.stop()
else:
    st.session_state["wb_renewed"] = (task.task_id, time.monotonic())

doc = task.document
task_key = f"{task.task_id}-{task.version}"  # every widget of this task version is keyed with it
st.markdown(_("**{file}** · {client} · document {id} · task {task} ({kind})").format(
    file=ui.plain(doc.filename), client=ui.plain(doc.client_name), id=doc.id, task=task.task_id,
    kind=_(KIND_WORDS[task.kind]) if task.kind in KIND_WORDS else _("a look")))
st.caption(_("Why it needs a look: {why}").format(why=ui.plain(why_text(task))))
if doc.warning and doc.status is not DocumentStatus.DUPLICATE:
    st.warning(ui.plain(doc.warning))

if task.undecided_duplicate:
    pageview.keyboard(None, None)
    duplicate_decision(task, task_key)
    other_decisions(task, task_key)
    st.stop()

scalar = [f for f in task.fields if f.name not in LIST_FIELDS]
warned: dict[str, list[str]] = (st.session_state.get("wb_warned") or {}).get("messages", {})
doubtful = [f for f in scalar if f.needs_look]
certain = [f for f in scalar if not f.needs_look]
order = [f.name for f in doubtful + certain]  # the form's order: the fields needing a look first, together
list_doubt = [f for f in task.fields if f.name in LIST_FIELDS and f.needs_look]
first = task.first_to_look_at
if first in LIST_FIELDS:
    target_key = f"{LINES_OK}-{task_key}"
elif first in order:
    target_key = f"in-{task_key}-{first}"
else:  # nothing in doubt (a rule, a note, a second look): the first field
    target_key = f"in-{task_key}-{order[0]}" if order else None
focus = first if first in order else None
doubtful_keys = [f"in-{task_key}-{f.name}" for f in doubtful] + ([f"{LINES_OK}-{task_key}"] if list_doubt else [])

pageview.keyboard(task_key, target_key, doubtful_keys)  # early: it waits for the form, and lands as it comes
shortcut_legend()
view_col, form_col = st.columns([5, 6], gap="medium")
with form_col, st.form(f"validate-{task_key}", border=True):  # the form first: its cursor lands at once
    pageview.target_marker(task_key, target_key)
    for field in doubtful:
        field_input(task, task_key, field, warned)
    if list_doubt:
        titles = " & ".join(ui.field_title(f.name) for f in list_doubt)
        st.checkbox(_("Lines are right: the {titles} below match the document (Space ticks, Enter saves)")
                    .format(titles=titles), key=f"{LINES_OK}-{task_key}")
    if certain:
        with st.expander(_("{n} certain fields").format(n=len(certain)),
                         expanded=not doubtful and not list_doubt or any(f.name in warned for f in certain)):
            for field in certain:
                field_input(task, task_key, field, warned)
    st.checkbox(_("Take the totals from the VAT breakdown sums"), key=f"sums-{task_key}")
    st.form_submit_button(_("Confirm and next") + "  ⏎", type="primary", shortcut=KEY_SAVE,
                          on_click=save_form, args=(task, task_key))
with view_col:
    viewer(task, task_key, order, focus)
with form_col:
    grids(task, task_key)
    other_decisions(task, task_key)
