"""Invoice numbers without gaps: one counter row per (client, year), taken under a lock.

``next_number`` must run inside the transaction that issues the invoice: the number
is only used up when that transaction commits; a rollback (the official rules
refused the UBL, a crash) gives the number back, so the series never has a hole.

* PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING`` makes sure the row exists, then
  ``SELECT … FOR UPDATE`` locks it until commit; a second issuer waits there.
* SQLite: the same insert, then one ``UPDATE … SET last_number = last_number + 1 …
  RETURNING`` — the database's single writer lock (held to commit) serialises issuers.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.sales import InvoiceCounter


def _ensure_row(session: Session, client_id: int, year: int) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(InvoiceCounter).values(client_id=client_id, year=year, last_number=0)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["client_id", "year"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(InvoiceCounter).values(client_id=client_id, year=year, last_number=0)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["client_id", "year"]))
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"invoice numbering is not implemented for {dialect}")


def next_number(session: Session, client_id: int, year: int) -> int:
    """The next sequence number of ``client_id`` in ``year`` (1, 2, 3 …), locked until commit."""
    _ensure_row(session, client_id, year)
    where = (InvoiceCounter.client_id == client_id, InvoiceCounter.year == year)
    if session.get_bind().dialect.name == "postgresql":
        current = session.execute(
            select(InvoiceCounter.last_number).where(*where).with_for_update()
        ).scalar_one()
        session.execute(update(InvoiceCounter).where(*where).values(last_number=current + 1)
                        .execution_options(synchronize_session=False))
        return current + 1
    return session.execute(
        update(InvoiceCounter).where(*where).values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number).execution_options(synchronize_session=False)
    ).scalar_one()


def format_number(year: int, sequence: int) -> str:
    """``2026-00042``: the year, then the number on five digits (more when needed)."""
    return f"{year}-{sequence:05d}"
