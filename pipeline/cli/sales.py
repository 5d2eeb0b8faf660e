"""``python -m pipeline sales profile|contact|issue|credit|list``: a client's outgoing invoices.

    python -m pipeline sales profile --client "Bakkerij Peeters" --street "Kerkstraat 1" --postcode 2000 \\
        --city Antwerpen --email info@peeters.be --iban BE71096123456769
    python -m pipeline sales contact --client "Bakkerij Peeters" --name "Klant NV" --vat BE0403170701 \\
        --street "Markt 2" --postcode 9000 --city Gent --email boekhouding@klant.be --terms 30
    python -m pipeline sales issue --client "Bakkerij Peeters" --customer "Klant NV" \\
        --line "Brood;10;2.35;21" --line "Taart;3;14.99;6;S;10" -o out/ [--send]
    python -m pipeline sales credit 2026-00001 --client "Bakkerij Peeters" -o out/
    python -m pipeline sales list --client "Bakkerij Peeters"

A line is ``description;quantity;unit price;VAT rate[;category S|Z|E|AE|K[;discount %]]``.
Exit code 1 when the official rules refuse the invoice, 2 on wrong input.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("sales", help="outgoing invoices: customers, issue, credit notes, list")
    cmds = p.add_subparsers(dest="sales_command", metavar="ACTION", required=True)

    contact = cmds.add_parser("contact", help="add or update a customer of a client")
    contact.add_argument("--client", required=True, help="client name or id")
    contact.add_argument("--name", required=True)
    contact.add_argument("--vat")
    contact.add_argument("--kbo", help="enterprise number")
    contact.add_argument("--street")
    contact.add_argument("--postcode")
    contact.add_argument("--city")
    contact.add_argument("--country", default="BE")
    contact.add_argument("--email")
    contact.add_argument("--terms", type=int, default=30, help="payment terms in days")
    contact.set_defaults(func=run_contact)

    prof = cmds.add_parser("profile", help="the client's own address, e-mail, IBAN and BIC")
    prof.add_argument("--client", required=True)
    prof.add_argument("--street")
    prof.add_argument("--postcode")
    prof.add_argument("--city")
    prof.add_argument("--country", default="BE")
    prof.add_argument("--email")
    prof.add_argument("--iban")
    prof.add_argument("--bic")
    prof.set_defaults(func=run_profile)

    issue = cmds.add_parser("issue", help="draft and issue an invoice (number, PDF, UBL, library)")
    issue.add_argument("--client", required=True)
    issue.add_argument("--customer", required=True, help="customer name or id")
    issue.add_argument("--line", action="append", required=True, help="desc;qty;price;rate[;category[;discount]]")
    issue.add_argument("--note")
    issue.add_argument("-o", "--output", type=Path, help="folder to write NUMBER.pdf and NUMBER.xml to")
    issue.add_argument("--send", action="store_true", help="e-mail it to the customer (SMTP_* settings)")
    issue.set_defaults(func=run_issue)

    credit = cmds.add_parser("credit", help="issue a full credit note for an issued invoice")
    credit.add_argument("number", help="the invoice number to credit")
    credit.add_argument("--client", required=True)
    credit.add_argument("--note")
    credit.add_argument("-o", "--output", type=Path)
    credit.set_defaults(func=run_credit)

    listing = cmds.add_parser("list", help="a client's outgoing invoices")
    listing.add_argument("--client", required=True)
    listing.set_defaults(func=run_list)


def parse_line(text: str) -> Any:
    from pipeline.sales import LineInput, SalesError

    parts = [p.strip() for p in text.split(";")]
    if len(parts) < 4:
        raise SalesError(f"line {text!r}: give description;quantity;unit price;VAT rate")
    try:
        numbers = [Decimal(p.replace(",", ".")) for p in parts[1:4]]
        discount = Decimal(parts[5].replace(",", ".")) if len(parts) > 5 and parts[5] else Decimal(0)
    except InvalidOperation as error:
        raise SalesError(f"line {text!r}: quantity, price, rate and discount are numbers") from error
    category = parts[4].upper() if len(parts) > 4 and parts[4] else ("S" if numbers[2] else "Z")
    return LineInput(parts[0], numbers[0], numbers[1], numbers[2], category, discount)


def _client(session: Any, name: str) -> Any:
    from pipeline.core.accounts import find_client
    from pipeline.sales import SalesError

    client = find_client(session, name)
    if client is None:
        raise SalesError(f"client {name!r} not found")
    return client


def _write(session: Any, settings: Any, invoice_id: int, folder: Path | None) -> None:
    from pipeline.sales.invoices import artefacts

    if folder is None:
        return
    name, pdf, xml = artefacts(session, settings, invoice_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(pdf)
    (folder / f"{name}.xml").write_bytes(xml)
    print(f"wrote {folder / name}.pdf and .xml")


def _guarded(action: Any) -> int:
    from pipeline.core.errors import BoekbrugError
    from pipeline.sales import IssueRefused

    try:
        return action()
    except IssueRefused as refused:
        print(refused.reason(), file=sys.stderr)
        for finding in refused.findings:
            print(f"  {finding}", file=sys.stderr)
        return 1
    except BoekbrugError as error:
        print(error.reason(), file=sys.stderr)
        return 2


def run_contact(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.sales import ContactInput, save_contact
        from pipeline.sales.contacts import find_contact

        settings = ready_settings()
        with unit_of_work(settings.database_url) as session:
            client = _client(session, args.client)
            existing = find_contact(session, client.id, args.name)
            contact = save_contact(session, client.id, ContactInput(
                args.name, args.vat, args.kbo, args.street, args.postcode, args.city, args.country, args.email,
                args.terms), existing.id if existing else None)
            print(f"customer {contact.id}: {contact.name} {contact.vat or contact.enterprise_number or ''}")
        return 0

    return _guarded(action)


def run_profile(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.sales import save_client_profile

        settings = ready_settings()
        with unit_of_work(settings.database_url) as session:
            client = _client(session, args.client)
            saved = save_client_profile(session, client.id, street=args.street, postal_code=args.postcode,
                                        city=args.city, country=args.country, email=args.email, iban=args.iban,
                                        bic=args.bic)
            print(f"{client.name}: {saved.iban or 'no IBAN'} {saved.bic or ''}")
        return 0

    return _guarded(action)


def run_issue(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import session_factory
        from pipeline.sales import SalesError, create_draft, issue
        from pipeline.sales.contacts import find_contact

        settings = ready_settings()
        lines = [parse_line(text) for text in args.line]
        with session_factory(settings.database_url)() as session:
            client = _client(session, args.client)
            contact = find_contact(session, client.id, args.customer)
            if contact is None:
                raise SalesError(f"customer {args.customer!r} not found: add it with `sales contact`")
            draft = create_draft(session, client.id, contact.id, lines, note=args.note)
            session.commit()
            invoice = issue(session, settings, draft.id)
            print(f"{invoice.number}  {invoice.total_incl_vat} {invoice.currency}  due {invoice.due_date}  "
                  f"{invoice.payment_reference}")
            _write(session, settings, invoice.id, args.output)
            if args.send:
                from pipeline.sales.mail import send_invoice

                print(f"sent to {send_invoice(session, settings, invoice.id)}")
                session.commit()
        return 0

    return _guarded(action)


def run_credit(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import session_factory
        from pipeline.sales import SalesError, create_credit_note, issue
        from pipeline.sales.invoices import find_issued

        settings = ready_settings()
        with session_factory(settings.database_url)() as session:
            client = _client(session, args.client)
            original = find_issued(session, client.id, args.number)
            if original is None:
                raise SalesError(f"invoice {args.number} of {client.name} not found")
            draft = create_credit_note(session, original.id, note=args.note)
            session.commit()
            credit = issue(session, settings, draft.id)
            print(f"{credit.number}  credit note for {original.number}  {credit.total_incl_vat} {credit.currency}")
            _write(session, settings, credit.id, args.output)
        return 0

    return _guarded(action)


def run_list(args: argparse.Namespace) -> int:
    def action() -> int:
        from pipeline.cli._common import ready_settings
        from pipeline.core.db import unit_of_work
        from pipeline.sales.invoices import list_invoices

        settings = ready_settings()
        with unit_of_work(settings.database_url) as session:
            client = _client(session, args.client)
            for inv in list_invoices(session, client.id):
                print(f"{inv.number or '(draft ' + str(inv.id) + ')':<16} {inv.document_type:<12} "
                      f"{inv.issue_date or ''!s:<10} {inv.total_incl_vat!s:>12} {inv.payment_status or inv.status}")
        return 0

    return _guarded(action)
