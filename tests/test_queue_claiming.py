"""Claiming is atomic: concurrent operators never hold the same task; leases expire."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Document, ValidationTask
from models.enums import Role, TaskKind, TaskState
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
)
from pipeline.core.db import session_factory, unit_of_work
from pipeline.review.tasks import claim_next, next_vat_deadline, open_task, rank_score


def _seed(url: str, tasks: int, operators: int) -> tuple[list[int], list[int]]:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Client", vat_period="monthly", deadline_day=20)
        users = [create_user(session, f"op{i}", "password-123", Role.OPERATOR).id for i in range(operators)]
        task_ids = []
        for i in range(tasks):
            document = Document(client_id=client.id, sha256=f"{i:064x}", original_path="x", original_filename=f"{i}.pdf", size_bytes=1)
            session.add(document)
            session.flush()
            task = open_task(session, document_id=document.id, client=client, kind=TaskKind.VALIDATE,
                             expected_errors=(i % 7) / 7, reason="test")
            task_ids.append(task.id)
        return users, task_ids


def test_concurrent_claimers_never_share_a_task(db_url: str) -> None:
    users, task_ids = _seed(db_url, tasks=30, operators=6)
    claimed: dict[int, list[int]] = {u: [] for u in users}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def operator(user_id: int) -> None:
        try:
            barrier.wait()
            while True:
                session = session_factory(db_url)()
                try:
                    task = claim_next(session, user_id, lease_seconds=600)
                    if task is None:
                        return
                    claimed[user_id].append(task.id)
                    task.state = TaskState.DONE  # finish it, so the next claim takes a new one
                    session.commit()
                finally:
                    session.close()
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=operator, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    all_claims = [t for claims in claimed.values() for t in claims]
    assert sorted(all_claims) == sorted(task_ids)  # each task exactly once
    assert len(set(all_claims)) == len(all_claims)


def test_highest_score_first_and_held_task_returned(db_url: str) -> None:
    users, _ = _seed(db_url, tasks=10, operators=2)
    with unit_of_work(db_url) as session:
        best = session.scalars(select(ValidationTask).order_by(ValidationTask.score.desc())).first()
        first = claim_next(session, users[0], 600)
        assert first is not None and first.id == best.id
        again = claim_next(session, users[0], 600)
        assert again is not None and again.id == first.id  # an unfinished task comes back to its holder
        other = claim_next(session, users[1], 600)
        assert other is not None and other.id != first.id


def test_expired_lease_returns_task_to_the_queue(db_url: str) -> None:
    users, _ = _seed(db_url, tasks=1, operators=2)
    start = datetime.now(UTC)
    with unit_of_work(db_url) as session:
        held = claim_next(session, users[0], 60, now=start)
        assert held is not None
        assert claim_next(session, users[1], 60, now=start + timedelta(seconds=30)) is None
        taken_over = claim_next(session, users[1], 60, now=start + timedelta(seconds=61))
        assert taken_over is not None and taken_over.id == held.id and taken_over.claimed_by == users[1]


def test_rank_score_weighs_errors_age_deadline_and_priority() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    base = rank_score(1.0, 0, now, None, now)
    assert rank_score(2.0, 0, now, None, now) > base  # more expected errors
    assert rank_score(1.0, 0, now - timedelta(days=4), None, now) > base  # older
    assert rank_score(1.0, 0, now, now + timedelta(days=1), now) > base  # deadline close
    assert rank_score(0.0, 1, now, None, now) > rank_score(5.0, 0, now - timedelta(days=30), now, now)


def test_vat_deadlines_monthly_and_quarterly() -> None:
    from models import Client

    monthly = Client(name="m", office_id=1, vat_period="monthly", deadline_day=20)
    quarterly = Client(name="q", office_id=1, vat_period="quarterly", deadline_day=20)
    today = datetime(2026, 11, 29).date()
    assert next_vat_deadline(monthly, today).isoformat() == "2026-12-20"
    assert next_vat_deadline(quarterly, today).isoformat() == "2027-01-20"


def test_renewing_a_lease_keeps_the_version_and_fails_once_taken_over(db_url: str) -> None:
    from pipeline.review.tasks import renew_lease

    users, _ = _seed(db_url, tasks=1, operators=2)
    start = datetime.now(UTC)
    with unit_of_work(db_url) as session:
        held = claim_next(session, users[0], 60, now=start)
        assert held is not None
        version = held.version
        until = renew_lease(session, held.id, users[0], 60, now=start + timedelta(seconds=50))
        assert until == start + timedelta(seconds=110)
        session.commit()
        session.expire_all()
        assert session.get(ValidationTask, held.id).version == version  # an open form stays valid
        # still held at +100 s thanks to the renewal
        assert claim_next(session, users[1], 60, now=start + timedelta(seconds=100)) is None
        taken = claim_next(session, users[1], 60, now=start + timedelta(seconds=111))
        assert taken is not None and taken.claimed_by == users[1]
        assert renew_lease(session, held.id, users[0], 60, now=start + timedelta(seconds=112)) is None
        session.expire_all()
        assert session.get(ValidationTask, held.id).version > version  # the take-over bumped it; renewal did not


def test_upkeep_reages_open_tasks_and_returns_expired_leases(db_url: str, settings_for) -> None:
    from pipeline.jobs.upkeep import queue_upkeep

    settings = settings_for(db_url)
    users, task_ids = _seed(db_url, tasks=3, operators=1)
    long_ago = datetime.now(UTC) - timedelta(days=6)
    with unit_of_work(db_url) as session:
        held = claim_next(session, users[0], 60, now=long_ago)
        assert held is not None
        for task in session.scalars(select(ValidationTask)):
            task.created_at = long_ago
        session.commit()
        before = {t.id: t.score for t in session.scalars(select(ValidationTask))}
    assert queue_upkeep(settings) == 3  # the expired lease came back first, then all three re-scored
    with unit_of_work(db_url) as session:
        after = {t.id: (t.score, t.state) for t in session.scalars(select(ValidationTask))}
    assert all(after[i][1] is TaskState.OPEN for i in task_ids)
    assert all(after[i][0] > before[i] for i in task_ids)  # six days older: more urgent
