"""The demo office: one accounting office, one client, a user of every role.

Demo users exist only in the demo data (``python -m pipeline demo``); a real
installation creates its users with ``python -m pipeline users add``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DeliveryTarget, User
from models.enums import Role, TargetKind
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
)

DEMO_OFFICE = "Boekhoudkantoor Demo"
DEMO_CLIENT = "Bakkerij Janssens BV"
DEMO_CLIENT_VAT = "BE0123456749"
DEMO_USERS = (
    ("operator", "operator-demo", Role.OPERATOR),
    ("supervisor", "supervisor-demo", Role.SUPERVISOR),
    ("accountant", "accountant-demo", Role.ACCOUNTANT),
    ("client", "client-demo", Role.CLIENT),
    ("admin", "admin-demo", Role.ADMIN),
)


def load_demo(session: Session) -> dict[str, object]:
    office = get_or_create_office(session, DEMO_OFFICE)
    client = get_or_create_client(session, office, DEMO_CLIENT, vat=DEMO_CLIENT_VAT,
                                  enterprise_number=DEMO_CLIENT_VAT[2:], vat_period="quarterly", deadline_day=20)
    for username, password, role in DEMO_USERS:
        if session.scalars(select(User).where(User.username == username)).first() is None:
            create_user(session, username, password, role, display_name=f"Demo {role}",
                        office_id=office.id if role in (Role.ACCOUNTANT, Role.CLIENT) else None,
                        client_id=client.id if role is Role.CLIENT else None)
    if session.scalars(select(DeliveryTarget).where(DeliveryTarget.office_id == office.id)).first() is None:
        # releases are forwarded to the office's export folder (README, "Forwarding to the office")
        session.add(DeliveryTarget(office_id=office.id, kind=TargetKind.EXPORT_FOLDER, active=True))
    return {"office": office.name, "client": client.name, "client_id": client.id}
