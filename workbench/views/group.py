"""Group verification: the same field across many documents, confirmed in one go."""

from __future__ import annotations

import streamlit as st

from pipeline import api
from workbench.components import field_title, inline_png

principal: api.Principal = st.session_state["principal"]

st.title("Group verification")
st.caption("Every open document whose value for this field is doubtful. Correct what is wrong; "
           "Enter confirms the rest as shown.")
left, right = st.columns([2, 1])
field_name = left.selectbox("Field", api.GROUPABLE, index=api.GROUPABLE.index("iban") if "iban" in api.GROUPABLE else 0,
                            format_func=field_title, key="group_field")
limit = right.number_input("At most", 5, 200, 30, 5, key="group_limit")
flash = st.session_state.pop("group_flash", None)
if flash:
    st.success(flash)

items = api.group(principal, field_name, int(limit))
if not items:
    st.info(f"No open document has a doubtful {field_title(field_name)}.")
    st.stop()

with st.form(f"group-{field_name}"):
    for item in items:
        crop_col, input_col = st.columns([3, 2])
        if item.crop_png is not None:
            with crop_col:
                inline_png(item.crop_png, f"document {item.document_id}")
        else:
            crop_col.caption("(no box on the page)")
        input_col.text_input(f"Document {item.document_id} · {item.state} {item.confidence:.0%}", value=item.text,
                             key=f"grp-{field_name}-{item.document_id}")
    submitted = st.form_submit_button(f"Confirm {len(items)} values  ⏎", type="primary")

if submitted:
    decisions = {}
    for item in items:
        typed = str(st.session_state.get(f"grp-{field_name}-{item.document_id}") or "").strip()
        decisions[item.document_id] = None if typed == item.text.strip() else typed
    try:
        outcome = api.confirm_group(principal, field_name, decisions)
    except api.BoekbrugError as error:
        st.error(error.reason())
    else:
        for item in items:
            st.session_state.pop(f"grp-{field_name}-{item.document_id}", None)
        st.session_state["group_flash"] = (
            f"{len(outcome.confirmed)} confirmed, {len(outcome.corrected)} corrected, "
            f"{len(outcome.validated)} documents validated"
            + (f", {len(outcome.skipped)} skipped (taken meanwhile)" if outcome.skipped else "") + "."
        )
        st.rerun()
