"""A client's e-mail notices (documents that need them): read and choose where and how often."""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import Role
from pipeline.api._common import require_client, work
from pipeline.core.accounts import Principal, audit
from pipeline.core.errors import Forbidden
from pipeline.core.i18n import N_
from pipeline.deliver.client_notices import RHYTHMS, notice_setting, set_notice_setting

__all__ = ["RHYTHMS", "NoticeSetting", "get_notices", "may_set_notices", "set_notices"]


@dataclass(frozen=True)
class NoticeSetting:
    client_id: int
    email: str | None
    rhythm: str  # immediate, daily, off


def may_set_notices(principal: Principal) -> bool:
    """The client itself, its office's accountant, or an admin."""
    return principal.role in (Role.CLIENT, Role.ACCOUNTANT, Role.ADMIN)


def get_notices(principal: Principal, client_id: int) -> NoticeSetting:
    with work() as session:
        require_client(session, principal, client_id)
        found = notice_setting(session, client_id)
        return NoticeSetting(client_id, found.email if found else None, found.rhythm if found else "off")


def set_notices(principal: Principal, client_id: int, email: str, rhythm: str) -> NoticeSetting:
    if not may_set_notices(principal):
        raise Forbidden(N_("only the client, its accountant or an admin chooses its notices"))
    with work() as session:
        require_client(session, principal, client_id)
        saved = set_notice_setting(session, client_id, email, rhythm)
        audit(session, principal.user_id, "client_notices", f"client:{client_id}", f"{saved.rhythm} to {saved.email}")
        return NoticeSetting(client_id, saved.email, saved.rhythm)
