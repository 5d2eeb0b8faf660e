"""Dashboard: throughput, the queue, automation, corrections, operators, calibration and the escaped-error rate.

For supervisors (and admins). Reads are cached for a minute per filter
(``st.cache_data``); the figures and their definitions are ``pipeline.reports.metrics``'.
"""

from __future__ import annotations

import math
import os
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from pipeline import api
from pipeline.core.i18n import N_, _, set_language
from workbench.components import plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)  # this page may run on its own (a fragment, a test), not only via the router
MEASURES = ["received", "read", "validated", "released", "auto_released"]
MEASURE_WORDS = {"received": N_("received"), "read": N_("read"), "validated": N_("validated"),
                 "released": N_("released"), "auto_released": N_("released by the machine")}


@st.cache_data(ttl=60, show_spinner=_("Counting …"))
def figures(database: str, who: api.Principal, office_id: int | None, client_id: int | None, date_from: date | None,
            date_to: date | None) -> dict[str, pd.DataFrame]:
    """Every view for one filter; cached per (database, user, filter) for 60 s."""
    del database  # part of the key only: one process may serve (or test) more than one database
    return api.dashboard(who, office_id=office_id, client_id=client_id, date_from=date_from, date_to=date_to)


def hours(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return _("{n} h").format(n=f"{value:.1f}") if value < 48 else _("{n} days").format(n=f"{value / 24:.1f}")


def percent(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def bar_height(bars: int) -> int:
    """Pixels for a horizontal bar chart: room for every label, plus the axis."""
    return 60 + 28 * max(bars, 2)


st.title(_("Dashboard"))
try:
    offices = api.dashboard_offices(principal)
except api.Forbidden as error:
    st.error(plain(error.words()))
    st.stop()

f1, f2, f3, f4 = st.columns([2, 2, 2.5, 1.5])
office = f1.selectbox(_("Office"), [None, *offices], format_func=lambda o: _("all offices") if o is None else o.name,
                      key="dash_office")
clients = api.dashboard_clients(principal, office.id if office else None)
if st.session_state.get("dash_client") not in (None, *clients):
    st.session_state.pop("dash_client")  # the client of another office: back to all clients
client = f2.selectbox(_("Client"), [None, *clients], format_func=lambda c: _("all clients") if c is None else c.name,
                      key="dash_client")
today = date.today()
period = tuple(f3.date_input(_("Dates"), value=(today - timedelta(days=30), today), format="DD/MM/YYYY",
                             key="dash_dates") or ())
date_from = period[0] if period else None
date_to = period[1] if len(period) > 1 else None
freq = f4.radio(_("Throughput per"), ["day", "hour"], horizontal=True, key="dash_freq",
                format_func=lambda f: _("day") if f == "day" else _("hour"))
if st.button(_("Refresh now"), key="dash_refresh"):
    figures.clear()

data = figures(os.environ.get("DATABASE_URL", ""), principal, office.id if office else None, client.id if client else None, date_from, date_to)

# --------------------------------------------------------------- the queue, now
queue = data["queue"]
everything = queue.loc["all"] if "all" in queue.index else pd.Series(dtype="float64")
second = data["second_look_error_rate"].iloc[0]
breaches = data["deadline_breaches"]
q1, q2, q3, q4, q5 = st.columns(5)
q1.metric(_("Open tasks"), int(everything.get("open", 0) or 0))
q2.metric(_("Being validated"), int(everything.get("claimed", 0) or 0))
q3.metric(_("Postponed"), int(everything.get("postponed", 0) or 0))
q4.metric(_("Oldest open task"), hours(everything.get("oldest_open_hours", math.nan)))
q5.metric(_("Past their deadline"), int(breaches["breaches"].sum()) if not breaches.empty else 0)

st.subheader(_("Escaped errors of machine releases"))
if int(second["sampled"]) == 0:
    st.caption(_("No second look at an auto-released document was finished in this period yet."))
else:
    e1, e2 = st.columns([1, 3])
    e1.metric(_("Measured error rate"), percent(second["error_rate"]),
              help=_("Share of sampled auto-released documents where the second look corrected a field."))
    e2.markdown(_("95 % interval **{low} – {high}** (Wilson), from {errors} with an error among {sampled} "
                  "documents sampled for a second look.").format(
        low=percent(second["ci_low"]), high=percent(second["ci_high"]), errors=int(second["with_error"]),
        sampled=int(second["sampled"])))

# ------------------------------------------------------------------ throughput
st.subheader(_("Throughput"))
flow = data["throughput_hour" if freq == "hour" else "throughput_day"]
if flow.empty:
    st.caption(_("Nothing happened in this period."))
else:
    long = flow.reset_index().melt(id_vars="period", value_vars=MEASURES, var_name="measure", value_name="documents")
    long["measure"] = long["measure"].map(lambda m: _(MEASURE_WORDS[m]))
    order = [_(MEASURE_WORDS[m]) for m in MEASURES]
    colour = alt.Color("measure:N", sort=order, title=None)
    if freq == "hour":
        chart = alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("period:T", title=None), y=alt.Y("documents:Q", title=_("documents per hour")), color=colour,
            tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d %H:00"), "measure:N", "documents:Q"])
    else:
        long["day"] = long["period"].dt.strftime("%Y-%m-%d")
        chart = alt.Chart(long).mark_bar().encode(
            x=alt.X("day:O", title=None), xOffset=alt.XOffset("measure:N", sort=order),
            y=alt.Y("documents:Q", title=_("documents per day")), color=colour,
            tooltip=["day:O", "measure:N", "documents:Q"])
    st.altair_chart(chart.properties(height=280), width="stretch")

# ------------------------------------------------------------------ automation
st.subheader(_("Automation"))
a1, a2 = st.columns(2)
by_client = data["automation_by_client"]
by_supplier = data["automation_by_supplier"].head(15)
with a1:
    st.markdown(_("**Per client** — share released without a person"))
    if by_client.empty:
        st.caption(_("No document released in this period."))
    else:
        st.altair_chart(alt.Chart(by_client).mark_bar().encode(
            x=alt.X("auto_share:Q", title=_("automation rate"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("client:N", sort="-x", title=None),
            tooltip=["client:N", "released:Q", "auto_released:Q", alt.Tooltip("auto_share:Q", format=".1%")],
        ), width="stretch", height=bar_height(len(by_client)))
with a2:
    st.markdown(_("**Per supplier** — the 15 with most releases"))
    if by_supplier.empty:
        st.caption(_("No document released in this period."))
    else:
        named = by_supplier.assign(supplier=by_supplier["supplier_name"].fillna(by_supplier["supplier_key"]).fillna("?"))
        st.altair_chart(alt.Chart(named).mark_bar().encode(
            x=alt.X("auto_share:Q", title=_("automation rate"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("supplier:N", sort="-x", title=None),
            tooltip=["supplier:N", "supplier_key:N", "released:Q", "auto_released:Q",
                     alt.Tooltip("auto_share:Q", format=".1%")],
        ), width="stretch", height=bar_height(len(named)))

# ------------------------------------------------------------ corrections, people
c1, c2 = st.columns(2)
fields = data["most_corrected_fields"].head(15)
with c1:
    st.subheader(_("Most corrected fields"))
    if fields.empty:
        st.caption(_("No operator verdict in this period."))
    else:
        st.altair_chart(alt.Chart(fields).mark_bar().encode(
            x=alt.X("corrected:Q", title=_("corrections"), axis=alt.Axis(tickMinStep=1, format="d")), y=alt.Y("field:N", sort="-x", title=None),
            tooltip=["field:N", "looked_at:Q", "corrected:Q", alt.Tooltip("correction_rate:Q", format=".1%")],
        ), width="stretch", height=bar_height(len(fields)))
with c2:
    st.subheader(_("Operators"))
    people = data["operators"]
    if people.empty:
        st.caption(_("No finished task in this period."))
    else:
        st.dataframe(people.reset_index(drop=True), hide_index=True, width="stretch", key="dash_operators",
                     column_config={
                         "median_seconds_per_document": st.column_config.NumberColumn(_("median s / document"), format="%.1f"),
                         "median_seconds_per_field": st.column_config.NumberColumn(_("median s / field"), format="%.1f"),
                     })

# ----------------------------------------------------------------- calibration
st.subheader(_("Calibration: confidence against observed accuracy"))
bins = data["reliability"]
seen = bins[bins["n"] > 0]
if seen.empty:
    st.caption(_("No operator verdict with a machine confidence in this period."))
else:
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})).mark_line(
        strokeDash=[4, 4], color="#888").encode(x="x:Q", y="y:Q")
    axis = alt.Scale(domain=[0, 1])
    observed = alt.Chart(seen).encode(
        x=alt.X("mean_confidence:Q", title=_("machine confidence"), scale=axis),
        y=alt.Y("accuracy:Q", title=_("share confirmed as read"), scale=axis),
        tooltip=[alt.Tooltip("lower:Q", format=".1f"), alt.Tooltip("upper:Q", format=".1f"), "n:Q",
                 alt.Tooltip("mean_confidence:Q", format=".3f"), alt.Tooltip("accuracy:Q", format=".3f")],
    )
    chart = diagonal + observed.mark_line(color="#1565c0") + observed.mark_circle(color="#1565c0").encode(
        size=alt.Size("n:Q", title=_("fields")))
    st.altair_chart(chart.properties(height=320), width="stretch")
    st.caption(_("A perfect reader lies on the dashed diagonal; points under it are over-confident."))

if not breaches.empty:
    st.subheader(_("Past their deadline"))
    st.dataframe(breaches.drop(columns=["client_id"]), hide_index=True, width="stretch", key="dash_breaches",
                 column_config={"oldest_overdue_hours": st.column_config.NumberColumn(_("oldest overdue (h)"), format="%.1f")})
