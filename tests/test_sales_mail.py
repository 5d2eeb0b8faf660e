"""An issued invoice goes out by e-mail with its PDF and its UBL, to a real (local) SMTP server."""

from __future__ import annotations

import email
from datetime import date
from email import policy
from email.message import EmailMessage

import pytest

from models.sales import SalesInvoice
from pipeline.core.config import from_environment
from pipeline.core.db import session_factory, unit_of_work
from pipeline.core.mail import MailNotConfigured, send
from pipeline.sales import create_draft, issue
from pipeline.sales.mail import send_invoice
from tests.test_sales_invoices import MIXED, seller_with_customers


@pytest.fixture
def smtp_server(smtp_inbox):  # type: ignore[no-untyped-def]
    return smtp_inbox


def test_settings_come_from_the_environment() -> None:
    with pytest.raises(MailNotConfigured):
        send(from_environment({}), EmailMessage())
    smtp = from_environment({"SMTP_HOST": "mail.example", "SMTP_STARTTLS": "0", "SMTP_FROM": "a@b.example"})
    assert (smtp.smtp_host, smtp.smtp_port, smtp.smtp_starttls, smtp.smtp_from) == ("mail.example", 25, False, "a@b.example")
    assert from_environment({"SMTP_HOST": "m", "SMTP_PORT": "2525"}).smtp_port == 2525


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_invoice_mail_carries_pdf_and_ubl(db_url: str, settings_for, smtp_server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    settings = settings_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="0",
                            SMTP_FROM="facturen@peeters.example")
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED).id
    with session_factory(db_url)() as session:
        invoice = issue(session, settings, draft_id, issue_date=date(2026, 3, 16))
        recipient = send_invoice(session, settings, invoice.id)
        session.commit()
    assert recipient == "boekhouding@klant.example"
    assert len(inbox.envelopes) == 1
    sender, recipients, raw = inbox.envelopes[0]
    assert sender == "facturen@peeters.example" and recipients == [recipient]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert "2026-00001" in message["Subject"]
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(parts) == {"2026-00001.pdf", "2026-00001.xml"}
    assert parts["2026-00001.pdf"].get_content_type() == "application/pdf"
    assert parts["2026-00001.pdf"].get_content().startswith(b"%PDF")
    assert b"<cbc:ID>2026-00001</cbc:ID>" in parts["2026-00001.xml"].get_content()
    assert invoice.payment_reference in message.get_body(("plain",)).get_content()
    with session_factory(db_url)() as session:
        assert session.get(SalesInvoice, invoice.id).sent_to == recipient
