"""What the deliver modules share: access rules, who validated what, file names.

Access to the library, in one place (the same rule as ``pipeline.api``):

* admin, operator, supervisor (the validation centre) — every client, read-only;
* accountant — the clients of their own office;
* client — itself only.

Handing documents over (downloads, ZIPs that are recorded as deliveries, booking
decisions) is for the accountant of the office and for admins; a client may download
its own UBL (audited, but it is no delivery to the accountant).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import Client, Correction, Document, User, ValidationTask
from models.enums import Role, TaskKind, TaskState
from pipeline.core.accounts import Principal, visible_client_ids
from pipeline.core.errors import Forbidden, NotFound
from pipeline.core.i18n import N_

MACHINE = "machine"
CHUNK = 900  # ids per IN (...) list: under SQLite's and PostgreSQL's parameter limits


def system_principal(office_id: int | None = None) -> Principal:
    """The command line acting for the installation (an admin without a user row)."""
    return Principal(0, "system", "command line", Role.ADMIN, office_id)


def actor_id(principal: Principal) -> int | None:
    """The user id to record; None for the system principal."""
    return principal.user_id or None


def require_client_access(session: Session, principal: Principal, client_id: int) -> Client:
    """The client, if ``principal`` may see it; Forbidden otherwise, NotFound if absent."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound(N_("client {id} not found"), params={"id": client_id})
    allowed = visible_client_ids(session, principal)
    if allowed is not None and client_id not in allowed:
        raise Forbidden(N_("{user} may not see the documents of client {id}"), params={"user": principal.username, "id": client_id})
    return client


def require_handover(session: Session, principal: Principal, client: Client) -> None:
    """Only the office's accountants (and admins) take documents over."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.ACCOUNTANT and principal.office_id == client.office_id:
        return
    raise Forbidden(N_("a {role} cannot take over the documents of client {id}"), params={"role": str(principal.role), "id": client.id},
                    hint=N_("documents are handed over to the accountant of the client's office"))


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    batch: list[int] = []
    for item in ids:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validated_by(session: Session, document_ids: Iterable[int]) -> dict[int, str]:
    """Who validated each document: operators' names, or "machine" (with a second look's name).

    From the done validation tasks (``done_by``) and the corrections (``user_id``).
    """
    ids = list(dict.fromkeys(document_ids))
    people: dict[int, list[str]] = defaultdict(list)
    second: dict[int, list[str]] = defaultdict(list)
    for batch in chunks(ids):
        tasks: Select[Any] = (
            select(ValidationTask.document_id, ValidationTask.kind, User.display_name)
            .join(User, User.id == ValidationTask.done_by)
            .where(ValidationTask.document_id.in_(batch), ValidationTask.state == TaskState.DONE)
            .order_by(ValidationTask.done_at, ValidationTask.id)
        )
        for document_id, kind, name in session.execute(tasks):
            target = second if kind is TaskKind.SECOND_LOOK else people
            if name not in target[document_id]:
                target[document_id].append(name)
        corrections = (
            select(Correction.document_id, User.display_name)
            .join(User, User.id == Correction.user_id)
            .join(ValidationTask, ValidationTask.id == Correction.task_id, isouter=True)
            .where(Correction.document_id.in_(batch),
                   (ValidationTask.kind.is_(None)) | (ValidationTask.kind != TaskKind.SECOND_LOOK))
            .distinct()
        )
        for document_id, name in session.execute(corrections):
            if name not in people[document_id]:
                people[document_id].append(name)
    auto = _auto_released(session, ids)
    result: dict[int, str] = {}
    for document_id in ids:
        names = list(people.get(document_id, []))
        if document_id in auto and not names:
            names = [MACHINE]
        text = ", ".join(names)
        if second.get(document_id):
            text = f"{text}; second look: {', '.join(second[document_id])}".lstrip("; ")
        result[document_id] = text
    return result


def _auto_released(session: Session, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for batch in chunks(ids):
        found.update(session.scalars(select(Document.id).where(Document.id.in_(batch), Document.auto_released.is_(True))))
    return found


def slug(text: object, limit: int = 40) -> str:
    cleaned = re.sub(r"[^0-9A-Za-z]+", "-", str(text or "")).strip("-")
    return cleaned[:limit].strip("-") or "x"


def ubl_filename(document: Document) -> str:
    """A stable, readable, filesystem-safe name: ``000123-supplier-number.xml``."""
    return f"{document.id:06d}-{slug(document.supplier_name)}-{slug(document.invoice_number)}.xml"


def vat_period(issue: Any, vat_rhythm: str) -> str:
    """``2026-11`` for a monthly filer, ``2026-Q4`` for a quarterly one."""
    if vat_rhythm == "monthly":
        return f"{issue.year:04d}-{issue.month:02d}"
    return f"{issue.year:04d}-Q{(issue.month - 1) // 3 + 1}"
