"""Read an ISO 20022 bank-to-customer statement (camt.053, versions .02 to .08 and on).

Parsed as untrusted XML (no DTD, no entities, no network: ``pipeline.core.xmlsafe``).
Elements are found by local name, so the versions' namespaces do not matter; the
one structural difference that does — from version .08 a party's name sits in
``Dbtr/Pty/Nm`` rather than ``Dbtr/Nm`` — is handled. An entry with several
transaction details (a batch booking) gives one ``StatementEntry`` per detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from pipeline.core.errors import CorruptFile, UnsupportedFormat
from pipeline.core.i18n import N_
from pipeline.core.xmlsafe import parse_untrusted
from pipeline.ubl import belgian

CAMT053 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d{2}$")
_OGM_IN_TEXT = re.compile(r"(?:\+\+\+|\*\*\*)\s*\d{3}\s*/?\s*\d{4}\s*/?\s*\d{5}\s*(?:\+\+\+|\*\*\*)")


@dataclass(frozen=True)
class StatementEntry:
    amount: Decimal  # always positive; ``credit`` says the direction
    credit: bool  # money in (CRDT) or out (DBIT)
    booking_date: date | None
    counterparty_name: str | None
    counterparty_iban: str | None
    structured_reference: str | None  # CdtrRefInf/Ref as written
    unstructured: str | None  # Ustrd lines joined
    entry_reference: str | None = None
    currency: str = "EUR"

    @property
    def ogm_digits(self) -> str | None:
        """The 12 digits of a valid Belgian structured communication, structured or in the free text."""
        for text in (self.structured_reference, *(_OGM_IN_TEXT.findall(self.unstructured or ""))):
            if text:
                digits = belgian.ogm_digits(text)
                if digits and belgian.ogm_valid(digits):
                    return digits
        return None


@dataclass(frozen=True)
class Statement:
    account_iban: str | None
    statement_id: str | None
    version: str
    entries: tuple[StatementEntry, ...]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _child(el: etree._Element | None, path: str) -> etree._Element | None:
    for name in path.split("/"):
        if el is None:
            return None
        el = next((c for c in el if isinstance(c.tag, str) and _local(c) == name), None)
    return el


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _text(el: etree._Element | None, path: str) -> str | None:
    found = _child(el, path)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _amount(el: etree._Element | None) -> tuple[Decimal, str] | None:
    if el is None or not (el.text or "").strip():
        return None
    try:
        return Decimal(el.text.strip()), el.get("Ccy") or "EUR"
    except InvalidOperation as error:
        raise CorruptFile(N_("amount {text} is not a number"), params={"text": repr(el.text)}) from error


def _date(el: etree._Element | None) -> date | None:
    text = _text(el, "Dt") or (_text(el, "DtTm") or "")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _party_name(parties: etree._Element | None, role: str) -> str | None:
    party = _child(parties, role)
    return _text(party, "Nm") or _text(party, "Pty/Nm")


def parse_camt053(data: bytes) -> Statement:
    """The statement's entries; ``UnsupportedFormat`` when it is not a camt.053."""
    root = parse_untrusted(data).getroot()
    namespace = etree.QName(root).namespace or ""
    if not CAMT053.match(namespace):
        raise UnsupportedFormat(N_("not a camt.053 statement (namespace {namespace})"),
                                params={"namespace": namespace or "-"},
                                hint=N_("Export the statement from your bank as CAMT.053 (XML)."))
    entries: list[StatementEntry] = []
    statements = _children(_child(root, "BkToCstmrStmt"), "Stmt")
    account = _text(statements[0], "Acct/Id/IBAN") if statements else None
    statement_id = _text(statements[0], "Id") if statements else None
    for stmt in statements:
        for entry in _children(stmt, "Ntry"):
            entries.extend(_entries(entry))
    return Statement(account, statement_id, namespace.rsplit(":", 1)[-1], tuple(entries))


def _entries(entry: etree._Element) -> list[StatementEntry]:
    total = _amount(_child(entry, "Amt"))
    if total is None:
        raise CorruptFile(N_("a statement entry has no amount"))
    credit = (_text(entry, "CdtDbtInd") or "").upper() == "CRDT"
    booked = _date(_child(entry, "BookgDt")) or _date(_child(entry, "ValDt"))
    reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = [tx for dtls in _children(entry, "NtryDtls") for tx in _children(dtls, "TxDtls")] or [None]
    out = []
    for tx in details:
        amount = total
        if len(details) > 1:
            amount = (_amount(_child(tx, "AmtDtls/TxAmt/Amt")) or _amount(_child(tx, "Amt"))
                      or _amount(_child(tx, "AmtDtls/InstdAmt/Amt")) or total)
        parties = _child(tx, "RltdPties")
        role = "Dbtr" if credit else "Cdtr"
        iban = _text(parties, f"{role}Acct/Id/IBAN")
        remittance = _child(tx, "RmtInf")
        structured = None
        for strd in _children(remittance, "Strd"):
            structured = structured or _text(strd, "CdtrRefInf/Ref")
        free = " ".join(t for t in ((u.text or "").strip() for u in _children(remittance, "Ustrd")) if t) or None
        out.append(StatementEntry(
            amount=abs(amount[0]), credit=credit, booking_date=booked,
            counterparty_name=_party_name(parties, role), counterparty_iban=iban.replace(" ", "").upper() if iban else None,
            structured_reference=structured, unstructured=free, entry_reference=reference, currency=amount[1],
        ))
    return out
