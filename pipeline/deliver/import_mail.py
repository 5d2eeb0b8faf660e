"""Forward one released UBL to an accounting package's import mailbox over SMTP.

One UBL per message (import mailboxes book one document per mail), the original
attached beside it. It is sent with ``pipeline.core.mail.send`` (the ``SMTP_*`` settings).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid


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
