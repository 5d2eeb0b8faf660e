"""``python -m pipeline export --office NAME [--client NAME --from DATE --to DATE -o FILE.zip] [--again]``.

Without ``-o``: write the office's new releases to its export folders
(``DATA_DIR/exports/<office>/<client>/<period>/``) for an accounting package to pick up.
With ``--client`` and ``-o``: a ZIP of the client's UBLs of the period with summary.csv
and bookings.csv. Either way each document is recorded as delivered, and is not
delivered again unless ``--again`` (ZIP only).
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="export released UBLs: an office's export folders, or a ZIP per period")
    parser.add_argument("--office", required=True, help="accounting office name (or id)")
    parser.add_argument("--client", help="client name (or id); needed for -o")
    parser.add_argument("--from", dest="date_from", help="first issue date, YYYY-MM-DD (ZIP)")
    parser.add_argument("--to", dest="date_to", help="last issue date, YYYY-MM-DD (ZIP)")
    parser.add_argument("-o", "--output", help="write a ZIP here instead of the export folders")
    parser.add_argument("--again", action="store_true", help="include documents delivered before (ZIP)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from sqlalchemy import select

    from models import AccountingOffice, Client
    from pipeline.cli._common import ready_settings
    from pipeline.core.db import unit_of_work
    from pipeline.core.errors import BoekbrugError
    from pipeline.deliver.common import system_principal
    from pipeline.deliver.download import zip_for_period
    from pipeline.deliver.export import export_folder

    try:
        date_from = date.fromisoformat(args.date_from) if args.date_from else None
        date_to = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError as error:
        print(f"not a date (YYYY-MM-DD): {error}", file=sys.stderr)
        return 2
    if args.output and not args.client:
        print("a ZIP is per client: give --client", file=sys.stderr)
        return 2
    current = ready_settings()
    try:
        with unit_of_work(current.database_url) as session:
            office = session.scalars(select(AccountingOffice).where(AccountingOffice.name == args.office)).first()
            if office is None and args.office.isdigit():
                office = session.get(AccountingOffice, int(args.office))
            if office is None:
                print(f"no office {args.office!r}", file=sys.stderr)
                return 1
            if not args.output:
                result = export_folder(session, current, office.id)
                print(f"exported {len(result.documents)} document(s) to {len(result.folders)} folder(s)")
                for folder in result.folders:
                    print(f"  {folder}")
                return 0
            client = session.scalars(select(Client).where(Client.office_id == office.id,
                                                          Client.name == args.client)).first()
            if client is None and args.client.isdigit():
                found = session.get(Client, int(args.client))
                client = found if found is not None and found.office_id == office.id else None
            if client is None:
                print(f"no client {args.client!r} in office {office.name!r}", file=sys.stderr)
                return 1
            data = zip_for_period(session, current, system_principal(office.id), client.id, date_from, date_to,
                                  include_delivered=args.again)
            Path(args.output).write_bytes(data)
    except BoekbrugError as error:
        print(error.reason(), file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0
