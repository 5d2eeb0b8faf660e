"""``python -m pipeline tokens create|list|revoke``: API tokens for accounting packages, ERP and CRM."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tokens", help="create, list or revoke API tokens (per office or per client)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    create = actions.add_parser(
        "create", help="a new token; its secret is printed once"
    )
    create.add_argument("name", help="what will use it, e.g. 'Exact Online'")
    target = create.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--office",
        help="office name or id: the token acts as an accountant of that office",
    )
    target.add_argument(
        "--client", help="client name or id: the token acts as that client"
    )
    create.add_argument(
        "--scopes",
        default="read,upload",
        help="read, upload or both (default read,upload)",
    )
    create.add_argument(
        "--days",
        type=int,
        default=90,
        help="days until it expires (default 90, at most 730)",
    )
    listing = actions.add_parser(
        "list", help="every token with its state (never the secret)"
    )
    listing.add_argument("--office", help="only this office's (name or id)")
    revoke = actions.add_parser("revoke", help="end a token at once")
    revoke.add_argument("token_id", type=int)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from models import AccountingOffice
    from pipeline.api import tokens
    from pipeline.cli._common import ready_settings
    from pipeline.core.accounts import find_client
    from pipeline.core.db import unit_of_work
    from pipeline.core.errors import BoekbrugError
    from pipeline.deliver.common import system_principal

    current = ready_settings()
    principal = system_principal()

    def office_id(name_or_id: str) -> int | None:
        with unit_of_work(current.database_url) as session:
            query = select(AccountingOffice.id).where(
                AccountingOffice.name == name_or_id
            )
            if name_or_id.isdigit():
                query = select(AccountingOffice.id).where(
                    AccountingOffice.id == int(name_or_id)
                )
            return session.scalar(query)

    try:
        if args.action == "create":
            where: dict[str, int] = {}
            if args.office:
                found = office_id(args.office)
                if found is None:
                    print(f"no office {args.office!r}", file=sys.stderr)
                    return 2
                where["office_id"] = found
            else:
                with unit_of_work(current.database_url) as session:
                    client = find_client(session, args.client)
                    if client is None:
                        print(f"no client {args.client!r}", file=sys.stderr)
                        return 2
                    where["client_id"] = client.id
            made = tokens.create_token(
                principal,
                args.name,
                scopes=args.scopes.replace(",", " ").split(),
                days=args.days,
                **where,
            )
            token = made.token
            print(
                f"token {token.id} '{token.name}' for {_target(token)}; scopes {' '.join(token.scopes)}; "
                f"expires {token.expires_at:%Y-%m-%d}",
                file=sys.stderr,
            )
            print(
                "the secret below is shown once; store it in the package's settings now:",
                file=sys.stderr,
            )
            print(made.secret)
            return 0
        if args.action == "list":
            wanted = office_id(args.office) if args.office else None
            for token in tokens.list_tokens(principal):
                if wanted is not None and token.office_id != wanted:
                    continue
                used = (
                    f"{token.last_used_at:%Y-%m-%d %H:%M}"
                    if token.last_used_at
                    else "never"
                )
                print(
                    f"{token.id:5} {token.prefix}…  {token.state():8} {token.name[:30]:30} {_target(token)[:40]:40} "
                    f"{' '.join(token.scopes):12} expires {token.expires_at:%Y-%m-%d}  last used {used}"
                )
            return 0
        if args.action == "revoke":
            token = tokens.revoke_token(principal, args.token_id)
            print(f"token {token.id} '{token.name}' revoked")
            return 0
    except (BoekbrugError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    print("usage: python -m pipeline tokens create|list|revoke", file=sys.stderr)
    return 2


def _target(token) -> str:  # type: ignore[no-untyped-def]
    return (
        f"client {token.client_name}"
        if token.client_id
        else f"office {token.office_name}"
    )
