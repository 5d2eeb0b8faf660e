"""The dashboard counts documents, not tasks: a loop that re-creates a document's task adds no 'validated'."""

from __future__ import annotations

from datetime import UTC, datetime

from models import Document, User, ValidationTask
from models.enums import DocumentStatus, Role, TaskKind, TaskState
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.db import unit_of_work
from pipeline.reports import metrics


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_validated_counts_each_document_once_on_its_first_validation(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        client = get_or_create_client(session, get_or_create_office(session, "A"), "A1")
        ann = User(username="ann", display_name="Ann", password_hash="-", role=Role.OPERATOR)
        session.add(ann)
        session.flush()
        documents = []
        for n in range(3):  # three documents received on the 2nd
            row = Document(client_id=client.id, sha256=f"{n:064x}", original_path="x", original_filename="x",
                           size_bytes=1, status=DocumentStatus.RELEASED, received_at=at(2, 8 + n))
            session.add(row)
            session.flush()
            documents.append(row)
        done = [(documents[0], at(2, 10)), (documents[0], at(2, 11)), (documents[0], at(2, 12)),  # a loop, same day
                (documents[0], at(3, 9)),  # and once more the day after
                (documents[1], at(2, 13)), (documents[1], at(3, 10)),  # postponed work taken up again
                (documents[2], at(3, 11))]
        kinds = [TaskKind.VALIDATE, TaskKind.RULE_FAILURE, TaskKind.DUPLICATE]
        for index, (document, moment) in enumerate(done):
            session.add(ValidationTask(document_id=document.id, client_id=client.id, kind=kinds[index % 3],
                                       state=TaskState.DONE, created_at=moment, deadline=at(30, 0), done_by=ann.id,
                                       claimed_by=ann.id, done_at=moment))
        session.add(ValidationTask(document_id=documents[2].id, client_id=client.id, kind=TaskKind.SECOND_LOOK,
                                   state=TaskState.DONE, created_at=at(3, 12), deadline=at(30, 0), done_by=ann.id,
                                   done_at=at(3, 12)))
    with unit_of_work(db_url) as session:
        days = metrics.throughput(session)
        assert days["received"].tolist() == [3, 0]
        assert days["validated"].tolist() == [2, 1]  # seven human tasks done, three documents validated
        assert days["validated"].sum() <= days["received"].sum()
        hours = metrics.throughput(session, freq="hour")
        assert int(hours["validated"].sum()) == 3
