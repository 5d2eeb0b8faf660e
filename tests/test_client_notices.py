"""A client is told by e-mail (a real local SMTP server, aiosmtpd) when a document needs them:
in their language, in plain words, once per document, immediately or in a daily digest."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

import pytest

from models import Document
from models.enums import DocumentKind, DocumentStatus, DocumentType
from pipeline.core import accounts
from pipeline.core.db import unit_of_work
from pipeline.deliver import client_notices
from pipeline.deliver.client_notices import (
    InvalidNoticeSetting,
    send_due,
    set_notice_setting,
)


@pytest.fixture
def smtp(smtp_inbox):  # type: ignore[no-untyped-def]
    return smtp_inbox


def _document(session, client_id: int, name: str, status: DocumentStatus, **extra) -> int:  # type: ignore[no-untyped-def]
    document = Document(client_id=client_id, sha256=name.ljust(64, "0")[:64], original_path=f"x/{name}",
                        original_filename=name, size_bytes=10, kind=DocumentKind.PDF, channel="upload",
                        status=status, **extra)
    session.add(document)
    session.flush()
    return document.id


def _world(url: str, language: str, rhythm: str) -> tuple[int, list[int]]:
    with unit_of_work(url) as session:
        office = accounts.get_or_create_office(session, "Kantoor Oost")
        office.language = language
        client = accounts.get_or_create_client(session, office, "Frituur Mons")
        set_notice_setting(session, client.id, "frituur@example.be", rhythm)
        ids = [
            _document(session, client.id, "scan-wazig.jpg", DocumentStatus.FAILED,
                      error="[corrupt_file] PDF xref broken at byte 1234 — The file is damaged"),
            _document(session, client.id, "menu.pdf", DocumentStatus.REJECTED,
                      document_type=DocumentType.NOT_AN_INVOICE, rejection_reason="not an invoice (operator)"),
            _document(session, client.id, "factuur-2.pdf", DocumentStatus.DUPLICATE),
            _document(session, client.id, "goed.pdf", DocumentStatus.NEEDS_VALIDATION),  # needs nobody
        ]
        return client.id, ids


def _text(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_immediate_notice_in_the_clients_language_once(db_url, settings_for, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    current = settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="0",
                           SMTP_FROM="boekbrug@kantoor.example")
    _client_id, ids = _world(db_url, "fr", "immediate")
    with unit_of_work(db_url) as session:
        sent = send_due(session, current)
    assert [s.documents for s in sent] == [ids[:3]]
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "frituur@example.be"
    assert message["Subject"] == "Boekbrug : 3 documents ont besoin de vous"
    body = _text(message)
    for name in ("scan-wazig.jpg", "menu.pdf", "factuur-2.pdf"):
        assert name in body
    assert "goed.pdf" not in body
    assert "Le fichier est endommagé" in body  # the reason in plain French words
    for code in ("corrupt_file", "[", "failed", "duplicate", "not_an_invoice", "byte 1234"):
        assert code not in body, code
    with unit_of_work(db_url) as session:  # told once: nothing new, nothing sent
        assert send_due(session, current) == []
    assert len(inbox.messages) == 1


def test_daily_digest_waits_a_day(db_url, settings_for, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    current = settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="0")
    _client_id, ids = _world(db_url, "nl", "daily")
    now = datetime.now(UTC)
    with unit_of_work(db_url) as session:
        assert len(send_due(session, current, now)) == 1  # the first digest goes out
    with unit_of_work(db_url) as session:
        client = session.get(Document, ids[0])
        _document(session, client.client_id, "nog-een-scan.jpg", DocumentStatus.FAILED, error="[read_timeout] slow")
    with unit_of_work(db_url) as session:
        assert send_due(session, current, now + timedelta(hours=3)) == []  # within the day: it waits
    with unit_of_work(db_url) as session:
        later = send_due(session, current, now + timedelta(hours=25))
    assert len(later) == 1 and len(later[0].documents) == 1
    assert len(inbox.messages) == 2
    assert inbox.messages[0]["Subject"] == "Boekbrug: 3 documenten wachten op u"
    assert inbox.messages[1]["Subject"] == "Boekbrug: 1 document wacht op u"
    assert "nog-een-scan.jpg" in _text(inbox.messages[1]) and "scan-wazig.jpg" not in _text(inbox.messages[1])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_smtp_the_notices_wait(db_url, settings_for, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    _world(db_url, "nl", "immediate")
    quiet = settings_for(db_url)
    with unit_of_work(db_url) as session:
        assert send_due(session, quiet) == []
    loud = settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="0")
    with unit_of_work(db_url) as session:
        assert len(send_due(session, loud)) == 1
    assert len(inbox.messages) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_setting_is_an_address_and_a_rhythm(db_url, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = accounts.get_or_create_office(session, "Kantoor West")
        client = accounts.get_or_create_client(session, office, "Bakkerij")
        for email_address, rhythm in (("no-at-sign", "daily"), ("a@b.be", "weekly"), ("a@b.be\r\nBcc: x@y", "daily")):
            with pytest.raises(InvalidNoticeSetting):
                set_notice_setting(session, client.id, email_address, rhythm)
        assert set_notice_setting(session, client.id, "a@b.be", "off").rhythm == "off"
        assert client_notices.notice_setting(session, client.id).email == "a@b.be"  # type: ignore[union-attr]
