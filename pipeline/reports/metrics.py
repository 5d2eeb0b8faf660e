"""Figures for the supervisors' dashboard, as pandas DataFrames.

Every view aggregates in the database (GROUP BY) and only shapes the small result in
pandas, so a view over 100,000 documents stays well under a second (``bench/dashboard.py``).
All take the same ``Filters`` (office, client, dates — inclusive, on the view's own
moment: received, released, done, corrected). Moments are UTC.

Definitions:

* throughput — per hour or day, all counted in *documents*: ``received`` (documents
  created, split containers excepted), ``read`` (reading finished, at its start),
  ``validated`` (documents an operator first finished a task on, second looks excepted:
  a document whose task is re-created by a loop, or postponed and taken up again, counts
  once, on the day it was first validated), ``released`` and ``auto_released``;
* queue — open / claimed / postponed tasks per kind and the age of the oldest open one;
* deadline breaches — tasks still not done past their deadline (the VAT return date);
* automation — share of released documents that no person touched, per client and supplier;
* most-corrected fields — per field, how often an operator looked and how often corrected;
* second-look error rate — of the finished second looks at auto-released documents,
  the share where an operator corrected at least one field, with a Wilson 95 % interval:
  the measured escaped-error rate of what the machine releases alone;
* operators — per person: tasks, documents, corrections, and the median seconds per
  document and per field (medians from a 0.1 s histogram built in the database);
* reliability — raw machine confidence in bins against the share of fields an operator
  confirmed as read (calibration check; a perfect reader lies on the diagonal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from models import Client, Correction, Document, User, ValidationTask
from models.enums import DocumentStatus, TaskKind, TaskState

OPEN_STATES = (TaskState.OPEN, TaskState.CLAIMED, TaskState.POSTPONED)
HUMAN_KINDS = (TaskKind.VALIDATE, TaskKind.DUPLICATE, TaskKind.RULE_FAILURE)


@dataclass(frozen=True)
class Filters:
    office_id: int | None = None
    client_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive


ALL = Filters()


# ---------------------------------------------------------------------- helpers
def _client_clause(column: Any, filters: Filters) -> ColumnElement[bool] | None:
    if filters.client_id is not None:
        return column == filters.client_id
    if filters.office_id is not None:
        return column.in_(select(Client.id).where(Client.office_id == filters.office_id))
    return None


def _moment_clause(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    clauses = [column.is_not(None)]
    if filters.date_from is not None:
        clauses.append(column >= datetime(filters.date_from.year, filters.date_from.month, filters.date_from.day, tzinfo=UTC))
    if filters.date_to is not None:
        end = filters.date_to + timedelta(days=1)
        clauses.append(column < datetime(end.year, end.month, end.day, tzinfo=UTC))
    return clauses


def _where(query: Select[Any], client_column: Any, moment: Any, filters: Filters) -> Select[Any]:
    clause = _client_clause(client_column, filters)
    if clause is not None:
        query = query.where(clause)
    if moment is not None:
        query = query.where(*_moment_clause(moment, filters))
    return query


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _bucket(session: Session, column: Any, freq: str) -> Any:
    """The UTC day (``YYYY-MM-DD``) or hour (``YYYY-MM-DD HH``) of a moment, as text, in SQL."""
    if _postgres(session):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24" if freq == "hour" else "YYYY-MM-DD")
    return func.substr(column, 1, 13 if freq == "hour" else 10)  # SQLite stores UTC as ISO text


def _floor(session: Session, expression: Any) -> Any:
    return func.floor(expression) if _postgres(session) else func.cast(expression, _integer())


def _integer() -> Any:
    from sqlalchemy import Integer

    return Integer()


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _now(now: datetime | None) -> datetime:
    return _aware(now) or datetime.now(UTC)


def _frame(result: Any, columns: list[str]) -> pd.DataFrame:
    """A DataFrame from a result, through plain tuples (pandas probes Row objects slowly)."""
    return pd.DataFrame.from_records([tuple(row) for row in result.all()], columns=columns)


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    order = values.argsort()
    values, weights = values.iloc[order].to_numpy(), weights.iloc[order].to_numpy()
    cumulative = weights.cumsum()
    total = cumulative[-1]
    if total == 0:
        return math.nan
    lower = values[(cumulative >= total / 2).argmax()]
    if total % 2 == 0:  # even count: mean of the two middle values
        upper = values[(cumulative >= total / 2 + 1).argmax()]
        return float(lower + upper) / 2
    return float(lower)


# ------------------------------------------------------------------- throughput
def throughput(session: Session, filters: Filters = ALL, *, freq: str = "day") -> pd.DataFrame:
    """Per period (``freq`` "day" or "hour"): received, read, validated, released, auto_released."""
    if freq not in ("day", "hour"):
        raise ValueError("freq is 'day' or 'hour'")

    def counted(moment: Any, client_column: Any, *extra: ColumnElement[bool], model: Any = Document,
                also: Any = None) -> list[Any]:
        bucket = _bucket(session, moment, freq).label("period")
        query = select(bucket, func.count(), *([also] if also is not None else [])).select_from(model).where(*extra)
        return session.execute(_where(query, client_column, moment, filters).group_by(bucket)).all()

    def series(rows: list[Any], position: int = 1) -> pd.Series:
        return pd.Series({row[0]: row[position] for row in rows}, dtype="int64")

    released = counted(Document.released_at, Document.client_id,
                       also=func.sum(case((Document.auto_released.is_(True), 1), else_=0)))
    counts = {
        "received": series(counted(Document.received_at, Document.client_id, Document.status != DocumentStatus.SPLIT)),
        "read": series(counted(Document.reading_started_at, Document.client_id, Document.read_seconds.is_not(None))),
        "validated": series(validated_documents(session, filters, freq)),
        "released": series(released),
        "auto_released": series(released, 2),
    }
    frame = pd.DataFrame(counts).fillna(0).astype("int64")
    frame.index = pd.to_datetime(frame.index, format="%Y-%m-%d %H" if freq == "hour" else "%Y-%m-%d")
    frame.index.name = "period"
    return frame.sort_index().reindex(columns=list(counts))


def validated_documents(session: Session, filters: Filters, freq: str) -> list[Any]:
    """(period, documents) of documents an operator validated, each once: at its first finished human task."""
    first_done = (select(ValidationTask.document_id, ValidationTask.client_id,
                         func.min(ValidationTask.done_at).label("done_at"))
                  .where(ValidationTask.state == TaskState.DONE, ValidationTask.kind.in_(HUMAN_KINDS))
                  .group_by(ValidationTask.document_id, ValidationTask.client_id).subquery())
    bucket = _bucket(session, first_done.c.done_at, freq).label("period")
    query = select(bucket, func.count(func.distinct(first_done.c.document_id))).select_from(first_done)
    return session.execute(_where(query, first_done.c.client_id, first_done.c.done_at, filters).group_by(bucket)).all()


# ------------------------------------------------------------------------ queue
def queue(session: Session, filters: Filters = ALL, *, now: datetime | None = None) -> pd.DataFrame:
    """Per task kind (and 'all'): open, claimed, postponed, total, oldest_open_hours. A snapshot: dates ignored."""
    now = _now(now)
    query = (select(ValidationTask.kind, ValidationTask.state, func.count(), func.min(ValidationTask.created_at))
             .where(ValidationTask.state.in_(OPEN_STATES)).group_by(ValidationTask.kind, ValidationTask.state))
    query = _where(query, ValidationTask.client_id, None, filters)
    records = []
    for kind, state, count, oldest in session.execute(query):
        age = (now - _aware(oldest)).total_seconds() / 3600 if state is TaskState.OPEN and oldest else math.nan
        records.append({"kind": str(kind), "state": str(state), "count": count, "oldest_open_hours": age})
    columns = ["open", "claimed", "postponed", "total", "oldest_open_hours"]
    if not records:
        return pd.DataFrame(columns=columns, index=pd.Index(["all"], name="kind")).fillna(0)
    raw = pd.DataFrame(records)
    frame = raw.pivot_table(index="kind", columns="state", values="count", aggfunc="sum", fill_value=0)
    frame = frame.reindex(columns=["open", "claimed", "postponed"], fill_value=0).astype("int64")
    frame["total"] = frame.sum(axis=1)
    frame["oldest_open_hours"] = raw.groupby("kind")["oldest_open_hours"].max()
    frame.loc["all"] = [*frame[["open", "claimed", "postponed", "total"]].sum(), frame["oldest_open_hours"].max()]
    return frame[columns]


def deadline_breaches(session: Session, filters: Filters = ALL, *, now: datetime | None = None) -> pd.DataFrame:
    """Per client: tasks not done past their deadline, and how far past the oldest is (hours)."""
    now = _now(now)
    query = (select(ValidationTask.client_id, Client.name, func.count(), func.min(ValidationTask.deadline))
             .join(Client, Client.id == ValidationTask.client_id)
             .where(ValidationTask.state.in_(OPEN_STATES), ValidationTask.deadline < now)
             .group_by(ValidationTask.client_id, Client.name))
    query = _where(query, ValidationTask.client_id, None, filters)
    rows = [{"client_id": cid, "client": name, "breaches": count,
             "oldest_overdue_hours": (now - _aware(oldest)).total_seconds() / 3600}
            for cid, name, count, oldest in session.execute(query)]
    frame = pd.DataFrame(rows, columns=["client_id", "client", "breaches", "oldest_overdue_hours"])
    return frame.sort_values(["breaches", "client_id"], ascending=[False, True]).reset_index(drop=True)


# ------------------------------------------------------------------- automation
def _automation(session: Session, filters: Filters, keys: list[Any], names: list[str], *,
                label: Any = None) -> pd.DataFrame:
    released = func.count()
    auto = func.sum(case((Document.auto_released.is_(True), 1), else_=0))
    query = select(*keys, *([label] if label is not None else []), released, auto).select_from(Document)
    if any(getattr(k, "table", None) is Client.__table__ for k in keys):
        query = query.join(Client, Client.id == Document.client_id)
    query = _where(query, Document.client_id, Document.released_at, filters).group_by(*keys)
    frame = _frame(session.execute(query), columns=[*names, "released", "auto_released"])
    frame["auto_released"] = frame["auto_released"].fillna(0).astype("int64")
    frame["auto_share"] = (frame["auto_released"] / frame["released"]).astype("float64")
    return frame.sort_values(["released", names[0]], ascending=[False, True]).reset_index(drop=True)


def automation_by_client(session: Session, filters: Filters = ALL) -> pd.DataFrame:
    """Per client: released, auto_released (no person touched it), auto_share."""
    return _automation(session, filters, [Document.client_id, Client.name], ["client_id", "client"])


def automation_by_supplier(session: Session, filters: Filters = ALL, *, top: int | None = 100) -> pd.DataFrame:
    """Per supplier (key and a name seen): released, auto_released, auto_share; the ``top`` by volume."""
    frame = _automation(session, filters, [Document.supplier_key], ["supplier_key", "supplier_name"],
                        label=func.max(Document.supplier_name))
    return frame if top is None else frame.head(top)


def _corrections(query: Select[Any], filters: Filters) -> Select[Any]:
    clause = _client_clause(Document.client_id, filters)
    if clause is not None:
        query = query.join(Document, Document.id == Correction.document_id).where(clause)
    return query.where(*_moment_clause(Correction.created_at, filters))


def most_corrected_fields(session: Session, filters: Filters = ALL) -> pd.DataFrame:
    """Per field: looked_at (operator verdicts), corrected, correction_rate; most corrected first."""
    corrected = func.sum(case((Correction.action == "correct", 1), else_=0))
    query = _corrections(select(Correction.field_name, func.count(), corrected).select_from(Correction), filters)
    frame = _frame(session.execute(query.group_by(Correction.field_name)),
                         columns=["field", "looked_at", "corrected"])
    frame["corrected"] = frame["corrected"].fillna(0).astype("int64")
    frame["correction_rate"] = (frame["corrected"] / frame["looked_at"]).astype("float64")
    return frame.sort_values(["corrected", "field"], ascending=[False, True]).reset_index(drop=True)


def second_look_error_rate(session: Session, filters: Filters = ALL) -> pd.DataFrame:
    """One row: sampled (second looks done), with_error, error_rate, ci_low, ci_high (Wilson 95 %)."""
    corrected = exists().where(Correction.task_id == ValidationTask.id, Correction.action == "correct")
    query = (select(func.count(), func.sum(case((corrected, 1), else_=0))).select_from(ValidationTask)
             .where(ValidationTask.kind == TaskKind.SECOND_LOOK, ValidationTask.state == TaskState.DONE))
    sampled, wrong = session.execute(_where(query, ValidationTask.client_id, ValidationTask.done_at, filters)).one()
    sampled, wrong = int(sampled or 0), int(wrong or 0)
    rate, low, high = (math.nan, math.nan, math.nan) if not sampled else (wrong / sampled, *_wilson(wrong, sampled))
    return pd.DataFrame([{"sampled": sampled, "with_error": wrong, "error_rate": rate, "ci_low": low, "ci_high": high}])


def _wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# -------------------------------------------------------------------- operators
def operators(session: Session, filters: Filters = ALL) -> pd.DataFrame:
    """Per operator: tasks, documents, fields, corrections, median_seconds_per_document and per field.

    Two queries: a histogram of seconds per (person, document) in tenths of a second with
    the task count, and a histogram of seconds per field verdict by action; medians,
    counts and sums come from the histograms."""
    done = and_(ValidationTask.state == TaskState.DONE, ValidationTask.done_by.is_not(None))
    per_document = _where(select(ValidationTask.done_by.label("user_id"),
                                 func.sum(ValidationTask.seconds_spent).label("seconds"),
                                 func.count().label("tasks")).where(done),
                          ValidationTask.client_id, ValidationTask.done_at, filters) \
        .group_by(ValidationTask.done_by, ValidationTask.document_id).subquery()
    tenth = func.round(per_document.c.seconds * 10)
    documents = _frame(session.execute(
        select(per_document.c.user_id, tenth, func.count(), func.sum(per_document.c.tasks))
        .group_by(per_document.c.user_id, tenth)), columns=["user_id", "tenths", "n", "tasks"])
    field_tenth = func.round(Correction.seconds * 10)
    fields = _frame(session.execute(
        _corrections(select(Correction.user_id, field_tenth, Correction.action, func.count()).select_from(Correction),
                     filters).group_by(Correction.user_id, field_tenth, Correction.action)),
        columns=["user_id", "tenths", "action", "n"])
    fields["corrections"] = fields["n"].where(fields["action"] == "correct", 0)
    frame = pd.DataFrame({
        "tasks": documents.groupby("user_id")["tasks"].sum(),
        "documents": documents.groupby("user_id")["n"].sum(),
        "median_seconds_per_document": _medians(documents),
        "fields": fields.groupby("user_id")["n"].sum(),
        "corrections": fields.groupby("user_id")["corrections"].sum(),
        "median_seconds_per_field": _medians(fields.groupby(["user_id", "tenths"], as_index=False)["n"].sum()),
    })
    frame.index.name = "user_id"
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(list(frame.index) or [-1]))).all())
    frame.insert(0, "operator", [names.get(int(i), str(i)) for i in frame.index])
    for column in ("tasks", "documents", "fields", "corrections"):
        frame[column] = frame[column].fillna(0).astype("int64")
    columns = ["operator", "tasks", "documents", "median_seconds_per_document", "fields", "corrections",
               "median_seconds_per_field"]
    return frame.reindex(columns=columns).sort_values(["documents", "operator"], ascending=[False, True])


def _medians(histogram: pd.DataFrame) -> pd.Series:
    """Per user, the median of a (user_id, tenths, n) histogram, in seconds."""
    if histogram.empty:
        return pd.Series(dtype="float64")
    raw = histogram.astype({"tenths": "float64"})
    return raw.groupby("user_id").apply(lambda g: _weighted_median(g["tenths"], g["n"]) / 10, include_groups=False)


# ------------------------------------------------------------------ calibration
def reliability(session: Session, filters: Filters = ALL, *, bins: int = 10, field: str | None = None) -> pd.DataFrame:
    """Raw confidence bins: n, mean_confidence, accuracy (share confirmed as read), gap = accuracy − confidence."""
    confidence = Correction.machine_confidence
    bucket = _floor(session, confidence * bins).label("bin")
    confirmed = func.sum(case((Correction.action == "confirm", 1), else_=0))
    query = select(bucket, func.count(), func.sum(confidence), confirmed).select_from(Correction) \
        .where(confidence.is_not(None))
    if field is not None:
        query = query.where(Correction.field_name == field)
    raw = _frame(session.execute(_corrections(query, filters).group_by(bucket)),
                       columns=["bin", "n", "confidence_sum", "confirmed"])
    raw["bin"] = raw["bin"].astype("int64").clip(0, bins - 1)  # a confidence of exactly 1.0 joins the top bin
    grouped = raw.groupby("bin")[["n", "confidence_sum", "confirmed"]].sum().reindex(range(bins), fill_value=0)
    grouped = grouped.astype("float64")  # an empty bin divides 0.0 by 0.0 (NaN, masked below), never 0 by 0
    frame = pd.DataFrame({
        "lower": [b / bins for b in grouped.index],
        "upper": [(b + 1) / bins for b in grouped.index],
        "n": grouped["n"].astype("int64"),
        "mean_confidence": (grouped["confidence_sum"] / grouped["n"]).where(grouped["n"] > 0),
        "accuracy": (grouped["confirmed"] / grouped["n"]).where(grouped["n"] > 0),
    })
    frame["gap"] = frame["accuracy"] - frame["mean_confidence"]
    frame.index.name = "bin"
    return frame


VIEWS = {
    "throughput_day": lambda s, f: throughput(s, f, freq="day"),
    "throughput_hour": lambda s, f: throughput(s, f, freq="hour"),
    "queue": queue,
    "deadline_breaches": deadline_breaches,
    "automation_by_client": automation_by_client,
    "automation_by_supplier": automation_by_supplier,
    "most_corrected_fields": most_corrected_fields,
    "second_look_error_rate": second_look_error_rate,
    "operators": operators,
    "reliability": reliability,
}


def dashboard(session: Session, filters: Filters = ALL) -> dict[str, pd.DataFrame]:
    """Every view at once, by name (see ``VIEWS``)."""
    return {name: view(session, filters) for name, view in VIEWS.items()}
