"""The supervisors' dashboard through the API: the figures of ``pipeline.reports.metrics`` for a filter.

Supervisors (and admins) only: the figures cover every office and every operator.
Each call opens one unit of work and returns plain ``pandas`` DataFrames (see the
definitions in ``pipeline.reports.metrics``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select

from models import AccountingOffice, Client
from models.enums import Role
from pipeline.api._common import require_role, work
from pipeline.core.accounts import Principal
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_
from pipeline.reports import metrics

VIEW_NAMES = tuple(metrics.VIEWS)


@dataclass(frozen=True)
class OfficeRef:
    id: int
    name: str


@dataclass(frozen=True)
class ClientChoice:
    id: int
    name: str
    office_id: int


def dashboard_offices(principal: Principal) -> list[OfficeRef]:
    require_role(principal, Role.SUPERVISOR)
    with work() as session:
        rows = session.execute(select(AccountingOffice.id, AccountingOffice.name).order_by(AccountingOffice.name))
        return [OfficeRef(row.id, row.name) for row in rows]


def dashboard_clients(principal: Principal, office_id: int | None = None) -> list[ClientChoice]:
    require_role(principal, Role.SUPERVISOR)
    with work() as session:
        query = select(Client.id, Client.name, Client.office_id).order_by(Client.name)
        if office_id is not None:
            query = query.where(Client.office_id == office_id)
        return [ClientChoice(row.id, row.name, row.office_id) for row in session.execute(query)]


def dashboard(
    principal: Principal,
    *,
    office_id: int | None = None,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    views: tuple[str, ...] = VIEW_NAMES,
    now: datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """The named views (all by default) for the filters; a client outside the office is NotFound."""
    require_role(principal, Role.SUPERVISOR)
    unknown = set(views) - set(VIEW_NAMES)
    if unknown:
        raise ValueError(f"unknown dashboard view(s): {', '.join(sorted(unknown))}")
    filters = metrics.Filters(office_id, client_id, date_from, date_to)
    with work() as session:
        if client_id is not None:
            client = session.get(Client, client_id)
            if client is None or (office_id is not None and client.office_id != office_id):
                raise NotFound(N_("client {id} not found"), params={"id": client_id})
        found: dict[str, pd.DataFrame] = {}
        for name in views:
            if name == "queue":
                found[name] = metrics.queue(session, filters, now=now)
            elif name == "deadline_breaches":
                found[name] = metrics.deadline_breaches(session, filters, now=now)
            elif name == "reliability":
                found[name] = metrics.reliability(session, filters)
            else:
                found[name] = metrics.VIEWS[name](session, filters)
        return found


