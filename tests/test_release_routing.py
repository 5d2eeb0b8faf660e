"""A document the rules send back never loops: not to the operator who saved it, and the
same failure a second time to a supervisor, whom only supervisors and admins are served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Document, ValidationTask
from models.enums import Role, TaskKind, TaskState
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
)
from pipeline.core.db import unit_of_work
from pipeline.review.tasks import claim_next, return_expired, route_rule_failure


def test_rule_failures_are_routed_so_they_cannot_loop(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Client")
        ann = create_user(session, "ann", "password-123", Role.OPERATOR)
        bob = create_user(session, "bob", "password-123", Role.OPERATOR)
        sue = create_user(session, "sue", "password-123", Role.SUPERVISOR)
        document = Document(client_id=client.id, sha256="a" * 64, original_path="x", original_filename="x.pdf",
                            size_bytes=1)
        session.add(document)
        session.flush()
        # ann validated it; the release came back with a rule failure
        session.add(ValidationTask(document_id=document.id, client_id=client.id, state=TaskState.DONE,
                                   done_by=ann.id, done_at=datetime.now(UTC)))
        first = route_rule_failure(session, document_id=document.id, client=client, times_seen=1,
                                   needs_supervisor=False, reason="type the seller's VAT number")
        session.commit()
        assert first.kind is TaskKind.RULE_FAILURE and first.not_for_user == ann.id
        assert claim_next(session, ann.id, 600) is None  # never straight back to ann
        taken = claim_next(session, bob.id, 600)
        assert taken is not None and taken.id == first.id
        taken.state, taken.done_by, taken.done_at = TaskState.DONE, bob.id, datetime.now(UTC)
        # the same failure again: a supervisor decides
        second = route_rule_failure(session, document_id=document.id, client=client, times_seen=2,
                                    needs_supervisor=False, reason="type the seller's VAT number")
        session.commit()
        assert second.kind is TaskKind.SUPERVISOR and second.not_for_user is None
        assert claim_next(session, ann.id, 600) is None and claim_next(session, bob.id, 600) is None
        served = claim_next(session, sue.id, 600)
        assert served is not None and served.id == second.id

        # a rule failure nobody else took for a day goes back to anyone, its own operator included
        other = Document(client_id=client.id, sha256="b" * 64, original_path="y", original_filename="y.pdf",
                         size_bytes=1)
        session.add(other)
        session.flush()
        session.add(ValidationTask(document_id=other.id, client_id=client.id, state=TaskState.DONE,
                                   done_by=bob.id, done_at=datetime.now(UTC)))
        route_rule_failure(session, document_id=other.id, client=client, times_seen=1, needs_supervisor=False,
                           reason="type the exemption reason")
        session.commit()
        assert claim_next(session, bob.id, 600) is None
        return_expired(session, datetime.now(UTC) + timedelta(days=2))
        session.commit()
        back = claim_next(session, bob.id, 600)
        assert back is not None and back.document_id == other.id
