"""Ranking and claiming of validation tasks.

Ranking score (higher is served first), recomputed when a task is created and by
``refresh_scores`` (run by ``pipeline.jobs.upkeep.queue_upkeep`` every five minutes in every
worker and workbench process, so age keeps counting)::

    score = 1000 × priority + min(urgency × (0.5 + expected_errors), 999)
    urgency = 1 + age_days / 2 + 7 / (days_to_deadline + 1)

``expected_errors`` is the expected number of wrong fields (from calibrated
confidences and failed checks); ``days_to_deadline`` counts to the client's next VAT
return (monthly or quarterly, on its deadline day). A supervisor's priority trumps
everything. Claiming is one atomic statement: on PostgreSQL ``FOR UPDATE SKIP
LOCKED`` lets concurrent claimers pass each other; SQLite serialises writers, and
the compare-and-set on ``state`` makes a double claim impossible on both.

A document that comes back for the same reason (the same kind of task and reason as the
task last closed on it) is not given to the operator who closed that one (``came_back_from``).
Rule failures never loop (``route_rule_failure``): a document the official rules send
back goes to the operators' pool once, never to the operator whose save it came back
from (``not_for_user``); the same failure a second time — or a failure no field on the
screen can answer — opens a SUPERVISOR task, which only supervisors and admins claim.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, or_, select, text, update
from sqlalchemy.orm import Session

from models import Client, User, ValidationTask
from models.enums import Role, TaskKind, TaskState

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
SUPERVISOR_KINDS = (TaskKind.SUPERVISOR,)  # claimed only by SUPERVISOR_ROLES
SAME_FAILURE_LIMIT = 2  # the same rule failure this many times: a supervisor decides
NOT_FOR_USER_LIMIT = timedelta(days=1)  # after this, anyone may take a rule failure back


def next_vat_deadline(client: Client, today: date) -> date:
    """The next VAT return deadline: the deadline day of the month after the period."""
    months = 1 if client.vat_period == "monthly" else 3
    day = min(max(client.deadline_day, 1), 28)
    year, month = today.year, today.month
    while True:
        if (month - 1) % months == 0:
            candidate = date(year, month, day)
            if candidate >= today:
                return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1


def rank_score(expected_errors: float, priority: int, created_at: datetime, deadline: datetime | None, now: datetime) -> float:
    age_days = max((now - _aware(created_at)).total_seconds(), 0.0) / 86400
    days_to_deadline = 30.0 if deadline is None else max((_aware(deadline) - now).total_seconds() / 86400, 0.0)
    urgency = 1 + age_days / 2 + 7 / (days_to_deadline + 1)
    return 1000 * priority + min(urgency * (0.5 + expected_errors), 999.0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_task(
    session: Session,
    *,
    document_id: int,
    client: Client,
    kind: TaskKind,
    expected_errors: float,
    reason: str,
    priority: int = 0,
    now: datetime | None = None,
) -> ValidationTask:
    """Open a task for a document, or refresh the one already open for it."""
    now = now or datetime.now(UTC)
    deadline_day = next_vat_deadline(client, now.date())
    deadline = datetime(deadline_day.year, deadline_day.month, deadline_day.day, tzinfo=UTC)
    task = session.scalars(
        select(ValidationTask).where(
            ValidationTask.document_id == document_id,
            ValidationTask.state.in_([TaskState.OPEN, TaskState.CLAIMED, TaskState.POSTPONED]),
        )
    ).first()
    if task is None:
        task = ValidationTask(document_id=document_id, client_id=client.id, created_at=now,
                              not_for_user=came_back_from(session, document_id, kind, reason[:2000]))
        session.add(task)
    task.kind = kind
    task.state = TaskState.OPEN if task.state is None else task.state
    task.expected_errors = expected_errors
    task.priority = max(priority, task.priority or 0)
    task.deadline = deadline
    task.reason = reason[:2000]
    task.score = rank_score(expected_errors, task.priority, task.created_at or now, deadline, now)
    session.flush()
    return task


def last_operator(session: Session, document_id: int) -> int | None:
    """Who closed the document's latest task (whose save the release came back from)."""
    return session.scalar(
        select(ValidationTask.done_by)
        .where(ValidationTask.document_id == document_id, ValidationTask.state == TaskState.DONE)
        .order_by(ValidationTask.done_at.desc(), ValidationTask.id.desc())
        .limit(1)
    )


def came_back_from(session: Session, document_id: int, kind: TaskKind, reason: str) -> int | None:
    """The operator whose save the document came back from, when it comes back for the same reason
    (the same kind of task, the same reason): a second pair of eyes takes it, never the same operator
    twice in a row (after ``NOT_FOR_USER_LIMIT`` anyone may, so an office with one operator is not stuck)."""
    latest = session.execute(
        select(ValidationTask.done_by, ValidationTask.kind, ValidationTask.reason)
        .where(ValidationTask.document_id == document_id, ValidationTask.state == TaskState.DONE)
        .order_by(ValidationTask.done_at.desc(), ValidationTask.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.kind is not kind or (latest.reason or "") != reason:
        return None
    return latest.done_by


def route_rule_failure(
    session: Session,
    *,
    document_id: int,
    client: Client,
    times_seen: int,
    needs_supervisor: bool,
    reason: str,
    priority: int = 0,
) -> ValidationTask:
    """Open the task for a document the official rules sent back, so it cannot loop.

    ``times_seen``: how often this same failure has come back (this time included).
    The first time it goes to the pool, though not to the operator who just saved it;
    the second time, or when nothing on the screen answers it, to a supervisor."""
    supervisor = needs_supervisor or times_seen >= SAME_FAILURE_LIMIT
    previous = last_operator(session, document_id)
    task = open_task(session, document_id=document_id, client=client,
                     kind=TaskKind.SUPERVISOR if supervisor else TaskKind.RULE_FAILURE,
                     expected_errors=1.0, reason=reason, priority=priority)
    task.not_for_user = None if supervisor else previous
    session.flush()
    return task


def return_expired(session: Session, now: datetime | None = None) -> int:
    """Tasks whose lease ran out, and postponed ones whose time came, go back to the queue."""
    now = now or datetime.now(UTC)
    expired = session.execute(
        update(ValidationTask)
        .where(ValidationTask.state == TaskState.CLAIMED, ValidationTask.lease_until < now)
        .values(state=TaskState.OPEN, claimed_by=None, lease_until=None, version=ValidationTask.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    woken = session.execute(
        update(ValidationTask)
        .where(ValidationTask.state == TaskState.POSTPONED, ValidationTask.postponed_until < now)
        .values(state=TaskState.OPEN, version=ValidationTask.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    # a rule failure nobody else took within a day may go back to the operator it came from
    # (an office with one operator and no supervisor on duty is never stuck)
    session.execute(
        update(ValidationTask)
        .where(ValidationTask.state == TaskState.OPEN, ValidationTask.not_for_user.is_not(None),
               ValidationTask.created_at < now - NOT_FOR_USER_LIMIT)
        .values(not_for_user=None)
        .execution_options(synchronize_session=False)
    )
    return int(expired or 0) + int(woken or 0)


def candidates(session: Session, user_id: int, *, kinds: tuple[TaskKind, ...] | None = None,
               client_ids: tuple[int, ...] | None = None) -> Select[tuple[int]]:
    """The id of the top open task ``user_id`` may take, as a statement (``claim_next`` claims it; the
    workbench peeks at it to draw the next page ahead)."""
    top = select(ValidationTask.id).where(
        ValidationTask.state == TaskState.OPEN,
        or_(ValidationTask.not_for_user.is_(None), ValidationTask.not_for_user != user_id),
    )
    if session.scalar(select(User.role).where(User.id == user_id)) not in SUPERVISOR_ROLES:
        top = top.where(ValidationTask.kind.not_in(SUPERVISOR_KINDS))
    if kinds:
        top = top.where(ValidationTask.kind.in_(kinds))
    if client_ids is not None:
        top = top.where(ValidationTask.client_id.in_(client_ids))
    return top.order_by(ValidationTask.score.desc(), ValidationTask.id).limit(1)


def claim_next(
    session: Session,
    user_id: int,
    lease_seconds: int,
    *,
    kinds: tuple[TaskKind, ...] | None = None,
    client_ids: tuple[int, ...] | None = None,
    now: datetime | None = None,
) -> ValidationTask | None:
    """Give ``user_id`` the top open task with a lease, atomically; None when the queue is empty.

    A task the user already holds (an unfinished one) is given back first.
    """
    now = now or datetime.now(UTC)
    held = session.scalars(
        select(ValidationTask)
        .where(
            ValidationTask.state == TaskState.CLAIMED,
            ValidationTask.claimed_by == user_id,
            ValidationTask.lease_until >= now,
        )
        .order_by(ValidationTask.claimed_at)
        .limit(1)
    ).first()
    if held is not None:
        return held
    return_expired(session, now)
    top = candidates(session, user_id, kinds=kinds, client_ids=client_ids)
    if session.get_bind().dialect.name == "postgresql":
        top = top.with_for_update(skip_locked=True)
    claimed_id = session.execute(
        update(ValidationTask)
        .where(ValidationTask.id == top.scalar_subquery(), ValidationTask.state == TaskState.OPEN)
        .values(
            state=TaskState.CLAIMED,
            claimed_by=user_id,
            claimed_at=now,
            lease_until=now + timedelta(seconds=lease_seconds),
            version=ValidationTask.version + 1,
        )
        .returning(ValidationTask.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    session.commit()
    if claimed_id is None:
        return None
    return session.get(ValidationTask, claimed_id, populate_existing=True)


def renew_lease(session: Session, task_id: int, user_id: int, lease_seconds: int, now: datetime | None = None) -> datetime | None:
    """Extend the lease of a task ``user_id`` still holds; None when it was lost (expired and
    taken by someone else). The version is left alone: an open form stays valid."""
    now = now or datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    renewed = session.execute(
        update(ValidationTask)
        .where(ValidationTask.id == task_id, ValidationTask.claimed_by == user_id,
               ValidationTask.state == TaskState.CLAIMED)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    return until if renewed else None


def refresh_scores(session: Session, now: datetime | None = None, batch: int = 5000) -> int:
    """Recompute the score of open tasks so age and deadlines keep counting."""
    now = now or datetime.now(UTC)
    count = 0
    rows = session.execute(
        select(
            ValidationTask.id,
            ValidationTask.expected_errors,
            ValidationTask.priority,
            ValidationTask.created_at,
            ValidationTask.deadline,
        ).where(ValidationTask.state == TaskState.OPEN)
    ).all()
    for start in range(0, len(rows), batch):
        params = [
            {"tid": row.id, "score": rank_score(row.expected_errors, row.priority, row.created_at, row.deadline, now)}
            for row in rows[start : start + batch]
        ]
        session.execute(text("UPDATE validation_tasks SET score = :score WHERE id = :tid"), params)
        count += len(params)
    return count
