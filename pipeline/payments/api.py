"""Payments and bank statements for a signed-in ``Principal`` (the workbench page's door).

Who may: an admin, the accountant of the client's office, and the client itself.
"""

from __future__ import annotations

from datetime import date

from models.enums import Role
from pipeline.accounts import Principal, audit
from pipeline.api._common import require_client, require_role, work
from pipeline.payments import camt, match, prepare
from pipeline.payments.prepare import Payable, PaymentBatch, Skipped

ROLES = (Role.ACCOUNTANT, Role.CLIENT)


def open_payables(principal: Principal, client_id: int, *, until: date | None = None) -> tuple[list[Payable], list[Skipped]]:
    """What ``prepare`` would pay now (nothing is marked)."""
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        found = [prepare.payable(session, d) for d in prepare.open_documents(session, client_id, until=until)]
        return ([p for p in found if isinstance(p, Payable)], [s for s in found if isinstance(s, Skipped)])


def prepare_payments(principal: Principal, client_id: int, *, until: date | None = None,
                     execution_date: date | None = None) -> PaymentBatch:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        batch = prepare.prepare_payments(session, client_id, until=until, execution_date=execution_date,
                                         user_id=principal.user_id)
        audit(session, principal.user_id, "payments_prepared", f"client:{client_id}",
              f"{len(batch.included)} payments, {batch.total} EUR, {len(batch.held)} held")
        return batch


def confirm_new_iban(principal: Principal, client_id: int, supplier_key: str, iban: str,
                     supplier_name: str | None = None) -> None:
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        prepare.confirm_new_iban(session, client_id, supplier_key, iban, user_id=principal.user_id,
                                 supplier_name=supplier_name)
        audit(session, principal.user_id, "supplier_iban_confirmed", f"client:{client_id}", f"{supplier_key} {iban}")


def match_statement(principal: Principal, client_id: int, data: bytes) -> match.MatchResult:
    """Read a camt.053 and mark what it pays; the rest comes back unmatched."""
    require_role(principal, *ROLES)
    statement = camt.parse_camt053(data)
    with work() as session:
        require_client(session, principal, client_id)
        result = match.match_statement(session, client_id, statement)
        audit(session, principal.user_id, "statement_matched", f"client:{client_id}",
              f"{statement.statement_id}: {len(result.matched)} matched, {len(result.unmatched)} open")
        return result
