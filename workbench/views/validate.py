"""Validate: the page on the left with its field boxes, the fields on the right.

Keyboard flow: the first field that needs a look has the focus (a single field, else
the "lines are right" confirmation of the invoice lines and VAT breakdown); type over
a wrong value, Tab to the next, Enter saves (changed values are corrections, unchanged
doubtful ones confirmations) and the next document opens by itself, its first field
needing a look ready for typing. Every widget key names the task and its version, so a
form belongs to exactly one task; a save names the task, its version and the document.

A suspected duplicate shows both documents side by side and has no form: the operator
chooses "Same invoice" or "A different invoice"; Enter alone decides nothing.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from models.enums import DocumentStatus, FieldState, TaskKind
from pipeline import api
from pipeline.core.i18n import N_, _, format_number, set_language
from pipeline.review.split import suggested_ranges
from workbench import components as ui

LIST_FIELDS = ("vat_breakdown", "lines")
BREAKDOWN_COLUMNS = ["rate", "base", "amount", "category", "exemption_reason"]
LINE_COLUMNS = ["description", "quantity", "unit_price", "net_amount", "vat_rate", "vat_category"]
CONFIRM_STATES = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK)
LINES_OK = "linesok"  # widget key prefix of the "lines are right" confirmation
KIND_WORDS = {TaskKind.VALIDATE: N_("fields to check"), TaskKind.SECOND_LOOK: N_("second look"),
              TaskKind.DUPLICATE: N_("suspected duplicate"), TaskKind.RULE_FAILURE: N_("the official rules refused it")}

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router


def open_next() -> None:
    """Claim the next task and make it the one on screen."""
    st.session_state.pop("wb_warned", None)
    task = api.next_task(principal)
    st.session_state["wb_task"] = task
    st.session_state["wb_started"] = time.monotonic()
    if task is None:
        st.session_state["wb_flash"] = st.session_state.get("wb_flash") or _("The queue is empty.")


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
        st.session_state["wb_flash"] = "⚠️ " + _("{message} — the task was reloaded from the queue.").format(
            message=_(error.message))
    except api.BoekbrugError as error:
        st.error(ui.plain(_(error.message)))
        return
    else:
        st.session_state["wb_flash"] = _("{action} — document is now: {status}. Next document.").format(
            action=action, status=ui.status_label(status, principal))
    open_next()
    st.rerun()


def why_text(task: api.TaskView) -> str:
    """Why the task needs a look, naming every field shown as needing one."""
    names = [ui.field_title(n) for n in api.fields_to_check(task)]
    reason = (task.reason or "").strip()
    for listed in ("fields to check", "needs a look"):  # a field list of its own: the one below replaces it
        if listed in reason.lower():
            reason = reason[:reason.lower().index(listed)].rstrip(" ;:")
    parts = [reason] if reason else []
    if names:
        parts.append(_("fields to check: {names}").format(names=", ".join(names)))
    elif not reason:
        parts.append(_(KIND_WORDS[task.kind]) if task.kind in KIND_WORDS else _("a person looks at it"))
    return "; ".join(parts)


def key_values(lines: list[tuple[str, Any]]) -> None:
    for label, value in lines:
        st.markdown(f"{label}: **{ui.plain(value if value not in (None, '') else '—')}**")


def other_decisions(task: api.TaskView, task_key: str) -> None:
    doc = task.document
    with st.expander(_("Other decisions: reject, not an invoice, duplicate, postpone, split")):
        c1, c2 = st.columns(2)
        reason = c1.text_input(_("Reason for rejecting"), key=f"reject-reason-{task_key}")
        if c1.button(_("Reject"), key=f"reject-{task_key}"):
            finish(_("Rejected"), lambda: api.reject(principal, task.task_id, task.version, reason))
        if c2.button(_("Not an invoice"), key=f"not-invoice-{task_key}"):
            finish(_("Marked as not an invoice"), lambda: api.not_an_invoice(principal, task.task_id, task.version))
        original = c1.number_input(_("Duplicate of document"), min_value=1, step=1, value=doc.duplicate_of,
                                   key=f"dup-{task_key}")
        if c1.button(_("Duplicate of…"), key=f"duplicate-{task_key}") and original:
            finish(_("Marked duplicate"),
                   lambda: api.mark_duplicate_of(principal, task.task_id, task.version, int(original)))
        minutes = c2.selectbox(_("Postpone for"), [15, 60, 240, 1440], index=1, key=f"postpone-for-{task_key}",
                               format_func=lambda m: _("{n} h").format(n=m // 60) if m >= 60
                               else _("{n} min").format(n=m))
        if c2.button(_("Postpone"), key=f"postpone-{task_key}"):
            finish(_("Postponed"), lambda: api.postpone(principal, task.task_id, task.version, int(minutes)))
        ranges = c2.text_input(_("Split into page ranges (e.g. 1-2, 3-4)"), key=f"split-ranges-{task_key}",
                               value=suggested_ranges(doc.page_ranges))  # the ranges the machine found
        if c2.button(_("Split this PDF"), key=f"split-{task_key}"):
            finish(_("Split into one document per invoice"),
                   lambda: api.split(principal, task.task_id, task.version, ranges))


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
    if same_col.button(_("Same invoice: a copy of document {id}").format(id=earlier_id), key=f"dup-same-{task_key}",
                       type="primary"):
        finish(_("Marked as a copy of document {id}").format(id=earlier_id),
               lambda: api.mark_duplicate_of(principal, task.task_id, task.version, int(earlier_id or 0)))
    if different_col.button(_("A different invoice: check its fields"), key=f"dup-different-{task_key}"):
        try:
            view = api.not_a_duplicate(principal, task.task_id, task.version)
        except api.Conflict as error:
            st.session_state["wb_flash"] = "⚠️ " + _("{message} — the task was reloaded from the queue.").format(
                message=_(error.message))
            open_next()
        except api.BoekbrugError as error:
            st.error(ui.plain(_(error.message)))
            return
        else:
            st.session_state["wb_task"] = view
            st.session_state["wb_flash"] = _("A different invoice from document {id}: check its fields and press "
                                             "Enter to save.").format(id=earlier_id)
        st.rerun()


st.title(_("Validate"))
head_left, head_right = st.columns([1, 3])
if head_left.button(_("Next document"), type="primary", key="next_document"):
    open_next()
flash = st.session_state.pop("wb_flash", None)
if flash:
    head_right.success(ui.plain(flash))

task: api.TaskView | None = st.session_state.get("wb_task")
if task is None:
    ui.focus_script(None, None)  # no form: keys typed now are nobody's
    st.info(_("{n} documents wait in the queue. Press **Next document** to take the top one.").format(
        n=api.open_task_count(principal)))
    st.stop()

if api.renew(principal, task.task_id) is None:  # keep the lease while the operator works
    st.warning(_("This task's lease ran out and another operator took it over. Press **Next document**."))
    st.session_state.pop("wb_task", None)
    ui.focus_script(None, None)
    st.stop()

doc = task.document
task_key = f"{task.task_id}-{task.version}"  # every widget of this task version is keyed with it
st.markdown(_("**{file}** · {client} · document {id} · task {task} ({kind})").format(
    file=ui.plain(doc.filename), client=ui.plain(doc.client_name), id=doc.id, task=task.task_id,
    kind=_(KIND_WORDS[task.kind]) if task.kind in KIND_WORDS else _("a look")))
st.caption(_("Why it needs a look: {why}").format(why=ui.plain(why_text(task))))
if doc.warning and doc.status is not DocumentStatus.DUPLICATE:
    st.warning(ui.plain(doc.warning))

if task.undecided_duplicate:
    ui.focus_script(None, None)
    duplicate_decision(task, task_key)
    other_decisions(task, task_key)
    st.stop()

scalar = [f for f in task.fields if f.name not in LIST_FIELDS]
order = [f.name for f in scalar]
list_doubt = [f for f in task.fields if f.name in LIST_FIELDS and f.needs_look]
first = task.first_to_look_at
if first in LIST_FIELDS:
    target_key = f"{LINES_OK}-{task_key}"
elif first in order:
    target_key = f"in-{task_key}-{first}"
else:  # nothing in doubt (a rule, a note, a second look): the first field
    target_key = f"in-{task_key}-{order[0]}" if order else None
focus = first if first in order else None
warned: dict[str, list[str]] = (st.session_state.get("wb_warned") or {}).get("messages", {})

view_col, form_col = st.columns([5, 6], gap="medium")
with view_col:
    zoom = st.slider(_("Zoom"), 0.5, 2.0, 1.0, 0.1, key="zoom")
    page_no = (st.number_input(_("Page"), 1, max(task.page_count, 1), 1, key=f"page-{task_key}")
               if task.page_count > 1 else 1)
    image = api.page_image(principal, doc.id, int(page_no))
    if image is None:
        st.info(_("This document has no page image (structured XML or e-mail); the values come from its data."))
    else:
        ui.page_viewer(image, focus=focus, zoom=zoom, input_order=order, task_key=task_key)

with form_col:
    form_area = st.container()
    grid_area = st.container()

with grid_area:
    breakdown_field = task.field("vat_breakdown")
    doubt = " — " + _("needs a look") if breakdown_field is not None and breakdown_field.needs_look else ""
    st.markdown("**" + _("VAT breakdown") + "**" + doubt + " " + _("(edit rows; totals are recomputed)"))
    breakdown_before = rows_of(breakdown_field, BREAKDOWN_COLUMNS)
    breakdown = st.data_editor(breakdown_before, num_rows="dynamic", key=f"grid-vat-{task_key}",
                               width="stretch", hide_index=True)
    try:
        base_sum, vat_sum = api.breakdown_sums(as_json_rows(breakdown))
        st.caption(_("Breakdown sums: excl. VAT {base} + VAT {vat} = incl. VAT {total}").format(
            base=format_number(base_sum), vat=format_number(vat_sum), total=format_number(base_sum + vat_sum)))
    except api.InvalidValue as problem:
        base_sum = vat_sum = None
        st.warning(ui.plain(_(problem.message)))
    lines_field = task.field("lines")
    lines_before = rows_of(lines_field, LINE_COLUMNS)
    lines_doubt = lines_field is not None and lines_field.needs_look
    with st.expander(_("Invoice lines ({n})").format(n=len(lines_before)) + (" — " + _("needs a look") if lines_doubt else ""),
                     expanded=lines_doubt):
        lines = st.data_editor(lines_before, num_rows="dynamic", key=f"grid-lines-{task_key}",
                               width="stretch", hide_index=True)

with form_area, st.form(f"validate-{task_key}", border=True):
    for field in scalar:
        key = f"in-{task_key}-{field.name}"
        crop = ui.crop_of(image, field) if field.needs_look or field.name in warned else None
        if crop is not None:
            left, right = st.columns([3, 2])
            with left:
                st.text_input(ui.field_label(field), value=field.text, key=key)
            with right:
                ui.inline_png(crop, _("{field} on page {page}").format(field=ui.field_title(field.name), page=field.page))
        else:
            st.text_input(ui.field_label(field), value=field.text, key=key)
        ui.check_lines(field, warned.get(field.name, ()))
    lines_ok = False
    if list_doubt:
        titles = " & ".join(ui.field_title(f.name) for f in list_doubt)
        lines_ok = st.checkbox(_("Lines are right: the {titles} below match the document (Space ticks, Enter saves)")
                               .format(titles=titles),
                               key=f"{LINES_OK}-{task_key}")
    use_sums = st.checkbox(_("Take the totals from the VAT breakdown sums"), key=f"sums-{task_key}")
    submitted = st.form_submit_button(_("Confirm and next") + "  ⏎", type="primary")

ui.focus_script(task_key, target_key)

if submitted:
    typed = {f.name: str(st.session_state.get(f"in-{task_key}-{f.name}") or "").strip() for f in scalar}
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
    new_lines = as_json_rows(lines)
    if new_lines != as_json_rows(lines_before):
        corrections["lines"] = new_lines
    unconfirmed = [f.name for f in list_doubt if f.name not in corrections]
    if unconfirmed and not lines_ok:
        st.session_state["wb_flash"] = "⚠️ " + _("Not saved: tick 'Lines are right' (Space) or correct the {titles} "
                                                 "first.").format(titles=" & ".join(ui.field_title(n) for n in unconfirmed))
        st.rerun()
    confirmed.extend(f.name for f in list_doubt if f.name in unconfirmed and f.state in CONFIRM_STATES)
    if use_sums and base_sum is not None and vat_sum is not None:
        corrections |= {"total_excl_vat": f"{base_sum:.2f}", "total_vat": f"{vat_sum:.2f}",
                        "total_incl_vat": f"{base_sum + vat_sum:.2f}"}
    all_values = {f.name: f.value for f in task.fields} | corrections
    problems = {name: api.check_value(name, value, all_values) for name, value in corrections.items()}
    problems = {name: found for name, found in problems.items() if found}
    signature = repr(sorted(corrections.items(), key=lambda kv: kv[0]))
    if problems and (st.session_state.get("wb_warned") or {}).get("signature") != signature:
        st.session_state["wb_warned"] = {"signature": signature, "messages": problems}
        st.session_state["wb_flash"] = "⚠️ " + _("Some values fail a check (see below). Press Enter again to save them "
                                                 "anyway.")
        st.rerun()
    spent = time.monotonic() - float(st.session_state.get("wb_started") or time.monotonic())
    try:
        result = api.save(principal, task.task_id, task.version, corrections, confirmed, None, spent,
                          document_id=doc.id)
    except api.Conflict as error:
        api.record_conflict(principal, task.task_id, corrections)
        st.session_state["wb_flash"] = "⚠️ " + _("{message}: your values were not saved (kept in the audit log).").format(
            message=_(error.message))
        open_next()
        st.rerun()
    except api.BoekbrugError as error:
        st.error(ui.plain(_(error.message)) + (f" — {ui.plain(_(error.hint))}" if error.hint else ""))
    else:
        changed = ", ".join(ui.field_title(n) for n in result.corrected) or _("nothing corrected")
        st.session_state["wb_flash"] = _("Saved — next document. ({file}: {status}; {changed})").format(
            file=doc.filename, status=ui.status_label(result.status, principal), changed=changed)
        open_next()
        st.rerun()

other_decisions(task, task_key)
