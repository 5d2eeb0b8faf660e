"""A real SMTP server for tests (aiosmtpd on a free local port) and what it received."""

from __future__ import annotations

import email
import email.message
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """Every message received: parsed (``messages``) and as the envelope saw it (``envelopes``)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        raw = envelope.original_content or envelope.content
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        self.messages.append(email.message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def link(self) -> str:
        """The one-time link in the last message (invitations, password resets)."""
        body = self.messages[-1].get_content()
        return re.search(r"https?://\S+/setpassword\?token=[A-Za-z0-9_\-]+", body).group(0)  # type: ignore[union-attr]

    def link_token(self) -> str:
        """The token of that link."""
        return self.link().rsplit("token=", 1)[1]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
