"""Sending e-mail over SMTP: one way out for every message the project sends.

The client's own invoices, forwardings to an accounting package's import mailbox,
notices to clients and invitations all go through ``send``.

| variable | default | meaning |
|---|---|---|
| SMTP_HOST | unset | the SMTP server; unset: sending is not configured |
| SMTP_PORT | 587 (25 without STARTTLS) | its port |
| SMTP_FROM | per message (the client's e-mail, ``boekbrug@MAIL_DOMAIN``) | the From address |
| SMTP_USER / SMTP_PASSWORD | unset | log in when both are set |
| SMTP_STARTTLS | 1 | upgrade the connection with STARTTLS ("0" to send in clear, e.g. a local relay) |
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError


class MailNotConfigured(BoekbrugError):
    code = "mail_not_configured"
    hint = "Set SMTP_HOST (and SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS)."


def send(settings: Settings, message: EmailMessage, timeout: float = 30.0) -> str:
    """Hand ``message`` to the SMTP server; its answer in words.

    Raises ``MailNotConfigured`` without a server, and ``OSError`` / ``smtplib.SMTPException``
    when the server cannot be reached or refuses (every recipient refused included)."""
    if not settings.smtp_host:
        raise MailNotConfigured("no SMTP server is configured")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as server:
        server.ehlo()
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if settings.smtp_user and settings.smtp_password:
            server.login(settings.smtp_user, settings.smtp_password)
        refused = server.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return f"accepted by {settings.smtp_host}:{settings.smtp_port} for {message['To']}"
