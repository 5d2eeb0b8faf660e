"""Outgoing invoices of a client: customers, drafts, gap-free numbers, PDF + UBL, e-mail.

* ``contacts`` — customers (VAT/KBO checked with python-stdnum) and the client's own
  address and bank account;
* ``amounts`` — line amounts, VAT breakdown (half-up per line and per rate), legal
  mentions, structured communication;
* ``numbering`` — one counter per (client, year), taken under a row lock;
* ``invoices`` — drafts, ``issue`` (number → PDF → UBL → official rules → library),
  credit notes;
* ``pdf`` — the printed invoice; ``mail`` — sending it over SMTP;
* ``api`` — the same for a signed-in ``Principal`` (the workbench page and CLI door).
"""

from __future__ import annotations

from pipeline.sales.amounts import LEGAL_MENTIONS, SalesError, ogm_for
from pipeline.sales.contacts import ContactInput, save_client_profile, save_contact
from pipeline.sales.invoices import (
    AlreadyIssued,
    IssueRefused,
    LineInput,
    create_credit_note,
    create_draft,
    issue,
    update_draft,
)

__all__ = [
    "LEGAL_MENTIONS",
    "AlreadyIssued",
    "ContactInput",
    "IssueRefused",
    "LineInput",
    "SalesError",
    "create_credit_note",
    "create_draft",
    "issue",
    "ogm_for",
    "save_client_profile",
    "save_contact",
    "update_draft",
]
