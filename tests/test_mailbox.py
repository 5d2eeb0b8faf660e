"""The client's own mailbox, over a real SMTP session (aiosmtpd + smtplib on localhost),
and its drop folder."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from models import Document
from models.enums import DocumentKind, DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.intake.mailbox import (
    MailboxHandler,
    add_address,
    client_slug,
    drop_folder,
    ensure_addresses,
    scan_drop_folders,
)
from pipeline.jobs.read_job import read_job

INVOICE = min((PROJECT_ROOT / "data" / "demo" / "docs").glob("*.pdf"))
HTML_INVOICE = """<html><body><h1>Factuur 2026-118</h1><p>Drukkerij Peeters BV, BTW BE0987654394</p>
<table><tr><td>Drukwerk</td><td>100,00</td></tr><tr><td>BTW 21%</td><td>21,00</td></tr>
<tr><td><b>Totaal te betalen</b></td><td><b>121,00 EUR</b></td></tr></table>
<script>alert(1)</script><img src="https://tracker.example/p.gif"></body></html>"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox(db_url: str, settings_for) -> Iterator[tuple[object, int, list[int]]]:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url, MAIL_DOMAIN="boekbrug.example")
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(
            session, office, "Bakkerij Janssens BV", vat="BE0123456749"
        )
        ensure_addresses(session)
        session.commit()
    handed: list[int] = []

    def read(ids) -> None:  # type: ignore[no-untyped-def]
        for document_id in ids:
            handed.append(document_id)
            read_job(document_id)

    port = _free_port()
    controller = Controller(
        MailboxHandler(settings, read),
        hostname="127.0.0.1",
        port=port,
        data_size_limit=200_000,
    )
    controller.start()
    yield settings, port, handed
    controller.stop()


def _message(
    to: str,
    *,
    attach: Path | None = None,
    html: str | None = None,
    text: str = "Zie bijlage.",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Drukkerij Peeters <facturen@peeters.example>"
    message["To"] = to
    message["Subject"] = "Factuur november"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attach is not None:
        message.add_attachment(
            attach.read_bytes(),
            maintype="application",
            subtype="pdf",
            filename=attach.name,
        )
    return message


def _documents(db_url: str) -> list[Document]:
    with unit_of_work(db_url) as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_a_supplier_mails_an_invoice_to_the_clients_address(
    db_url: str, mailbox
) -> None:  # type: ignore[no-untyped-def]
    _, port, handed = mailbox
    assert client_slug("Bakkerij Janssens BV") == "bakkerij-janssens-bv"
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(
            _message("bakkerij-janssens-bv@boekbrug.example", attach=INVOICE)
        )
    documents = _documents(db_url)
    message = documents[0]
    assert (
        message.kind is DocumentKind.EMAIL and message.channel == "email"
    )  # the raw message, stored first
    assert message.status is DocumentStatus.SPLIT
    parts = [d for d in documents if d.parent_id == message.id]
    assert (
        len(parts) == 1
        and parts[0].original_filename == INVOICE.name
        and parts[0].kind is DocumentKind.PDF
    )
    assert parts[0].status not in (
        DocumentStatus.RECEIVED,
        DocumentStatus.FAILED,
    )  # read
    assert handed == [message.id]


def test_unknown_addresses_and_other_domains_are_refused_at_rcpt(
    db_url: str, mailbox
) -> None:  # type: ignore[no-untyped-def]
    _, port, _ = mailbox
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address in (
            "nobody@boekbrug.example",
            "bakkerij-janssens-bv@elsewhere.example",
        ):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.send_message(_message(address, attach=INVOICE))
            assert refused.value.recipients[address][0] == 550
    assert _documents(db_url) == []


def test_a_mail_without_an_invoice_becomes_a_notice_naming_the_sender(
    db_url: str, mailbox
) -> None:  # type: ignore[no-untyped-def]
    _, port, handed = mailbox
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(
            _message("bakkerij-janssens-bv@boekbrug.example", text="Hoi, tot morgen!")
        )
    [document] = _documents(db_url)
    assert document.status is DocumentStatus.FAILED and handed == []
    assert "Drukkerij Peeters <facturen@peeters.example>" in document.error
    assert "[no_attachments]" in document.error and "Factuur november" in document.error
    # what the client is shown: the stored name says who sent it, the reason in plain words
    assert document.original_filename.startswith("mail from facturen@peeters.example ")


def test_a_body_only_html_invoice_becomes_a_pdf_of_the_body(
    db_url: str, mailbox
) -> None:  # type: ignore[no-untyped-def]
    settings, port, handed = mailbox
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(
            _message("bakkerij-janssens-bv+nov@boekbrug.example", html=HTML_INVOICE)
        )
    message, body = _documents(db_url)
    assert message.status is DocumentStatus.SPLIT and body.parent_id == message.id
    assert body.kind is DocumentKind.PDF and handed == [body.id]
    pdf = (settings.data_dir / body.original_path).read_bytes()
    assert pdf.startswith(b"%PDF") and b"tracker.example" not in pdf


def test_a_message_over_the_size_limit_is_refused(db_url: str, mailbox) -> None:  # type: ignore[no-untyped-def]
    _, port, _ = mailbox
    big = _message("bakkerij-janssens-bv@boekbrug.example", text="x" * 300_000)
    with (
        smtplib.SMTP("127.0.0.1", port) as smtp,
        pytest.raises(smtplib.SMTPException) as refused,
    ):
        smtp.send_message(big)
    assert "552" in str(refused.value) or getattr(refused.value, "smtp_code", 0) == 552
    assert _documents(db_url) == []


def test_more_addresses_on_request_and_the_drop_folder(
    db_url: str, settings_for
) -> None:
    settings = settings_for(db_url)
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        client = get_or_create_client(session, office, "Café De Hoek")
        assert ensure_addresses(session) == {"cafe-de-hoek": client.id}
        add_address(session, client.id, "kasticketjes")
        with pytest.raises(ValueError):
            add_address(session, client.id, "no spaces please")
        session.commit()
        folder = drop_folder(settings, client)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INVOICE.name).write_bytes(INVOICE.read_bytes())
    (folder / "scan-0002.pdf.part").write_bytes(b"%PDF-1.7 half written")
    assert scan_drop_folders(settings) == []  # not settled yet
    ids = scan_drop_folders(settings, now=time.time() + 60)
    assert len(ids) == 1
    [document] = _documents(db_url)
    assert document.channel == "folder" and document.original_filename == INVOICE.name
    assert (
        not (folder / INVOICE.name).exists()
        and len(list((folder / ".received").iterdir())) == 1
    )
    assert (
        folder / "scan-0002.pdf.part"
    ).exists()  # a file still being written is left alone
    assert scan_drop_folders(settings, now=time.time() + 60) == []  # taken once
