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
class RefusedAttachment:
    """An attached file that is no invoice document (a ZIP, a DOCX, a program): kept as a
    failed document with its reason, so it is seen and can be retried."""

    filename: str
    content: bytes
    reason: str


@dataclass(frozen=True)
class SplitEmail:
    sender: str | None
    subject: str | None
    date: datetime | None
    message_id: str | None
    attachments: tuple[Attachment, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # what was left out, and why ("name: reason")
    refused: tuple[RefusedAttachment, ...] = ()  # attached files refused by their content
    # attachments left out without being kept: (name, why) — logos, copies, empty parts
    passed_over: tuple[tuple[str, str], ...] = ()


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
    left: _Left = _Left()
    _collect(msg, found, left, set(), depth=0)
    skipped = left.skipped
    result = SplitEmail(
        sender=_header(msg, "From"),
        subject=_header(msg, "Subject"),
        date=_date(msg),
        message_id=_header(msg, "Message-ID"),
        attachments=tuple(found),
        skipped=tuple(skipped),
        refused=tuple(left.refused),
        passed_over=tuple(left.passed_over),
    )
    if not found:
        why = "; ".join(skipped) if skipped else "it has no attachments"
        raise NoAttachments(f"No PDF, image or invoice XML in the e-mail ({why}).")
    return result


@dataclass
class _Left:
    """What the walk left out: every line said (``skipped``), refused files kept with their bytes."""

    skipped: list[str] = field(default_factory=list)
    refused: list[RefusedAttachment] = field(default_factory=list)
    passed_over: list[tuple[str, str]] = field(default_factory=list)

    def pass_over(self, name: str, why: str) -> None:
        self.skipped.append(f"{name}: {why}")
        self.passed_over.append((name, why))

    def refuse(self, name: str, content: bytes, why: str) -> None:
        self.skipped.append(f"{name}: {why}")
        self.refused.append(RefusedAttachment(name, content, why))


def _collect(msg: Message, found: list[Attachment], left: _Left, seen: set[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        left.pass_over("a forwarded message", "messages nested too deep")
        return
    for part in msg.walk():
        if part.is_multipart():
            continue  # containers (multipart/*, message/rfc822) are walked into
        ctype = part.get_content_type()
        raw_name = part.get_filename()
        disposition = (part.get_content_disposition() or "").lower()
        attached = bool(raw_name) or disposition == "attachment"
        if ctype in ("text/plain", "text/html") and not attached:
            continue  # the message body
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            log.info("an e-mail part (%s, %r) cannot be decoded", ctype, raw_name, exc_info=True)
            payload = None
        name = safe_filename(raw_name, f"attachment-{len(found) + len(left.skipped) + 1}")
        if not payload:
            if attached:
                left.pass_over(name, "the attachment is empty or cannot be decoded")
            continue
        try:
            kind = sniff(payload, name)
        except BoekbrugError as exc:
            if attached or ctype not in ("text/plain", "text/html"):
                left.refuse(name, payload, exc.message)
            continue
        if kind == DocumentKind.EMAIL:
            try:
                inner = email.message_from_bytes(payload, policy=email.policy.default)
            except Exception:  # noqa: BLE001
                left.refuse(name, payload, "attached e-mail cannot be parsed")
                continue
            _collect(inner, found, left, seen, depth + 1)
            continue
        if kind == DocumentKind.IMAGE and len(payload) < MIN_IMAGE_BYTES:
            left.pass_over(name, f"image of {len(payload)} bytes (logo or signature)")
            continue
        digest = hashlib.sha256(payload).hexdigest()
        if digest in seen:
            left.pass_over(name, "the same file as another attachment of this e-mail")
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
