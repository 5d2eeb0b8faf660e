"""``python -m pipeline users add|list|totp``: manage sign-ins and second factors."""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("users", help="add or list users (operator, supervisor, accountant, client, admin)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="create a user (password from BOEKBRUG_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["operator", "supervisor", "accountant", "client", "admin"])
    add.add_argument("--name", help="display name")
    add.add_argument("--office", help="office name (accountants)")
    add.add_argument("--client", help="client name or id (client users)")
    actions.add_parser("list", help="list users")
    totp = actions.add_parser("totp", help="enrol a TOTP second factor; prints the otpauth:// URI for an authenticator app")
    totp.add_argument("username")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from models import AccountingOffice, User
    from models.enums import Role
    from pipeline.cli._common import ready_settings
    from pipeline.core.accounts import create_user, enrol_totp, find_client
    from pipeline.core.db import unit_of_work

    current = ready_settings()
    with unit_of_work(current.database_url) as session:
        if args.action == "list":
            for user in session.scalars(select(User).order_by(User.username)):
                factor = "totp" if user.totp_secret else "-"
                print(f"{user.username:20} {user.role:11} office={user.office_id} client={user.client_id} "
                      f"second-factor={factor}")
            return 0
        if args.action == "totp":
            try:
                uri = enrol_totp(session, args.username)
            except ValueError as error:
                print(error, file=sys.stderr)
                return 2
            print(uri)
            print("Scan this in an authenticator app (or type its secret); from now on the sign-in asks for its "
                  "six-digit code.", file=sys.stderr)
            return 0
        if args.action != "add":
            print("usage: python -m pipeline users add|list|totp", file=sys.stderr)
            return 2
        office_id = client_id = None
        if args.office:
            office = session.scalars(select(AccountingOffice).where(AccountingOffice.name == args.office)).first()
            if office is None:
                print(f"no office {args.office!r}", file=sys.stderr)
                return 2
            office_id = office.id
        if args.client:
            client = find_client(session, args.client)
            if client is None:
                print(f"no client {args.client!r}", file=sys.stderr)
                return 2
            client_id, office_id = client.id, client.office_id
        password = os.environ.get("BOEKBRUG_PASSWORD") or getpass.getpass("password: ")
        try:
            user = create_user(session, args.username, password, Role(args.role), display_name=args.name,
                               office_id=office_id, client_id=client_id)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"created {user.username} ({user.role})")
    return 0
