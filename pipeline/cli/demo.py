"""``python -m pipeline demo``: the demo office, client and users, and the bundled invoices processed."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="load the demo office, client, users and bundled invoices, and process them")
    parser.add_argument("--no-documents", action="store_true", help="only the office, client and users")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.cli._common import ready_settings
    from pipeline.core.config import PROJECT_ROOT
    from pipeline.core.db import unit_of_work
    from pipeline.core.demo import DEMO_USERS, load_demo

    current = ready_settings()
    with unit_of_work(current.database_url) as session:
        demo = load_demo(session)
    if not args.no_documents:
        from pipeline.cli import run as run_command

        demo_docs = PROJECT_ROOT / "data" / "demo" / "docs"
        run_command.run(argparse.Namespace(paths=[str(demo_docs)], client=demo["client"], timeout=1800))
    print(f"demo office {demo['office']!r}, client {demo['client']!r}")
    print("demo sign-ins (user / password):")
    for username, password, role in DEMO_USERS:
        print(f"  {username:11} {password:16} ({role})")
    return 0
