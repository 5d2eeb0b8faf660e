"""``python -m pipeline deliver add|list|again|retry``: where releases are forwarded, and what became of them.

* ``add --office NAME --kind export_folder|email|webhook [--address …] [--client NAME] [--secret …]``
  — a delivery target for the office (or, with ``--client``, for that client only);
* ``list`` — the targets (webhook secrets shown once, when added) and every forwarding that failed;
* ``again DOCUMENT_ID [--target ID]`` — send a released document again, now;
* ``retry`` — try every failed forwarding whose back-off has passed (the upkeep does this by itself).
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "deliver",
        help="delivery targets of an office (folder, import mailbox, webhook); re-deliver",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a delivery target")
    add.add_argument("--office", required=True, help="accounting office name or id")
    add.add_argument(
        "--kind", required=True, choices=["export_folder", "email", "webhook"]
    )
    add.add_argument("--address", help="the import mailbox, or the webhook's https URL")
    add.add_argument(
        "--client", help="only for this client (overrides the office's targets)"
    )
    add.add_argument(
        "--secret",
        help="the webhook's signing secret (default: a random one, printed once)",
    )
    actions.add_parser("list", help="targets and failed forwardings")
    again = actions.add_parser("again", help="send a released document again")
    again.add_argument("document", type=int)
    again.add_argument("--target", type=int, help="only to this target")
    actions.add_parser("retry", help="try the failed forwardings that are due")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.cli._common import ready_settings

    current = ready_settings()
    return {"add": _add, "list": _list, "again": _again, "retry": _retry}[args.action](
        current, args
    )


def _add(current, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import or_, select

    from models import AccountingOffice
    from pipeline.core.accounts import find_client
    from pipeline.core.db import unit_of_work
    from pipeline.deliver.targets import BadTarget, add_target, describe

    with unit_of_work(current.database_url) as session:
        office = session.scalars(
            select(AccountingOffice).where(
                or_(
                    AccountingOffice.name == args.office,
                    AccountingOffice.id
                    == (int(args.office) if args.office.isdigit() else -1),
                )
            )
        ).first()
        if office is None:
            print(f"no office {args.office!r}", file=sys.stderr)
            return 2
        client = find_client(session, args.client) if args.client else None
        if args.client and client is None:
            print(f"no client {args.client!r}", file=sys.stderr)
            return 2
        try:
            target = add_target(
                session,
                office_id=office.id,
                kind=args.kind,
                address=args.address,
                client_id=client.id if client else None,
                secret=args.secret,
            )
        except BadTarget as error:
            print(error.reason(), file=sys.stderr)
            return 2
        session.commit()
        print(
            f"target {target.id}: {describe(target)} for {client.name if client else office.name}"
        )
        if target.secret and not args.secret:
            print(f"signing secret (shown once): {target.secret}")
    return 0


def _list(current, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from models import DeliveryTarget, Forwarding
    from models.enums import ForwardingState
    from pipeline.core.db import unit_of_work
    from pipeline.deliver.targets import describe

    with unit_of_work(current.database_url) as session:
        for target in session.scalars(
            select(DeliveryTarget).order_by(DeliveryTarget.id)
        ):
            scope = (
                f"client {target.client_id}"
                if target.client_id
                else f"office {target.office_id}"
            )
            print(
                f"target {target.id} ({scope}{'' if target.active else ', inactive'}): {describe(target)}"
            )
        failed = session.scalars(
            select(Forwarding)
            .where(Forwarding.state == ForwardingState.FAILED)
            .order_by(Forwarding.id)
        ).all()
        print(f"{len(failed)} failed forwarding(s)")
        for forwarding in failed:
            print(
                f"  document {forwarding.document_id} → target {forwarding.target_id}: {forwarding.attempts} "
                f"attempt(s), next at {forwarding.next_attempt_at:%Y-%m-%d %H:%M} UTC — {forwarding.last_error}"
            )
    return 0


def _again(current, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from pipeline.core.db import unit_of_work
    from pipeline.core.errors import NotFound
    from pipeline.deliver.forward import forward_due, redeliver

    with unit_of_work(current.database_url) as session:
        try:
            ids = redeliver(session, args.document, target_id=args.target)
        except NotFound as error:
            print(error.reason(), file=sys.stderr)
            return 2
        session.commit()
    counts = forward_due(current, only=ids)
    print(f"{len(ids)} forwarding(s) sent again: {counts.delivered} delivered, {counts.failed} failed (retried later)"
    )
    return 0 if not counts.failed else 1


def _retry(current, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from pipeline.deliver.forward import forward_due

    counts = forward_due(current)
    print(f"{counts.delivered} delivered, {counts.failed} failed (retried later)")
    return 0
