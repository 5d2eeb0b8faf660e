"""Validate: the page on the left with its field boxes, the fields on the right.

Keyboard flow: the first field that needs a look has the focus; type over a wrong
value, Tab to the next, Enter saves (changed values are corrections, unchanged
doubtful ones confirmations) and the next document opens by itself.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from models.enums import FieldState
from pipeline import api
from pipeline.split import suggested_ranges
from workbench import components as ui

LIST_FIELDS = ("vat_breakdown", "lines")
BREAKDOWN_COLUMNS = ["rate", "base", "amount", "category", "exemption_reason"]
LINE_COLUMNS = ["description", "quantity", "unit_price", "net_amount", "vat_rate", "vat_category"]
CONFIRM_STATES = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK)

principal: api.Principal = st.session_state["principal"]


def open_next() -> None:
    """Claim the next task and make it the one on screen."""
    for key in [k for k in st.session_state if str(k).startswith(("in-", "grid-"))]:
        del st.session_state[key]
    st.session_state.pop("wb_warned", None)
    task = api.next_task(principal)
    st.session_state["wb_task"] = task
    st.session_state["wb_started"] = time.monotonic()
    if task is None:
        st.session_state["wb_flash"] = st.session_state.get("wb_flash") or "The queue is empty."


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


def finish(action: str, call: Any) -> None:
    """Run a decision on the task; report a conflict in words; open the next task."""
    try:
        status = call()
    except api.Conflict as error:
        st.session_state["wb_flash"] = f"⚠️ {error.message} — the task was reloaded from the queue."
    except api.BoekbrugError as error:
        st.error(error.reason())
        return
    else:
        st.session_state["wb_flash"] = f"{action} — document is now {status}. Next document."
    open_next()
    st.rerun()


st.title("Validate")
head_left, head_right = st.columns([1, 3])
if head_left.button("Next document", type="primary", key="next_document"):
    open_next()
flash = st.session_state.pop("wb_flash", None)
if flash:
    head_right.success(flash)

task: api.TaskView | None = st.session_state.get("wb_task")
if task is None:
    st.info(f"{api.open_task_count(principal)} documents wait in the queue. Press **Next document** to take the top one.")
    st.stop()

if api.renew(principal, task.task_id) is None:  # keep the lease while the operator works
    st.warning("This task's lease ran out and another operator took it over. Press **Next document**.")
    st.session_state.pop("wb_task", None)
    st.stop()

doc = task.document
st.markdown(f"**{doc.filename}** · {doc.client_name} · document {doc.id} · task {task.task_id} ({task.kind})")
if task.reason:
    st.caption(f"Why it needs a look: {task.reason}")
if doc.error:
    st.warning(doc.error)
if doc.duplicate_of:  # a suspected duplicate: the earlier document beside this one
    with st.expander(f"Earlier document {doc.duplicate_of}: is this the same invoice?", expanded=True):
        earlier = api.page_image(principal, doc.duplicate_of, 1)
        if earlier is not None:
            ui.inline_png(earlier.png, f"document {doc.duplicate_of}, page 1", max_height=320)
        if st.button(f"Same invoice: mark as duplicate of {doc.duplicate_of}", key="same_invoice"):
            finish("Marked duplicate", lambda: api.mark_duplicate_of(principal, task.task_id, task.version,
                                                                     doc.duplicate_of))
        st.caption("Not the same invoice? Check the fields below and press Enter to validate it as a new one.")

scalar = [f for f in task.fields if f.name not in LIST_FIELDS]
order = [f.name for f in scalar]
focus = task.first_to_look_at if task.first_to_look_at in order else None
task_key = f"{task.task_id}-{task.version}"
warned: dict[str, list[str]] = (st.session_state.get("wb_warned") or {}).get("messages", {})

view_col, form_col = st.columns([5, 6], gap="medium")
with view_col:
    zoom = st.slider("Zoom", 0.5, 2.0, 1.0, 0.1, key="zoom")
    page_no = st.number_input("Page", 1, max(task.page_count, 1), 1, key=f"page-{task.task_id}") if task.page_count > 1 else 1
    image = api.page_image(principal, doc.id, int(page_no))
    if image is None:
        st.info("This document has no page image (structured XML or e-mail); the values come from its data.")
    else:
        ui.page_viewer(image, focus=focus, zoom=zoom, input_order=order,
                       focus_index=order.index(focus) if focus else 0, task_key=task_key)

with form_col:
    form_area = st.container()
    grid_area = st.container()

with grid_area:
    st.markdown("**VAT breakdown** (edit rows; totals are recomputed)")
    breakdown_before = rows_of(task.field("vat_breakdown"), BREAKDOWN_COLUMNS)
    breakdown = st.data_editor(breakdown_before, num_rows="dynamic", key=f"grid-vat-{task.task_id}",
                               width="stretch", hide_index=True)
    try:
        base_sum, vat_sum = api.breakdown_sums(as_json_rows(breakdown))
        st.caption(f"Breakdown sums: excl. VAT {base_sum:.2f} + VAT {vat_sum:.2f} = incl. VAT {base_sum + vat_sum:.2f}")
    except api.InvalidValue as problem:
        base_sum = vat_sum = None
        st.warning(problem.message)
    lines_field = task.field("lines")
    lines_before = rows_of(lines_field, LINE_COLUMNS)
    with st.expander(f"Invoice lines ({len(lines_before)})", expanded=False):
        lines = st.data_editor(lines_before, num_rows="dynamic", key=f"grid-lines-{task.task_id}",
                               width="stretch", hide_index=True)

with form_area, st.form(f"validate-{task.task_id}", border=True):
    for field in scalar:
        key = f"in-{task.task_id}-{field.name}"
        crop = ui.crop_of(image, field) if field.needs_look or field.name in warned else None
        if crop is not None:
            left, right = st.columns([3, 2])
            with left:
                st.text_input(ui.field_label(field), value=field.text, key=key)
            with right:
                ui.inline_png(crop, f"{ui.field_title(field.name)} on page {field.page}")
        else:
            st.text_input(ui.field_label(field), value=field.text, key=key)
        ui.check_lines(field, warned.get(field.name, ()))
    use_sums = st.checkbox("Take the totals from the VAT breakdown sums", key=f"sums-{task.task_id}")
    submitted = st.form_submit_button("Confirm and next  ⏎", type="primary")

if focus is not None:
    ui.focus_script(order.index(focus), task_key)

if submitted:
    typed = {f.name: str(st.session_state.get(f"in-{task.task_id}-{f.name}") or "").strip() for f in scalar}
    corrections: dict[str, Any] = {}
    confirmed: list[str] = []
    for field in scalar:
        if typed[field.name] != field.text.strip():
            corrections[field.name] = typed[field.name]
        elif field.state in CONFIRM_STATES:
            confirmed.append(field.name)
    new_breakdown = as_json_rows(breakdown)
    if new_breakdown != as_json_rows(breakdown_before):
        corrections["vat_breakdown"] = new_breakdown
    elif task.field("vat_breakdown") is not None and task.field("vat_breakdown").state in CONFIRM_STATES:  # type: ignore[union-attr]
        confirmed.append("vat_breakdown")
    new_lines = as_json_rows(lines)
    if new_lines != as_json_rows(lines_before):
        corrections["lines"] = new_lines
    if use_sums and base_sum is not None and vat_sum is not None:
        corrections |= {"total_excl_vat": f"{base_sum:.2f}", "total_vat": f"{vat_sum:.2f}",
                        "total_incl_vat": f"{base_sum + vat_sum:.2f}"}
    all_values = {f.name: f.value for f in task.fields} | corrections
    problems = {name: api.check_value(name, value, all_values) for name, value in corrections.items()}
    problems = {name: found for name, found in problems.items() if found}
    signature = repr(sorted(corrections.items(), key=lambda kv: kv[0]))
    if problems and (st.session_state.get("wb_warned") or {}).get("signature") != signature:
        st.session_state["wb_warned"] = {"signature": signature, "messages": problems}
        st.session_state["wb_flash"] = "⚠️ Some values fail a check (see below). Press Enter again to save them anyway."
        st.rerun()
    spent = time.monotonic() - float(st.session_state.get("wb_started") or time.monotonic())
    try:
        result = api.save(principal, task.task_id, task.version, corrections, confirmed, None, spent)
    except api.Conflict as error:
        api.record_conflict(principal, task.task_id, corrections)
        st.session_state["wb_flash"] = f"⚠️ {error.message}: your values were not saved (kept in the audit log)."
        open_next()
        st.rerun()
    except api.BoekbrugError as error:
        st.error(error.reason())
    else:
        changed = ", ".join(result.corrected) or "nothing corrected"
        st.session_state["wb_flash"] = f"Saved — next document. ({doc.filename}: {result.status}; {changed})"
        open_next()
        st.rerun()

with st.expander("Other decisions: reject, not an invoice, duplicate, postpone, split"):
    c1, c2 = st.columns(2)
    reason = c1.text_input("Reason for rejecting", key=f"reject-reason-{task.task_id}")
    if c1.button("Reject", key="reject"):
        finish("Rejected", lambda: api.reject(principal, task.task_id, task.version, reason))
    if c2.button("Not an invoice", key="not_invoice"):
        finish("Marked as not an invoice", lambda: api.not_an_invoice(principal, task.task_id, task.version))
    original = c1.number_input("Duplicate of document", min_value=1, step=1, value=doc.duplicate_of,
                               key=f"dup-{task.task_id}")
    if c1.button("Duplicate of…", key="duplicate") and original:
        finish("Marked duplicate", lambda: api.mark_duplicate_of(principal, task.task_id, task.version, int(original)))
    minutes = c2.selectbox("Postpone for", [15, 60, 240, 1440], index=1, key=f"postpone-{task.task_id}",
                           format_func=lambda m: f"{m // 60} h" if m >= 60 else f"{m} min")
    if c2.button("Postpone", key="postpone"):
        finish("Postponed", lambda: api.postpone(principal, task.task_id, task.version, int(minutes)))
    ranges = c2.text_input("Split into page ranges (e.g. 1-2, 3-4)", key=f"split-{task.task_id}",
                           value=suggested_ranges(doc.error or task.reason))  # the ranges the machine found
    if c2.button("Split this PDF", key="split"):
        finish("Split into one document per invoice", lambda: api.split(principal, task.task_id, task.version, ranges))
