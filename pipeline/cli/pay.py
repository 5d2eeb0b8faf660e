"""``python -m pipeline pay prepare|match|confirm-iban``: pay incoming invoices, read statements.

    python -m pipeline pay prepare --client "Bakkerij Peeters" -o pain.xml [--until 2026-03-31]
    python -m pipeline pay match STATEMENT.xml --client "Bakkerij Peeters"
    python -m pipeline pay confirm-iban --client "Bakkerij Peeters" --supplier BE0403170701 --iban NL91…

``prepare`` writes a SEPA credit transfer (pain.001.001.03) and lists payments held
because the supplier's IBAN changed (exit code 3 when some are held). ``match``
marks what a camt.053 statement pays and lists the rest for a person.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("pay", help="pay incoming invoices (pain.001) and match bank statements (camt.053)")
    cmds = p.add_subparsers(dest="pay_command", metavar="ACTION", required=True)

    prep = cmds.add_parser("prepare", help="a SEPA credit transfer file for the open invoices due")
    prep.add_argument("--client", required=True, help="client name or id")
    prep.add_argument("-o", "--output", type=Path, required=True, help="where to write pain.001 XML")
    prep.add_argument("--until", type=date.fromisoformat, help="due by this date (default: in 7 days)")
    prep.add_argument("--execution-date", type=date.fromisoformat, help="requested execution date")
    prep.set_defaults(func=run_prepare)

    match = cmds.add_parser("match", help="match a camt.053 statement to open invoices")
    match.add_argument("statement", type=Path)
    match.add_argument("--client", required=True)
    match.set_defaults(func=run_match)

    confirm = cmds.add_parser("confirm-iban", help="confirm a supplier's new IBAN (after calling them)")
    confirm.add_argument("--client", required=True)
    confirm.add_argument("--supplier", required=True, help="supplier key (VAT number) as listed by prepare")
    confirm.add_argument("--iban", required=True)
    confirm.set_defaults(func=run_confirm)


def _run(action: Any) -> int:
    from pipeline.core.errors import BoekbrugError

    try:
        return action()
    except BoekbrugError as error:
        print(error.reason(), file=sys.stderr)
        return 2


def _client_id(session: Any, name: str) -> int:
    from pipeline.core.accounts import find_client
    from pipeline.payments import PaymentsError

    client = find_client(session, name)
    if client is None:
        raise PaymentsError(f"client {name!r} not found", hint="Give the client's name or id.")
    return client.id


def run_prepare(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.payments import prepare_payments

        settings = ready_settings()
        with unit_of_work(settings.database_url) as session:
            batch = prepare_payments(session, _client_id(session, args.client), until=args.until,
                                     execution_date=args.execution_date)
            if batch.xml is not None:
                args.output.write_bytes(batch.xml)
        for item in batch.included:
            print(f"pay  {item.amount:>10} EUR  {item.supplier_name[:30]:<30} {item.iban}  {item.reference}")
        for held in batch.held:
            p = held.payable
            print(f"HELD {p.amount:>10} EUR  {p.supplier_name[:30]:<30} IBAN changed {held.previous_iban} → {p.iban}"
                  f"  (confirm: pay confirm-iban --supplier {p.supplier_key} --iban {p.iban})")
        for skipped in batch.skipped:
            print(f"skip document {skipped.document_id}: {skipped.reason}")
        if batch.xml is None:
            print("nothing to pay")
        else:
            print(f"wrote {args.output}: {len(batch.included)} payments, {batch.total} EUR")
        return 3 if batch.held else 0

    return _run(action)


def run_match(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.payments import match_statement, parse_camt053

        settings = ready_settings()
        statement = parse_camt053(args.statement.read_bytes())
        with unit_of_work(settings.database_url) as session:
            result = match_statement(session, _client_id(session, args.client), statement)
        for m in result.matched:
            sign = "+" if m.entry.credit else "-"
            print(f"paid {sign}{m.entry.amount:>10}  {m.item.kind:<8} {m.item.label:<20} by {m.how}")
        for u in result.unmatched:
            sign = "+" if u.entry.credit else "-"
            print(f"open {sign}{u.entry.amount:>10}  {u.entry.counterparty_name or '?':<30} {u.reason}")
        return 0

    return _run(action)


def run_confirm(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.payments import confirm_new_iban

        settings = ready_settings()
        with unit_of_work(settings.database_url) as session:
            confirm_new_iban(session, _client_id(session, args.client), args.supplier, args.iban)
        print(f"confirmed {args.iban} for {args.supplier}")
        return 0

    return _run(action)
