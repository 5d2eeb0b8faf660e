"""A document that comes back for the same reason never lands on the same operator twice in a
row; the task the workbench peeks at (to draw its page ahead) is the one the operator then claims."""

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
from pipeline.review.tasks import candidates, claim_next, open_task, return_expired

REASON = "fields to check: iban"


def test_the_same_reason_goes_to_another_operator_a_new_one_to_anyone(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Client")
        ann = create_user(session, "ann", "password-123", Role.OPERATOR)
        bob = create_user(session, "bob", "password-123", Role.OPERATOR)
        documents = []
        for n in range(2):
            document = Document(client_id=client.id, sha256=str(n) * 64, original_path=f"x{n}",
                                original_filename=f"x{n}.pdf", size_bytes=1)
            session.add(document)
            session.flush()
            documents.append(document)
            # ann saved its first task; the document came back
            session.add(ValidationTask(document_id=document.id, client_id=client.id, kind=TaskKind.VALIDATE,
                                       state=TaskState.DONE, done_by=ann.id, done_at=datetime.now(UTC), reason=REASON))
        session.flush()
        same = open_task(session, document_id=documents[0].id, client=client, kind=TaskKind.VALIDATE,
                         expected_errors=1.0, reason=REASON, priority=1)
        other = open_task(session, document_id=documents[1].id, client=client, kind=TaskKind.VALIDATE,
                          expected_errors=1.0, reason="fields to check: total_incl_vat")
        session.commit()
        assert same.not_for_user == ann.id and other.not_for_user is None
        # ann is served the one that came back for another reason, never the one she just saved
        assert session.scalar(candidates(session, ann.id)) == other.id
        taken = claim_next(session, ann.id, 600)
        assert taken is not None and taken.id == other.id
        assert claim_next(session, ann.id, 600).id == other.id  # (what she holds)
        assert session.scalar(candidates(session, bob.id)) == same.id  # the peek names what the claim takes
        served = claim_next(session, bob.id, 600)
        assert served is not None and served.id == same.id

        # nobody else took it for a day: anyone may, its own operator included
        third = Document(client_id=client.id, sha256="c" * 64, original_path="z", original_filename="z.pdf",
                         size_bytes=1)
        session.add(third)
        session.flush()
        session.add(ValidationTask(document_id=third.id, client_id=client.id, kind=TaskKind.VALIDATE,
                                   state=TaskState.DONE, done_by=ann.id, done_at=datetime.now(UTC), reason=REASON))
        session.flush()
        back = open_task(session, document_id=third.id, client=client, kind=TaskKind.VALIDATE, expected_errors=1.0,
                         reason=REASON)
        session.commit()
        taken.state = served.state = TaskState.DONE  # both saved
        session.commit()
        assert back.not_for_user == ann.id and claim_next(session, ann.id, 600) is None
        return_expired(session, datetime.now(UTC) + timedelta(days=2))
        session.commit()
        again = claim_next(session, ann.id, 600)
        assert again is not None and again.id == back.id
