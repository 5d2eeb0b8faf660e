"""Tell a client by e-mail when a document needs them: unreadable, not an invoice, or a second copy.

Each such document becomes one :class:`models.ClientNotice` (once per document and reason).
A client's :class:`models.ClientNoticeSetting` says where the e-mail goes and how often:
``immediate`` (an e-mail as soon as :func:`send_due` runs after the document landed there),
``daily`` (one digest at most every 24 hours, holding everything since the last one) or
``off``. Only documents that reach such a state after the client chose a setting are told.

The e-mail is in the client's language (``Client.language``, else its office's), in plain
words with what to do next — never a state or rule code. It goes out through the SMTP
server of :mod:`pipeline.core.config` (``SMTP_HOST`` …); without one nothing is sent and
the notices wait. ``send_due`` is called by the queue upkeep.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from models import AccountingOffice, Client, ClientNotice, ClientNoticeSetting, Document
from models.enums import DocumentStatus, DocumentType
from pipeline.core.config import Settings
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_, _, format_day, normalise_language, use_language
from pipeline.core.mail import send as smtp_send
from pipeline.core.plain_words import reason_words

log = logging.getLogger(__name__)

RHYTHMS = ("immediate", "daily", "off")
DAY = timedelta(hours=24)
UNREADABLE, NOT_AN_INVOICE, DUPLICATE = "unreadable", "not_an_invoice", "duplicate"
WHAT_TO_DO = {
    UNREADABLE: N_("We could not read it. Please send it again as a PDF or a sharper photo."),
    NOT_AN_INVOICE: N_("This does not look like an invoice, so it was not taken. If it is one, send it again "
                       "or tell your accountant."),
    DUPLICATE: N_("We received this invoice earlier already; it is not booked or paid twice. Nothing to do "
                  "unless it is a different invoice."),
}


class InvalidNoticeSetting(BoekbrugError):
    code = "invalid_notice_setting"
    hint = N_("Give an e-mail address and a rhythm: immediate, daily or off.")


@dataclass(frozen=True)
class Sent:
    client_id: int
    recipient: str
    documents: list[int]


def reason_of(document: Document) -> str | None:
    """Why ``document`` needs its client, or None."""
    if document.status is DocumentStatus.FAILED:
        return UNREADABLE
    if document.status is DocumentStatus.DUPLICATE:
        return DUPLICATE
    if document.status is DocumentStatus.REJECTED and document.document_type is DocumentType.NOT_AN_INVOICE:
        return NOT_AN_INVOICE
    return None


def set_notice_setting(session: Session, client_id: int, email: str, rhythm: str) -> ClientNoticeSetting:
    """Where the client's notices go and how often (``immediate``, ``daily``, ``off``)."""
    address = (email or "").strip()
    if rhythm not in RHYTHMS or "@" not in address or len(address) > 254 or any(c in address for c in "\r\n, "):
        raise InvalidNoticeSetting(N_("{address} / {rhythm} is not an e-mail address and a rhythm"),
                                   params={"address": repr(address), "rhythm": repr(rhythm)})
    setting = session.get(ClientNoticeSetting, client_id)
    if setting is None:
        setting = ClientNoticeSetting(client_id=client_id, email=address, rhythm=rhythm)
        session.add(setting)
    else:
        setting.email, setting.rhythm = address, rhythm
    session.flush()
    return setting


def notice_setting(session: Session, client_id: int) -> ClientNoticeSetting | None:
    return session.get(ClientNoticeSetting, client_id)


def collect(session: Session) -> int:
    """A notice for every document of a told client that needs them now and has none yet; how many new."""
    needs = or_(Document.status.in_([DocumentStatus.FAILED, DocumentStatus.DUPLICATE]),
                and_(Document.status == DocumentStatus.REJECTED,
                     Document.document_type == DocumentType.NOT_AN_INVOICE))
    rows = session.execute(
        select(Document)
        .join(ClientNoticeSetting, ClientNoticeSetting.client_id == Document.client_id)
        .where(needs, ClientNoticeSetting.rhythm != "off", Document.updated_at >= ClientNoticeSetting.created_at,
               ~exists().where(ClientNotice.document_id == Document.id))
        .order_by(Document.id)
    ).scalars().all()
    made = 0
    for document in rows:
        reason = reason_of(document)
        if reason is not None:
            session.add(ClientNotice(client_id=document.client_id, document_id=document.id, reason=reason))
            made += 1
    session.flush()
    return made


def language_of_client(session: Session, client: Client) -> str:
    if client.language:
        return normalise_language(client.language)
    office = session.get(AccountingOffice, client.office_id)
    return normalise_language(office.language if office is not None else None)


def compose(client: Client, lang: str, items: list[tuple[ClientNotice, Document]], sender: str,
            recipient: str) -> EmailMessage:
    """The e-mail to the client, in ``lang``: one paragraph per document, what it is and what to do."""
    with use_language(lang):
        message = EmailMessage()
        subject = (_("Boekbrug: 1 document needs you") if len(items) == 1
                   else _("Boekbrug: {n} documents need you").format(n=len(items)))
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = recipient
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        body = [_("Hello {name},").format(name=client.name), "",
                _("These documents need you before your accountant can book them:"), ""]
        for notice, document in items:
            body.append("• " + _("{file} (received {day})").format(
                file=document.original_filename, day=format_day(document.received_at)))
            body.append("  " + _(WHAT_TO_DO[notice.reason]))
            detail = reason_words(document.error, for_client=True) if notice.reason == UNREADABLE else ""
            if detail:
                body.append("  " + detail)
            body.append("")
        body += [_("You can see every document and where it stands in Boekbrug, page Documents."), "",
                 _("You get this e-mail because of your notice setting; change it on the Documents page.")]
        message.set_content("\n".join(body))
    return message


def due(setting: ClientNoticeSetting, now: datetime) -> bool:
    if setting.rhythm == "immediate":
        return True
    if setting.rhythm == "daily":
        last = setting.last_digest_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return last is None or now - last >= DAY
    return False


def send_due(session: Session, settings: Settings, now: datetime | None = None) -> list[Sent]:
    """Collect new notices, then e-mail every client whose rhythm says it is time. Without an SMTP
    server nothing is sent (the notices wait); a refused send is logged and tried again next round."""
    now = now or datetime.now(UTC)
    collect(session)
    if not settings.smtp_host:
        return []
    sent: list[Sent] = []
    pending = session.execute(
        select(ClientNotice, Document).join(Document, Document.id == ClientNotice.document_id)
        .where(ClientNotice.sent_at.is_(None)).order_by(ClientNotice.client_id, ClientNotice.id)
    ).all()
    by_client: dict[int, list[tuple[ClientNotice, Document]]] = {}
    for notice, document in pending:
        by_client.setdefault(notice.client_id, []).append((notice, document))
    for client_id, items in by_client.items():
        setting = session.get(ClientNoticeSetting, client_id)
        client = session.get(Client, client_id)
        if setting is None or client is None or not due(setting, now):
            continue
        sender = settings.smtp_from or f"noreply@{settings.mail_domain}"
        message = compose(client, language_of_client(session, client), items, sender, setting.email)
        try:
            smtp_send(settings, message)
        except (OSError, smtplib.SMTPException, BoekbrugError):
            log.warning("notices for client %s not sent; tried again next round", client_id, exc_info=True)
            continue
        for notice, _document in items:
            notice.sent_at = now
        setting.last_digest_at = now
        session.flush()
        sent.append(Sent(client_id, setting.email, [d.id for _n, d in items]))
        log.info("told client %s about %d document(s)", client_id, len(items))
    return sent
