"""What every API module shares: settings, units of work and the access rules.

Access, in one place:

* admin — everything;
* operator / supervisor (the validation centre) — the queue, the fields and page
  images needed to validate, the document list and retries; no uploads, no downloads;
* accountant — the documents of the clients of their own office;
* client — its own documents only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import Role
from pipeline.core.accounts import Principal, visible_client_ids
from pipeline.core.config import Settings, settings
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError, Forbidden, NotFound
from pipeline.core.i18n import N_

log = logging.getLogger(__name__)


class InvalidValue(BoekbrugError):
    """An operator's value that cannot be a value of that field."""

    code = "invalid_value"
    hint = "Correct the value (amounts like 1234,56; dates like 31/12/2026) and save again."


def current_settings() -> Settings:
    return settings()


@contextmanager
def work() -> Iterator[Session]:
    """One unit of work on the configured database (commits on success)."""
    with unit_of_work(current_settings().database_url) as session:
        yield session


def run_job(job: Callable[..., Any], document_id: int, *, queue: str) -> bool:
    """Enqueue (or, without Redis, run) a job after a commit; never undo the commit.

    A job that crashes inline is logged; ``python -m pipeline worker`` (recover)
    picks the document up again. Returns whether the job was handed over cleanly.
    """
    from pipeline.jobs import queues as jobs

    try:  # Redis away and inline crashes are handled (and logged) by enqueue_or_leave
        return jobs.enqueue_or_leave(current_settings(), job, document_id, queue=queue)
    except Exception:  # the save is committed: no other failed hand-over may hide that
        log.exception("job %s for document %s failed; recover will retry it", job.__name__, document_id)
        return False


# ------------------------------------------------------------------------ access
def require_centre(principal: Principal) -> None:
    if not principal.is_centre:
        raise Forbidden(N_("only the validation centre (operators, supervisors, admins) can do this"))


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role is not Role.ADMIN and principal.role not in roles:
        raise Forbidden(N_("a {role} cannot do this"), params={"role": str(principal.role)})


def scope(query: Select[Any], session: Session, principal: Principal) -> Select[Any]:
    """Restrict a query over documents to what ``principal`` may see."""
    allowed = visible_client_ids(session, principal)
    return query if allowed is None else query.where(Document.client_id.in_(allowed))


def may_see_client(session: Session, principal: Principal, client_id: int) -> bool:
    allowed = visible_client_ids(session, principal)
    return allowed is None or client_id in allowed


def require_client(session: Session, principal: Principal, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None or not may_see_client(session, principal, client_id):
        # the same answer for "absent" and "not yours": ids are not probed
        raise NotFound(N_("client {id} not found"), params={"id": client_id})
    return client


def document_for(session: Session, principal: Principal, document_id: int) -> Document:
    """The document, if ``principal`` may see it; NotFound otherwise (never leaks existence)."""
    document = session.get(Document, document_id)
    if document is None or not may_see_client(session, principal, document.client_id):
        raise NotFound(N_("document {id} not found"), params={"id": document_id})
    return document
