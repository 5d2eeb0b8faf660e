"""Forward one released UBL to an accounting package's import mailbox over SMTP.

One UBL per message (import mailboxes book one document per mail), the original
attached beside it. SMTP settings come from ``pipeline.core.config`` (``SMTP_HOST``,
``SMTP_PORT``, ``SMTP_FROM``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS``).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError


class MailNotConfigured(BoekbrugError):
    code = "mail_not_configured"
    hint = "Set SMTP_HOST (and SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS)."


def compose(
    sender: str,
    recipient: str,
    subject: str,
    ubl_name: str,
    xml: bytes,
    original: tuple[str, bytes, str] | None,
    reference: str,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(
        idstring=reference, domain=sender.rpartition("@")[2] or None
    )
    message.set_content(
        f"{subject}\n\nUBL (EN 16931) in attachment, with the original document.\n"
    )
    message.add_attachment(
        xml, maintype="application", subtype="xml", filename=ubl_name
    )
    if original is not None:
        name, content, mime = original
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return message


def send(settings: Settings, message: EmailMessage, timeout: float = 30.0) -> str:
    """Hand the message to the SMTP server; its reply in words. Raises OSError / SMTPException."""
    if not settings.smtp_host:
        raise MailNotConfigured(
            "no SMTP server is configured for forwarding to an import mailbox"
        )
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=timeout
    ) as server:
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user and settings.smtp_password:
            server.login(settings.smtp_user, settings.smtp_password)
        refused = server.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return f"accepted by {settings.smtp_host}:{settings.smtp_port} for {message['To']}"
