"""Group verification: the same field across many documents, confirmed in one go."""

from __future__ import annotations

import streamlit as st

from pipeline import api
from pipeline.core.i18n import _, set_language
from workbench.components import STATE_WORDS, field_title, inline_png, plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router

st.title(_("Group verification"))
st.caption(_("Every open document whose value for this field is doubtful. Correct what is wrong; "
             "Enter confirms the rest as shown."))
left, right = st.columns([2, 1])
field_name = left.selectbox(_("Field"), api.GROUPABLE, index=api.GROUPABLE.index("iban") if "iban" in api.GROUPABLE else 0,
                            format_func=field_title, key="group_field")
limit = right.number_input(_("At most"), 5, 200, 30, 5, key="group_limit")
flash = st.session_state.pop("group_flash", None)
if flash:
    st.success(flash)

items = api.group(principal, field_name, int(limit))
if not items:
    st.info(_("No open document has a doubtful {field}.").format(field=field_title(field_name)))
    st.stop()

with st.form(f"group-{field_name}"):
    for item in items:
        crop_col, input_col = st.columns([3, 2])
        if item.crop_png is not None:
            with crop_col:
                inline_png(item.crop_png, _("document {id}").format(id=item.document_id))
        else:
            crop_col.caption(_("(no box on the page)"))
        state = _(STATE_WORDS[item.state]) if item.state in STATE_WORDS else str(item.state)
        input_col.text_input(_("Document {id} · {state} {confidence}").format(
            id=item.document_id, state=state, confidence=f"{item.confidence:.0%}"), value=item.text,
                             key=f"grp-{field_name}-{item.document_id}")
    submitted = st.form_submit_button(_("Confirm {n} values").format(n=len(items)) + "  ⏎", type="primary")

if submitted:
    decisions = {}
    for item in items:
        typed = str(st.session_state.get(f"grp-{field_name}-{item.document_id}") or "").strip()
        decisions[item.document_id] = None if typed == item.text.strip() else typed
    try:
        outcome = api.confirm_group(principal, field_name, decisions)
    except api.BoekbrugError as error:
        st.error(plain(error.words()))
    else:
        for item in items:
            st.session_state.pop(f"grp-{field_name}-{item.document_id}", None)
        st.session_state["group_flash"] = _("{confirmed} confirmed, {corrected} corrected, {validated} documents "
                                            "validated.").format(confirmed=len(outcome.confirmed),
                                                                 corrected=len(outcome.corrected),
                                                                 validated=len(outcome.validated))
        if outcome.skipped:
            st.session_state["group_flash"] += " " + _("{n} skipped (taken meanwhile).").format(n=len(outcome.skipped))
        st.rerun()
