"""``python -m pipeline migrate``: bring the database schema to head (Alembic)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("migrate", help="create or upgrade the database schema (Alembic head)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.cli._common import ready_settings

    current = ready_settings()
    print(f"schema at head: {current.database_url.split('@')[-1]}")
    return 0
