"""Payments and bank statements for a signed-in ``Principal`` (the workbench page's door).

Who may: an admin, the accountant of the client's office, and the client itself.
"""

from __future__ import annotations

from datetime import date

from models.enums import Role
from pipeline.api._common import require_client, require_role, work
from pipeline.core.accounts import Principal, audit
from pipeline.payments import camt, match, prepare
from pipeline.payments.prepare import Payable, PaymentBatch, Skipped

ROLES = (Role.ACCOUNTANT, Role.CLIENT)


def open_payables(principal: Principal, client_id: int, *,
                  until: date | None = None) -> tuple[list[Payable], list[Skipped]]:
    """What ``prepare`` would pay now, and what it would skip and why (nothing is marked).

    An IBAN change to confirm shows among the payables (the batch holds it back)."""
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        included, held, skipped = prepare.plan(session, client_id,
                                               prepare.open_documents(session, client_id, until=until))
        return [*included, *(h.payable for h in held)], skipped


def prepare_payments(principal: Principal, client_id: int, *, until: date | None = None,
                     execution_date: date | None = None, exclude_ids: list[int] | None = None) -> PaymentBatch:
    """The payment file for what is due by ``until``, without the invoices in ``exclude_ids``."""
    require_role(principal, *ROLES)
    with work() as session:
        require_client(session, principal, client_id)
        batch = prepare.prepare_payments(session, client_id, until=until, execution_date=execution_date,
                                         exclude_ids=exclude_ids, user_id=principal.user_id)
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
