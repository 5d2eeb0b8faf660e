"""Forward releases to the office: each release to each target once, failures retried, never lost.

``forward_release`` (the release job, right after a release) plans one ``Forwarding``
per target (a unique key: a release reaches a target once) and tries each. Every try
is a ``ForwardingAttempt`` with what the other side said. A failed forwarding stays
FAILED with its reason, visible in the library, and ``forward_due`` (run by the upkeep,
``pipeline.jobs.upkeep``) tries it again after a back-off of 1, 5, 30 minutes, then 2
and 6 hours, then every 12 hours — it is never dropped. ``redeliver`` sends a release
again on request (CLI ``deliver again``, the library's button).
"""

from __future__ import annotations

import logging
import mimetypes
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Client,
    DeliveryTarget,
    Document,
    Forwarding,
    ForwardingAttempt,
    UblRelease,
)
from models.enums import (
    DeliveryChannel,
    DocumentKind,
    ForwardingState,
    ReleaseStatus,
    TargetKind,
)
from pipeline.core import mail
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError, NotFound
from pipeline.core.i18n import N_
from pipeline.deliver import import_mail, webhook
from pipeline.deliver.common import ubl_filename
from pipeline.deliver.download import record_delivery, released_ubl
from pipeline.deliver.export import export_one
from pipeline.deliver.targets import describe, targets_for
from pipeline.review.split import original_bytes

log = logging.getLogger(__name__)

CLAIM = timedelta(
    minutes=10
)  # a claimed forwarding's due time moves on by this while it is tried
BACKOFF_SECONDS = (
    60,
    300,
    1800,
    7200,
    21600,
    43200,
)  # after the 1st, 2nd, … failed attempt
CHANNEL = {
    TargetKind.EXPORT_FOLDER: DeliveryChannel.EXPORT_FOLDER,
    TargetKind.EMAIL: DeliveryChannel.EMAIL,
    TargetKind.WEBHOOK: DeliveryChannel.WEBHOOK,
}


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    )


@dataclass
class ForwardCounts:
    delivered: int = 0
    failed: int = 0


def plan(session: Session, release: UblRelease) -> list[Forwarding]:
    """One forwarding per target of the document's client (existing ones kept)."""
    document = session.get(Document, release.document_id)
    assert document is not None
    client = session.get(Client, document.client_id)
    assert client is not None
    existing = {
        f.target_id: f
        for f in session.scalars(
            select(Forwarding).where(Forwarding.release_id == release.id)
        )
    }
    planned = []
    for target in targets_for(session, client):
        forwarding = existing.get(target.id)
        if forwarding is None:
            forwarding = Forwarding(
                target_id=target.id,
                release_id=release.id,
                document_id=document.id,
                state=ForwardingState.PENDING,
                attempts=0,
                next_attempt_at=datetime.now(UTC),
            )
            session.add(forwarding)
        planned.append(forwarding)
    session.flush()
    return planned


_KIND_MIME = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.UBL: "application/xml",
    DocumentKind.EMAIL: "message/rfc822",
}


def _original(settings: Settings, document: Document) -> tuple[str, bytes, str]:
    """The original as the client handed it in (a split part: its own pages), to attach."""
    name = document.original_filename or f"document-{document.id}"
    mime = _KIND_MIME.get(document.kind) if document.kind else None  # type: ignore[arg-type]
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, original_bytes(settings, document), mime


def _send(
    session: Session,
    settings: Settings,
    target: DeliveryTarget,
    forwarding: Forwarding,
    document: Document,
    release: UblRelease,
    xml: bytes,
) -> str:
    """One try at one target; the other side's answer in words, or an exception."""
    if target.kind is TargetKind.EXPORT_FOLDER:
        path = export_one(session, settings, document, release, xml)
        return f"written to {path.relative_to(settings.data_dir)}"
    name = ubl_filename(document)
    if target.kind is TargetKind.EMAIL:
        sender = settings.smtp_from or f"boekbrug@{settings.mail_domain}"
        subject = f"{document.supplier_name or 'Document'} {document.invoice_number or document.id}"
        original = _original(settings, document)
        message = import_mail.compose(
            sender,
            target.address or "",
            subject,
            name,
            xml,
            original,
            reference=f"boekbrug-forwarding-{forwarding.id}-{forwarding.attempts}",
        )
        return mail.send(settings, message)
    headers = {
        "X-Boekbrug-Delivery": str(forwarding.id),
        "X-Boekbrug-Document": str(document.id),
        "X-Boekbrug-Profile": str(release.profile or ""),
        "X-Boekbrug-Filename": name,
    }
    return webhook.post(target.address or "", target.secret or "", xml, headers)


def attempt(session: Session, settings: Settings, forwarding: Forwarding) -> bool:
    """Try one forwarding now and record the try; the caller commits."""
    target = session.get(DeliveryTarget, forwarding.target_id)
    release = session.get(UblRelease, forwarding.release_id)
    document = session.get(Document, forwarding.document_id)
    assert target is not None and release is not None and document is not None
    forwarding.attempts += 1
    started = time.perf_counter()
    try:
        _, xml = released_ubl(session, settings, document)
        said = _send(session, settings, target, forwarding, document, release, xml)
        ok = True
    except (
        OSError,
        requests.RequestException,
        webhook.WebhookRefused,
        BoekbrugError,
    ) as error:
        said = (
            error.reason()
            if isinstance(error, BoekbrugError)
            else f"{type(error).__name__}: {error}"
        )
        ok = False
    except Exception as error:
        log.exception("forwarding %s crashed", forwarding.id)
        said, ok = f"{type(error).__name__}: {error}", False
    seconds = time.perf_counter() - started
    session.add(
        ForwardingAttempt(
            forwarding_id=forwarding.id,
            number=forwarding.attempts,
            ok=ok,
            detail=said[:4000],
            seconds=seconds,
        )
    )
    now = datetime.now(UTC)
    if ok:
        forwarding.state = ForwardingState.DELIVERED
        forwarding.delivered_at = now
        forwarding.last_error = None
        forwarding.next_attempt_at = None
        if (
            target.kind is not TargetKind.EXPORT_FOLDER
        ):  # the export records its own delivery
            record_delivery(
                session,
                document,
                release,
                CHANNEL[target.kind],
                forwarding.requested_by,
                (target.address or "")[:500],
            )
        log.info("document %s forwarded (%s): %s", document.id, describe(target), said)
    else:
        forwarding.state = ForwardingState.FAILED
        forwarding.last_error = said[:2000]
        forwarding.next_attempt_at = now + backoff(forwarding.attempts)
        log.warning(
            "document %s not forwarded (%s), attempt %d: %s",
            document.id,
            describe(target),
            forwarding.attempts,
            said,
        )
    session.flush()
    return ok


def forward_release(settings: Settings, release_id: int) -> ForwardCounts:
    """Plan and try the forwardings of one release (committed one by one)."""
    counts = ForwardCounts()
    with unit_of_work(settings.database_url) as session:
        release = session.get(UblRelease, release_id)
        if release is None or release.status is not ReleaseStatus.PASSED:
            return counts
        try:
            planned = [f for f in plan(session, release) if f.state is not ForwardingState.DELIVERED]
            for forwarding in planned:  # tried here and now: the upkeep leaves them alone meanwhile
                forwarding.next_attempt_at = datetime.now(UTC) + CLAIM
            pending = [f.id for f in planned]
            session.commit()
        except (
            IntegrityError
        ):  # planned at the same moment by another process: theirs stand
            session.rollback()
            pending = []
        for forwarding_id in pending:
            forwarding = session.get(Forwarding, forwarding_id)
            assert forwarding is not None
            ok = attempt(session, settings, forwarding)
            session.commit()
            counts.delivered += ok
            counts.failed += not ok
    return counts


def forward_due(
    settings: Settings, now: datetime | None = None, limit: int = 200, only: list[int] | None = None
) -> ForwardCounts:
    """Try every forwarding whose time has come (pending, or failed and past its back-off).
    A target added later receives new releases; ``redeliver`` sends older ones on request.
    ``only``: just these forwardings (a re-delivery asked for now)."""
    now = now or datetime.now(UTC)
    counts = ForwardCounts()
    with unit_of_work(settings.database_url) as session:
        due = session.execute(
            select(Forwarding.id, Forwarding.next_attempt_at)
            .where(
                Forwarding.state.in_([ForwardingState.PENDING, ForwardingState.FAILED]),
                or_(
                    Forwarding.next_attempt_at.is_(None),
                    Forwarding.next_attempt_at <= now,
                ),
            )
            .where(Forwarding.id.in_(only) if only is not None else Forwarding.id.is_not(None))
            .order_by(Forwarding.next_attempt_at, Forwarding.id)
            .limit(limit)
        ).all()
        for forwarding_id, seen in due:
            # claim it (compare-and-set on its due time): two upkeeps never send it twice
            claimed = session.execute(
                update(Forwarding)
                .where(
                    Forwarding.id == forwarding_id,
                    Forwarding.next_attempt_at.is_(None)
                    if seen is None
                    else Forwarding.next_attempt_at == seen,
                )
                .values(next_attempt_at=now + CLAIM)
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
            if not claimed:
                continue
            forwarding = session.get(Forwarding, forwarding_id, populate_existing=True)
            assert forwarding is not None
            ok = attempt(session, settings, forwarding)
            session.commit()
            counts.delivered += ok
            counts.failed += not ok
    return counts


def redeliver(
    session: Session,
    document_id: int,
    *,
    user_id: int | None = None,
    target_id: int | None = None,
) -> list[int]:
    """Send a released document again, to every target (or one): its forwardings go back to
    PENDING, due now; new targets are planned. Returns the forwarding ids; the caller commits
    and runs ``forward_due`` (or leaves it to the upkeep)."""
    release = session.scalars(
        select(UblRelease).where(
            UblRelease.released_document_id == document_id,
            UblRelease.status == ReleaseStatus.PASSED,
        )
    ).first()
    if release is None:
        raise NotFound(N_("document {id} has no released UBL to deliver"), params={"id": document_id})
    chosen = [
        f
        for f in plan(session, release)
        if target_id is None or f.target_id == target_id
    ]
    if target_id is not None and not chosen:
        raise NotFound(N_("target {target} does not receive the documents of the client of document {id}"),
                       params={"target": target_id, "id": document_id})
    for forwarding in chosen:
        forwarding.state = ForwardingState.PENDING
        forwarding.next_attempt_at = datetime.now(UTC)
        forwarding.requested_by = user_id
    session.flush()
    return [f.id for f in chosen]


@dataclass(frozen=True)
class ForwardingView:
    id: int
    target: str
    state: ForwardingState
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None


def forwardings_of(
    session: Session, document_ids: list[int]
) -> dict[int, list[ForwardingView]]:
    """Each document's forwardings, for the library."""
    found: dict[int, list[ForwardingView]] = {}
    if not document_ids:
        return found
    rows = session.execute(
        select(Forwarding, DeliveryTarget)
        .join(DeliveryTarget, DeliveryTarget.id == Forwarding.target_id)
        .where(Forwarding.document_id.in_(document_ids))
        .order_by(Forwarding.id)
    ).all()
    for forwarding, target in rows:
        found.setdefault(forwarding.document_id, []).append(
            ForwardingView(
                forwarding.id,
                describe(target),
                forwarding.state,
                forwarding.attempts,
                forwarding.last_error,
                forwarding.delivered_at,
                forwarding.next_attempt_at,
            )
        )
    return found
