"""Forwarding to the office: a released UBL reaches every target once — an export folder,
an import mailbox over a real SMTP session, a signed webhook on a real HTTP server — a
failed delivery is recorded, visible and retried with back-off, and re-delivery works."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Delivery, Document, Forwarding, ForwardingAttempt
from models.enums import (
    DeliveryChannel,
    DocumentStatus,
    ForwardingState,
    Role,
    TargetKind,
)
from pipeline import api
from pipeline.__main__ import main
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.deliver import webhook
from pipeline.deliver.forward import forward_due, redeliver
from pipeline.deliver.targets import BadTarget, add_target, targets_for
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.upkeep import queue_upkeep

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
SECRET = "s3cret-for-the-test"


@pytest.fixture
def smtp(smtp_inbox):  # type: ignore[no-untyped-def]
    return smtp_inbox


class Receiver(ThreadingHTTPServer):
    """A package's webhook: checks the signature; answers 500 to the first ``fail_first`` posts."""

    def __init__(self, fail_first: int) -> None:
        super().__init__(("127.0.0.1", 0), Hook)
        self.fail_first = fail_first
        self.calls: list[dict] = []


class Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        good = webhook.verify(
            SECRET,
            self.headers["X-Boekbrug-Timestamp"],
            body,
            self.headers["X-Boekbrug-Signature"],
        )
        self.server.calls.append(
            {
                "good": good,
                "delivery": self.headers["X-Boekbrug-Delivery"],
                "body": body,
            }
        )
        status = (
            500
            if len(self.server.calls) <= self.server.fail_first
            else (200 if good else 401)
        )
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"try later")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def hook() -> Iterator[Receiver]:
    server = Receiver(fail_first=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_release_reaches_every_target_once_and_a_failure_is_retried(
    db_url: str, settings_for, smtp, hook
) -> None:
    inbox, port = smtp
    settings = settings_for(
        db_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_STARTTLS="0",
        SMTP_FROM="centre@boekbrug.example",
    )
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")
        add_target(session, office_id=office.id, kind=TargetKind.EXPORT_FOLDER)
        add_target(
            session,
            office_id=office.id,
            kind=TargetKind.EMAIL,
            address="import-0042@package.example",
        )
        add_target(
            session,
            office_id=office.id,
            kind=TargetKind.WEBHOOK,
            secret=SECRET,
            address=f"http://127.0.0.1:{hook.server_address[1]}/boekbrug",
        )
        session.commit()
    document_id = ingest_files(settings, "Client", [UBL]).document_ids[0]

    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert document.status is DocumentStatus.DELIVERED
        states = {f.target_id: f.state for f in session.scalars(select(Forwarding))}
        assert sorted(states.values()) == sorted(
            [
                ForwardingState.DELIVERED,
                ForwardingState.DELIVERED,
                ForwardingState.FAILED,
            ]
        )
        failed = session.scalars(
            select(Forwarding).where(Forwarding.state == ForwardingState.FAILED)
        ).one()
        assert (
            failed.last_error
            and "500" in failed.last_error
            and failed.next_attempt_at is not None
        )
        exported = session.scalars(
            select(Delivery).where(Delivery.channel == DeliveryChannel.EXPORT_FOLDER)
        ).one()
        assert (settings.data_dir / exported.path).read_bytes().startswith(b"<?xml")

    # one UBL per message, the original beside it
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "import-0042@package.example"
    names = [part.get_filename() for part in message.iter_attachments()]
    assert len(names) == 2 and names[0].endswith(".xml") and names[1] == UBL.name
    # the webhook was signed, refused once (500): it waits for its back-off
    assert len(hook.calls) == 1 and hook.calls[0]["good"]
    assert forward_due(settings).delivered == 0  # not due yet
    later = datetime.now(UTC) + timedelta(minutes=2)
    with unit_of_work(db_url) as session:  # its back-off has passed: the upkeep tries it again
        for forwarding in session.scalars(select(Forwarding).where(Forwarding.state == ForwardingState.FAILED)):
            forwarding.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    queue_upkeep(settings)
    assert (
        len(hook.calls) == 2
        and hook.calls[1]["good"]
        and hook.calls[1]["delivery"] == hook.calls[0]["delivery"]
    )
    assert hook.calls[1]["body"].startswith(b"<?xml")
    assert (
        forward_due(settings, now=later + timedelta(days=1)).delivered == 0
    )  # delivered once
    with unit_of_work(db_url) as session:
        attempts = session.scalars(
            select(ForwardingAttempt).order_by(ForwardingAttempt.id)
        ).all()
        assert [a.ok for a in attempts].count(False) == 1 and len(attempts) == 4

        # re-delivery on request: every target again
        assert len(redeliver(session, document_id, target_id=None)) == 3
        session.commit()
    assert forward_due(settings).delivered == 3
    assert len(inbox.messages) == 2 and len(hook.calls) == 3


def test_targets_are_checked_and_a_client_overrides_its_office(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Client")
        with pytest.raises(BadTarget):
            add_target(
                session,
                office_id=office.id,
                kind=TargetKind.WEBHOOK,
                address="http://example.com/hook",
            )
        with pytest.raises(BadTarget):
            add_target(
                session,
                office_id=office.id,
                kind=TargetKind.EMAIL,
                address="not an address",
            )
        add_target(session, office_id=office.id, kind=TargetKind.EXPORT_FOLDER)
        assert [t.kind for t in targets_for(session, client)] == [
            TargetKind.EXPORT_FOLDER
        ]
        own = add_target(
            session,
            office_id=office.id,
            client_id=client.id,
            kind=TargetKind.EMAIL,
            address="dossier-17@package.example",
        )
        assert [t.id for t in targets_for(session, client)] == [own.id]
        session.commit()


def test_the_command_line_adds_lists_and_retries(
    db_url: str, settings_for, capsys
) -> None:
    settings_for(db_url)
    with unit_of_work(db_url) as session:
        get_or_create_office(session, "Office")
        session.commit()
    assert (
        main(
            [
                "deliver",
                "add",
                "--office",
                "Office",
                "--kind",
                "email",
                "--address",
                "in@package.example",
            ]
        )
        == 0
    )
    assert main(["deliver", "list"]) == 0
    out = capsys.readouterr().out
    assert "in@package.example" in out
    assert main(["deliver", "retry"]) == 0
    assert main(["deliver", "again", "999"]) == 2  # no such release: said, not a crash


def test_the_library_shows_the_profile_and_forwardings_and_delivers_again(db_url: str, settings_for, smtp) -> None:
    inbox, port = smtp
    settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="0")
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")
        add_target(session, office_id=office.id, kind=TargetKind.EMAIL, address="import@package.example")
        accountant = principal_of(create_user(session, "acc", "password-123", Role.ACCOUNTANT, office_id=office.id))
        operator = principal_of(create_user(session, "op", "password-123", Role.OPERATOR))
        session.commit()
    document_id = ingest_files(settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port),
                                            SMTP_STARTTLS="0"), "Client", [UBL]).document_ids[0]
    doc = api.library_document(accountant, document_id)
    assert doc.profile and doc.profile.startswith("Peppol BIS 3")
    assert [f.state for f in doc.forwardings] == [ForwardingState.DELIVERED] and len(inbox.messages) == 1
    with pytest.raises(api.Forbidden):
        api.deliver_again(operator, document_id)
    assert api.deliver_again(accountant, document_id) == (1, 0)
    assert len(inbox.messages) == 2
