"""The client's own mailbox: ``<client-slug>@MAIL_DOMAIN`` receives its suppliers' invoices.

``MailboxHandler`` is an aiosmtpd handler (run by ``python -m pipeline mailin``):

* RCPT TO an address that is no client's is refused at SMTP time (``550``), as is a
  domain other than MAIL_DOMAIN; a message larger than MAIL_MAX_MB is refused by the
  server itself (``552``, aiosmtpd's ``data_size_limit``);
* DATA: for each client addressed, the raw message is stored first (``receive``: the
  original under its SHA-256, never changed), then handled as an uploaded ``.eml``: a
  message with attachments is split by the read job (``pipeline.intake.email``); a
  message whose only content is an HTML body that reads like an invoice becomes a PDF of
  that body (PyMuPDF's Story), read as a document of its own; any other message without
  a usable attachment stays as a failed document whose reason names the sender — the
  notice the client sees in its documents.

``scan_drop_folders`` takes the files left in ``DATA_DIR/drop/<client-slug>/`` (a
scanner's or a Peppol access point's deliveries) the same way, then moves each into
``.received/`` so it is taken once. Both return the ids of documents to read; the
caller (the ``mailin`` command) hands them to the read job.
"""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parseaddr
from pathlib import Path

import pymupdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Document, InboundAddress
from models.enums import DocumentStatus
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError, NoAttachments
from pipeline.intake.email import split_email
from pipeline.intake.receive import receive

log = logging.getLogger(__name__)

INVOICE_WORDS = re.compile(
    r"\b(factuur|facture|invoice|rechnung|fattura|kasticket|receipt|reçu|btw|tva|vat|mwst|totaal|total|montant|"
    r"bedrag|te betalen|à payer|amount due)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"\d+[.,]\d{2}\b")
SETTLE_SECONDS = (
    5  # a dropped file untouched this long is complete (scanners write in steps)
)
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".filepart")


# ------------------------------------------------------------------ addresses
def client_slug(name: str) -> str:
    """``Bakkerij Janssens BV`` → ``bakkerij-janssens-bv`` (ASCII letters, digits, hyphens)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "client"


def ensure_addresses(session: Session) -> dict[str, int]:
    """Every client's inbound local part (its slug; a number added on a clash), created once."""
    taken = {
        row.local_part: row.client_id for row in session.scalars(select(InboundAddress))
    }
    have = set(taken.values())
    for client in session.scalars(select(Client).order_by(Client.id)):
        if client.id in have:
            continue
        local, n = client_slug(client.name), 1
        while local in taken:
            n += 1
            local = f"{client_slug(client.name)}-{n}"
        session.add(InboundAddress(client_id=client.id, local_part=local))
        taken[local] = client.id
    session.flush()
    return taken


def add_address(session: Session, client_id: int, local_part: str) -> InboundAddress:
    """One more address for a client (``facturen-winkel2@…``), on request."""
    local = local_part.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+_-]{0,119}", local):
        raise ValueError(
            f"{local_part!r} is not a mailbox name (letters, digits, . + _ -)"
        )
    row = InboundAddress(client_id=client_id, local_part=local)
    session.add(row)
    session.flush()
    return row


def client_for(session: Session, settings: Settings, address: str) -> int | None:
    """The client an address delivers to; None for an unknown one or another domain."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    if domain != settings.mail_domain or not local:
        return None
    local = (
        local.split("+", 1)[0] if "+" in local else local
    )  # client+anything@ still reaches the client
    found = session.scalars(
        select(InboundAddress.client_id).where(InboundAddress.local_part == local)
    ).first()
    if found is None:
        found = ensure_addresses(session).get(local)
        session.commit()
    return found


# ------------------------------------------------------------------ one message
def _html_body(message: Message) -> str | None:
    for part in message.walk():
        if (
            part.get_content_type() == "text/html"
            and (part.get_content_disposition() or "") != "attachment"
        ):
            try:
                return str(part.get_content())
            except (LookupError, ValueError):
                return None
    return None


def reads_like_an_invoice(html: str) -> bool:
    text = re.sub(r"<[^>]+>", " ", html)
    return bool(INVOICE_WORDS.search(text)) and bool(AMOUNT.search(text))


def html_to_pdf(html: str) -> bytes:
    """The HTML body as an A4 PDF (PyMuPDF Story). Scripts and remote content are dropped:
    MuPDF fetches nothing, and no script ever runs."""
    cleaned = re.sub(
        r"<(script|style|iframe|object)\b.*?</\1\s*>",
        "",
        html,
        flags=re.IGNORECASE | re.DOTALL,
    )
    cleaned = re.sub(r"<img\b[^>]*>", "", cleaned, flags=re.IGNORECASE)
    story = pymupdf.Story(html=cleaned)
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    page = pymupdf.paper_rect("a4")
    where = page + (40, 40, -40, -40)
    more = True
    pages = 0
    while more and pages < 20:
        device = writer.begin_page(page)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
        pages += 1
    writer.close()
    return buffer.getvalue()


def _sender_address(raw: bytes) -> str:
    """The From address of a raw message, for its stored name; never raises."""
    try:
        _name, address = parseaddr(str(email.message_from_bytes(raw, policy=email.policy.default).get("From") or ""))
    except Exception:
        log.info("a message whose From header cannot be read", exc_info=True)
        address = ""
    return address or "an unknown sender"


def _sender(message: Message) -> str:
    name, address = parseaddr(str(message.get("From") or ""))
    return (
        f"{name} <{address}>"
        if name and address
        else (address or name or "an unknown sender")
    )


@dataclass(frozen=True)
class Accepted:
    message_document: int  # the stored message
    to_read: tuple[
        int, ...
    ]  # documents for the read job (the message itself, or a PDF of its body)
    notice: str | None  # said to the client when nothing in it can become a document


def accept_message(
    session: Session, settings: Settings, client_id: int, raw: bytes
) -> Accepted:
    """Store the raw message for the client, then decide how it is read. Commits.

    The stored message is named after its sender, so a client sees who sent a mail
    that carried no invoice, whatever language the notice is shown in."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    received = receive(
        session,
        settings,
        client_id=client_id,
        filename=f"mail from {_sender_address(raw)} {stamp}.eml",
        data=raw,
        channel="email",
    )
    session.commit()
    if not received.created or received.status is DocumentStatus.FAILED:
        return Accepted(received.document_id, (), None)
    try:
        split_email(raw)
        return Accepted(
            received.document_id, (received.document_id,), None
        )  # the read job splits it
    except NoAttachments as nothing:
        why, code = nothing.message, nothing.code
    except BoekbrugError:
        return Accepted(
            received.document_id, (received.document_id,), None
        )  # the read job says what is wrong
    message = email.message_from_bytes(raw, policy=email.policy.default)
    document = session.get(Document, received.document_id)
    assert document is not None
    html = _html_body(message)
    if html and reads_like_an_invoice(html):
        subject = str(message.get("Subject") or "e-mail").strip()[:80]
        name = re.sub(r"[^\w.-]+", "_", subject).strip("_") or "e-mail"
        child = receive(
            session,
            settings,
            client_id=client_id,
            filename=f"{name}.pdf",
            data=html_to_pdf(html),
            channel="email",
            parent_id=document.id,
        )
        document.status = DocumentStatus.SPLIT
        session.commit()
        return Accepted(
            document.id, (child.document_id,) if child.created else (), None
        )
    notice = (
        f"The e-mail from {_sender(message)} (subject: {str(message.get('Subject') or '-')[:120]}) "
        f"carried no invoice we can read. {why} Ask the sender to attach the invoice as a PDF."
    )
    document.status = DocumentStatus.FAILED
    document.error = f"[{code}] {notice}"[:2000]
    session.commit()
    log.info(
        "mail for client %s without a usable attachment from %s",
        client_id,
        _sender(message),
    )
    return Accepted(document.id, (), notice)


# ------------------------------------------------------------------ SMTP handler
class MailboxHandler:
    """aiosmtpd handler: refuses unknown recipients at RCPT, stores and hands over at DATA."""

    def __init__(
        self, settings: Settings, on_documents: Callable[[Iterable[int]], None]
    ) -> None:
        self.settings = settings
        self.on_documents = on_documents

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with unit_of_work(self.settings.database_url) as db:
            client_id = client_for(db, self.settings, address)
        if client_id is None:
            log.info("refused RCPT %s", address)
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        data = (
            raw
            if isinstance(raw, bytes)
            else str(raw).encode("utf-8", "surrogateescape")
        )
        to_read: list[int] = []
        try:
            with unit_of_work(self.settings.database_url) as db:
                clients = {
                    client_for(db, self.settings, rcpt) for rcpt in envelope.rcpt_tos
                } - {None}
                for client_id in sorted(clients):  # type: ignore[type-var]
                    to_read.extend(
                        accept_message(db, self.settings, client_id, data).to_read
                    )
        except Exception:  # the sender must retry rather than lose the message
            log.exception("a message could not be stored")
            return "451 4.3.0 Could not store the message; try again later"
        try:
            self.on_documents(to_read)
        except (
            Exception
        ):  # stored and recorded: recover (every minute) reads RECEIVED documents
            log.exception(
                "hand-over of %s to the read job failed; recover will read them",
                to_read,
            )
        return "250 Message accepted"


# ------------------------------------------------------------------ drop folders
def drop_folder(settings: Settings, client: Client) -> Path:
    return settings.drop_dir / client_slug(client.name)


def scan_drop_folders(settings: Settings, now: float | None = None) -> list[int]:
    """Take every settled file from the clients' drop folders; the ids of documents to read."""
    moment = time.time() if now is None else now
    to_read: list[int] = []
    with unit_of_work(settings.database_url) as session:
        clients = list(session.scalars(select(Client).order_by(Client.id)))
        for client in clients:
            folder = drop_folder(settings, client)
            folder.mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.iterdir()):
                if (
                    not path.is_file()
                    or path.name.startswith(".")
                    or path.name.endswith(PARTIAL_SUFFIXES)
                    or moment - path.stat().st_mtime < SETTLE_SECONDS
                ):
                    continue
                received = receive(
                    session,
                    settings,
                    client_id=client.id,
                    filename=path.name,
                    data=path.read_bytes(),
                    channel="folder",
                )
                session.commit()  # stored and recorded before the file leaves the folder
                done = folder / ".received"
                done.mkdir(exist_ok=True)
                path.replace(done / f"{datetime.now(UTC):%Y%m%d%H%M%S}-{path.name}")
                if received.created and received.status is not DocumentStatus.FAILED:
                    to_read.append(received.document_id)
    return to_read
