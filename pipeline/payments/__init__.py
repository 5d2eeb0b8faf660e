"""Paying the client's incoming invoices and reading its bank statements.

* ``prepare`` — open released invoices → a SEPA credit transfer (pain.001) with
  structured Belgian references; IBAN changes held for a person's confirmation;
* ``camt`` — reading an ISO 20022 camt.053 statement safely;
* ``match`` — statement entries → invoices paid (incoming and outgoing), the rest
  listed for a person;
* ``api`` — the same for a signed-in ``Principal`` (workbench page).
"""

from __future__ import annotations

from pipeline.payments.camt import Statement, StatementEntry, parse_camt053
from pipeline.payments.match import Match, MatchResult, Unmatched, match_statement
from pipeline.payments.prepare import (
    Held,
    Payable,
    PaymentBatch,
    PaymentsError,
    Skipped,
    confirm_new_iban,
    pain001_errors,
    prepare_payments,
)

__all__ = [
    "Held",
    "Match",
    "MatchResult",
    "Payable",
    "PaymentBatch",
    "PaymentsError",
    "Skipped",
    "Statement",
    "StatementEntry",
    "Unmatched",
    "confirm_new_iban",
    "match_statement",
    "pain001_errors",
    "parse_camt053",
    "prepare_payments",
]
