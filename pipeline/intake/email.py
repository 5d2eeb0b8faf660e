"""Split an e-mail (.eml) into the documents it carries.

``split_email(data)`` walks every MIME part, forwarded messages (``message/rfc822``
parts and attached ``.eml`` files) included, and keeps the parts whose *content*
sniffs as a PDF, an image or a UBL/CII invoice XML, whatever their declared
content type. Images under ``MIN_IMAGE_BYTES`` (signatures, logos, tracking pixels)
are skipped, as are exact duplicates. Bodies (text/plain, text/html) are never
documents. When nothing is left, :class:`NoAttachments` says what was skipped.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

from models.enums import DocumentKind
from pipeline.core.errors import BoekbrugError, CorruptFile, EmptyFile, NoAttachments
from pipeline.intake.sniff import sniff

log = logging.getLogger(__name__)

MIN_IMAGE_BYTES = 10 * 1024
MAX_DEPTH = 5  # forwarded-in-forwarded-in-… messages
_EXT = {DocumentKind.PDF: "pdf", DocumentKind.IMAGE: "img", DocumentKind.UBL: "xml"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class Attachment:
    filename: str  # sanitised: no folders, no control characters
    content: bytes
    content_type: str  # as declared in the e-mail
    kind: DocumentKind  # as sniffed from the content


@dataclass(frozen=True)
class SplitEmail:
    sender: str | None
    subject: str | None
    date: datetime | None
    message_id: str | None
    attachments: tuple[Attachment, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # what was left out, and why


def safe_filename(name: str | None, fallback: str) -> str:
    if not name:
        return fallback
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:150] or fallback


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header must not stop the split
        return None
    return str(value).strip() if value is not None else None


def _date(msg: Message) -> datetime | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None


def split_email(data: bytes) -> SplitEmail:
    """Attachments (PDF, image, invoice XML) and metadata of one e-mail."""
    if not data or not data.strip():
        raise EmptyFile("The e-mail is empty.")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:
        raise CorruptFile(f"The e-mail cannot be parsed: {exc}") from exc
    found: list[Attachment] = []
    skipped: list[str] = []
    _collect(msg, found, skipped, set(), depth=0)
    result = SplitEmail(
        sender=_header(msg, "From"),
        subject=_header(msg, "Subject"),
        date=_date(msg),
        message_id=_header(msg, "Message-ID"),
        attachments=tuple(found),
        skipped=tuple(skipped),
    )
    if not found:
        why = "; ".join(skipped) if skipped else "it has no attachments"
        raise NoAttachments(f"No PDF, image or invoice XML in the e-mail ({why}).")
    return result


def _collect(msg: Message, found: list[Attachment], skipped: list[str], seen: set[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        skipped.append("messages nested too deep")
        return
    for part in msg.walk():
        if part.is_multipart():
            continue  # containers (multipart/*, message/rfc822) are walked into
        ctype = part.get_content_type()
        raw_name = part.get_filename()
        disposition = (part.get_content_disposition() or "").lower()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not raw_name:
            continue  # the message body
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            payload = None
        if not payload:
            continue
        name = safe_filename(raw_name, f"attachment-{len(found) + len(skipped) + 1}")
        try:
            kind = sniff(payload, name)
        except BoekbrugError as exc:
            if ctype not in ("text/plain", "text/html"):
                skipped.append(f"{name}: {exc.message}")
            continue
        if kind == DocumentKind.EMAIL:
            try:
                inner = email.message_from_bytes(payload, policy=email.policy.default)
            except Exception:  # noqa: BLE001
                skipped.append(f"{name}: attached e-mail cannot be parsed")
                continue
            _collect(inner, found, skipped, seen, depth + 1)
            continue
        if kind == DocumentKind.IMAGE and len(payload) < MIN_IMAGE_BYTES:
            skipped.append(f"{name}: image of {len(payload)} bytes (logo or signature)")
            continue
        digest = hashlib.sha256(payload).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        if "." not in name:
            name = f"{name}.{_EXT.get(kind, 'bin')}"
        found.append(Attachment(filename=name, content=payload, content_type=ctype, kind=kind))
        log.debug("e-mail attachment %s (%s, %d bytes)", name, kind.value, len(payload))


def build_email(sender: str, subject: str, attachments: list[tuple[str, bytes, str]]) -> bytes:
    """A small .eml with attachments ``(filename, content, content_type)`` (tests, tools)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "facturen@boekbrug.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 03 Mar 2025 10:00:00 +0100"
    msg["Message-ID"] = "<test@boekbrug.example>"
    msg.set_content("Zie bijlage.")
    for filename, content, ctype in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()
