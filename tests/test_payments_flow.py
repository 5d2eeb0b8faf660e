"""Paying incoming invoices (pain.001, IBAN-change hold) and closing the loop with a camt.053."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from lxml import etree

from models import Document, ExtractedFieldRow
from models.enums import (
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
)
from models.sales import SalesInvoice
from pipeline.core.db import session_factory, unit_of_work
from pipeline.core.fields import value_to_json
from pipeline.payments import (
    confirm_new_iban,
    match_statement,
    pain001_errors,
    parse_camt053,
    prepare_payments,
)
from pipeline.sales import create_draft, issue
from tests.test_sales_invoices import MIXED, seller_with_customers

PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"
DUE = date(2026, 3, 20)
SUPPLIER_OGM = "+++090/9337/55493+++"  # valid check digits
ACME_IBAN, ACME_NEW_IBAN = "BE20 0011 2233 4456", "NL91ABNA0417164300"


def incoming(url: str, client_id: int, n: int, **fields: object) -> int:
    """A released incoming invoice with validated fields, as the pipeline leaves it."""
    values = {"supplier_name": "Acme BV", "supplier_vat": "BE0403170701", "invoice_number": f"A-{n}",
              "issue_date": date(2026, 3, 1), "due_date": DUE, "currency": "EUR",
              "total_incl_vat": D("121.00"), "iban": ACME_IBAN} | fields
    with unit_of_work(url) as session:
        document = Document(client_id=client_id, sha256=f"{n:064d}", original_path=f"originals/x/{n}",
                            original_filename=f"a{n}.pdf", size_bytes=1, kind=DocumentKind.PDF, channel="upload",
                            status=DocumentStatus.RELEASED, document_type=DocumentType.INVOICE,
                            supplier_key=str(values.get("supplier_vat") or "")[:64] or None,
                            supplier_name=str(values["supplier_name"]), invoice_number=str(values["invoice_number"]),
                            due_date=values["due_date"], total_incl_vat=values["total_incl_vat"], currency="EUR",
                            released_at=datetime.now(UTC))
        session.add(document)
        session.flush()
        for name, value in values.items():
            stored = value_to_json(name, value)
            session.add(ExtractedFieldRow(document_id=document.id, name=name, value=stored, machine_value=stored,
                                          confidence=1.0, source=FieldSource.OPERATOR,
                                          machine_source=FieldSource.TEXT_LAYER, state=FieldState.CONFIRMED))
        return document.id


def _tx(root: etree._Element) -> dict[str, etree._Element]:
    return {tx.findtext(f"{PAIN}PmtId/{PAIN}EndToEndId"): tx for tx in root.iter(f"{PAIN}CdtTrfTxInf")}


def test_pain001_is_valid_with_amounts_and_structured_references(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    structured = incoming(db_url, ids["client"], 1, payment_reference=SUPPLIER_OGM)
    free = incoming(db_url, ids["client"], 2, supplier_name="Drukkerij Smet", supplier_vat="BE0477472701",
                    iban="BE71096123456769", total_incl_vat=D("57.30"), payment_reference="Factuur 2026/77")
    later = incoming(db_url, ids["client"], 3, due_date=date(2026, 6, 1))
    with unit_of_work(db_url) as session:
        batch = prepare_payments(session, ids["client"], until=DUE, execution_date=DUE)
    assert {p.document_id for p in batch.included} == {structured, free}
    assert batch.total == D("178.30") and not batch.held
    assert pain001_errors(batch.xml) == []
    root = etree.fromstring(batch.xml)
    assert root.findtext(f"{PAIN}CstmrCdtTrfInitn/{PAIN}GrpHdr/{PAIN}CtrlSum") == "178.30"
    assert root.findtext(f".//{PAIN}DbtrAcct/{PAIN}Id/{PAIN}IBAN") == "BE71096123456769"
    txs = _tx(root)
    one, two = txs[f"BOEKBRUG-{structured}"], txs[f"BOEKBRUG-{free}"]
    assert one.findtext(f"{PAIN}Amt/{PAIN}InstdAmt") == "121.00"
    assert one.findtext(f"{PAIN}CdtrAcct/{PAIN}Id/{PAIN}IBAN") == "BE20001122334456"
    ref = one.find(f"{PAIN}RmtInf/{PAIN}Strd/{PAIN}CdtrRefInf")
    assert ref.findtext(f"{PAIN}Tp/{PAIN}CdOrPrtry/{PAIN}Cd") == "SCOR"
    assert ref.findtext(f"{PAIN}Tp/{PAIN}Issr") == "BBA"
    assert ref.findtext(f"{PAIN}Ref") == "090933755493"
    assert one.find(f"{PAIN}RmtInf/{PAIN}Ustrd") is None
    assert two.findtext(f"{PAIN}Amt/{PAIN}InstdAmt") == "57.30"
    assert two.findtext(f"{PAIN}RmtInf/{PAIN}Ustrd") == "Factuur 2026/77"
    with session_factory(db_url)() as session:
        assert session.get(Document, structured).payment_status == "payment_prepared"
        assert session.get(Document, later).payment_status is None
    with unit_of_work(db_url) as session:  # prepared once: not again
        assert prepare_payments(session, ids["client"], until=DUE).xml is None


def test_the_xsd_check_catches_a_broken_file() -> None:
    broken = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
              b"<CstmrCdtTrfInitn><GrpHdr><MsgId>x</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>")
    assert pain001_errors(broken)


def test_a_changed_iban_is_held_until_confirmed(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    first = incoming(db_url, ids["client"], 1)
    with unit_of_work(db_url) as session:
        assert [p.document_id for p in prepare_payments(session, ids["client"], until=DUE).included] == [first]
    changed = incoming(db_url, ids["client"], 2, iban=ACME_NEW_IBAN)
    other = incoming(db_url, ids["client"], 3, supplier_name="Drukkerij Smet", supplier_vat="BE0477472701",
                     iban="BE71096123456769")
    with unit_of_work(db_url) as session:
        batch = prepare_payments(session, ids["client"], until=DUE)
    assert [p.document_id for p in batch.included] == [other]
    assert [(h.payable.document_id, h.previous_iban, h.payable.iban) for h in batch.held] == [
        (changed, "BE20001122334456", ACME_NEW_IBAN)]
    assert f"BOEKBRUG-{changed}".encode() not in batch.xml
    with session_factory(db_url)() as session:
        assert session.get(Document, changed).payment_status is None
    with unit_of_work(db_url) as session:
        confirm_new_iban(session, ids["client"], "BE0403170701", ACME_NEW_IBAN)
    with unit_of_work(db_url) as session:
        batch = prepare_payments(session, ids["client"], until=DUE)
    assert [p.document_id for p in batch.included] == [changed] and not batch.held


# ---------------------------------------------------------------------------- camt.053
def camt053(version: str, entries: list[dict[str, str]]) -> bytes:
    """A bank statement as the bank sends it, built in code (camt.053.001.02 or .08)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    rows = []
    for e in entries:
        role = "Dbtr" if e["dir"] == "CRDT" else "Cdtr"
        name = f"<Nm>{e['name']}</Nm>" if version == "02" else f"<Pty><Nm>{e['name']}</Nm></Pty>"
        remittance = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
                      f"<Ref>{e['ref']}</Ref></CdtrRefInf></Strd>") if e.get("ref") else f"<Ustrd>{e.get('text', '')}</Ustrd>"
        rows.append(f"""<Ntry><Amt Ccy="EUR">{e['amount']}</Amt><CdtDbtInd>{e['dir']}</CdtDbtInd><Sts>BOOK</Sts>
          <BookgDt><Dt>2026-03-20</Dt></BookgDt><ValDt><Dt>2026-03-20</Dt></ValDt><AcctSvcrRef>{e['id']}</AcctSvcrRef>
          <BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><{role}>{name}</{role}><{role}Acct><Id><IBAN>{e['iban']}</IBAN></Id></{role}Acct></RltdPties>
          <RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-03-21T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>2026-055</Id><CreDtTm>2026-03-21T06:00:00</CreDtTm><Acct><Id><IBAN>BE71096123456769</IBAN></Id></Acct>
{''.join(rows)}</Stmt></BkToCstmrStmt></Document>""".encode()


def test_camt053_parses_both_versions_and_refuses_entities() -> None:
    entry = {"dir": "CRDT", "amount": "81.41", "name": "Klant NV", "iban": "BE11063512345648",
             "ref": "260000010173", "id": "E1"}
    for version in ("02", "08"):
        statement = parse_camt053(camt053(version, [entry]))
        (parsed,) = statement.entries
        assert statement.account_iban == "BE71096123456769"
        assert (parsed.amount, parsed.credit, parsed.counterparty_name) == (D("81.41"), True, "Klant NV")
        assert parsed.booking_date == date(2026, 3, 20) and parsed.ogm_digits == "260000010173"
    from pipeline.core.errors import BoekbrugError

    hostile = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    with pytest.raises(BoekbrugError):
        parse_camt053(hostile)


@pytest.mark.parametrize("version", ["02", "08"])
def test_statement_closes_the_loop(db_url: str, settings_for, version: str) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    by_ref = incoming(db_url, ids["client"], 1, payment_reference=SUPPLIER_OGM)
    by_name = incoming(db_url, ids["client"], 2, supplier_name="Drukkerij Smet NV", supplier_vat="BE0477472701",
                       iban="BE71096123456769", total_incl_vat=D("57.30"))
    with unit_of_work(db_url) as session:
        prepare_payments(session, ids["client"], until=DUE)
        drafts = [create_draft(session, ids["client"], ids["be"], MIXED).id,
                  create_draft(session, ids["client"], ids["be"], MIXED[:1]).id]
    with session_factory(db_url)() as session:
        sold = issue(session, settings, drafts[0], issue_date=date(2026, 3, 16))
        sold_by_name = issue(session, settings, drafts[1], issue_date=date(2026, 3, 16))
    entries = [
        {"dir": "DBIT", "amount": "121.00", "name": "ACME", "iban": "BE20001122334456", "ref": "090933755493", "id": "1"},
        {"dir": "DBIT", "amount": "57.30", "name": "Drukkerij Smet", "iban": "BE10000000000404", "text": "fact 77",
         "id": "2"},
        {"dir": "CRDT", "amount": str(sold.total_incl_vat), "name": "KLANT NV", "iban": "BE11063512345648",
         "ref": sold.payment_reference.strip("+").replace("/", ""), "id": "3"},
        {"dir": "CRDT", "amount": str(sold_by_name.total_incl_vat), "name": "Klant", "iban": "BE11063512345648",
         "text": "betaling factuur", "id": "4"},
        {"dir": "CRDT", "amount": "999.99", "name": "Onbekend", "iban": "BE11063512345648", "text": "?", "id": "5"},
        {"dir": "DBIT", "amount": "15.00", "name": "Bank", "iban": "BE71096123456769", "text": "kosten", "id": "6"},
    ]
    statement = parse_camt053(camt053(version, entries))
    with unit_of_work(db_url) as session:
        result = match_statement(session, ids["client"], statement)
    how = {m.entry.entry_reference: (m.item.kind, m.item.id, m.how) for m in result.matched}
    assert how == {"1": ("purchase", by_ref, "reference"), "2": ("purchase", by_name, "amount+name"),
                   "3": ("sales", sold.id, "reference"), "4": ("sales", sold_by_name.id, "amount+name")}
    assert sorted(u.entry.entry_reference for u in result.unmatched) == ["5", "6"]
    with session_factory(db_url)() as session:
        assert session.get(Document, by_ref).payment_status == "paid"
        assert session.get(Document, by_name).payment_status == "paid"
        paid = session.get(SalesInvoice, sold.id)
        assert paid.payment_status == "paid" and paid.paid_at is not None
        assert session.get(Document, paid.document_id).payment_status == "paid"
    with unit_of_work(db_url) as session:  # a second reading finds nothing open any more
        again = match_statement(session, ids["client"], statement)
    assert not again.matched and len(again.unmatched) == 6
