"""Delivery targets: where an office's accounting package reads its clients' UBL.

Belgian packages import UBL from a folder, from an import mailbox per dossier, or over
an API. An office has targets of its own; a client may override them with targets of
its own (its dossier's import address in the package, say): a client with at least one
active target uses only those, every other client its office's.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, DeliveryTarget
from models.enums import TargetKind
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class BadTarget(BoekbrugError):
    code = "bad_target"
    hint = N_("An e-mail target needs an address; a webhook an https:// URL (http only on this machine).")


def _loopback(host: str | None) -> bool:
    if host in ("localhost", None):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(kind: TargetKind, address: str | None) -> str | None:
    """The address as stored, or BadTarget: an e-mail address, an https URL, nothing for a folder."""
    text = (address or "").strip()
    if kind is TargetKind.EXPORT_FOLDER:
        return None
    if kind is TargetKind.EMAIL:
        if not _EMAIL.fullmatch(text):
            raise BadTarget(N_("{address} is not an e-mail address"), params={"address": repr(text)})
        return text
    parts = urlsplit(text)
    if parts.scheme == "https" and parts.hostname:
        return text
    if parts.scheme == "http" and _loopback(parts.hostname):
        return text  # a receiver on this machine (tests, a local bridge to the package)
    raise BadTarget(N_("{address} is not an https:// URL"), params={"address": repr(text)})


def add_target(
    session: Session,
    *,
    office_id: int,
    kind: TargetKind | str,
    address: str | None = None,
    client_id: int | None = None,
    secret: str | None = None,
) -> DeliveryTarget:
    """Add a target (a webhook gets a random signing secret unless one is given)."""
    kind = TargetKind(kind)
    if client_id is not None:
        client = session.get(Client, client_id)
        if client is None or client.office_id != office_id:
            raise BadTarget(N_("client {id} is not a client of office {office}"), params={"id": client_id, "office": office_id})
    target = DeliveryTarget(
        office_id=office_id,
        client_id=client_id,
        kind=kind,
        address=check_address(kind, address),
        secret=(secret or secrets.token_hex(32))
        if kind is TargetKind.WEBHOOK
        else None,
        active=True,
    )
    session.add(target)
    session.flush()
    return target


def targets_for(session: Session, client: Client) -> list[DeliveryTarget]:
    """The active targets a release of ``client`` goes to: its own, else its office's."""
    own = session.scalars(
        select(DeliveryTarget)
        .where(DeliveryTarget.client_id == client.id, DeliveryTarget.active.is_(True))
        .order_by(DeliveryTarget.id)
    ).all()
    if own:
        return list(own)
    return list(
        session.scalars(
            select(DeliveryTarget)
            .where(
                DeliveryTarget.office_id == client.office_id,
                DeliveryTarget.client_id.is_(None),
                DeliveryTarget.active.is_(True),
            )
            .order_by(DeliveryTarget.id)
        ).all()
    )


def describe(target: DeliveryTarget) -> str:
    """In words, for lists and logs (no secret)."""
    if target.kind is TargetKind.EXPORT_FOLDER:
        return "export folder"
    return f"{'e-mail to' if target.kind is TargetKind.EMAIL else 'webhook'} {target.address}"
