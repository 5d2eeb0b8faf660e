"""Pay incoming invoices: a SEPA credit transfer file (pain.001) for the client's bank.

Released incoming documents that are not paid yet (``payment_status`` None) and due
by a date become transfers from the client's account (``ClientProfile``) to each
supplier's IBAN as validated on the document, for the invoice total, with the
supplier's payment reference: a Belgian structured communication travels as
*structured* remittance information (``Strd/CdtrRefInf``, type SCOR, issuer BBA,
the 12 digits), anything else as unstructured text.

A supplier whose IBAN differs from the one of the last payment to it (the
``payment_log``) is held back — returned in ``held``, not in the file — until a
person confirms the new IBAN with ``confirm_new_iban``. That is the classic
invoice-fraud pattern ("we changed banks"), so it is never paid silently.

sepaxml 2.7 writes only unstructured remittance; the structured form is put in
afterwards, and the file is validated against the pain.001 XSD that sepaxml ships
(with lxml) before anything is marked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Document
from models.enums import DocumentStatus, DocumentType, PaymentStatus
from models.sales import PaymentLog
from pipeline.core import check_words as words
from pipeline.core import identifiers
from pipeline.core.errors import BoekbrugError
from pipeline.core.i18n import N_
from pipeline.core.identifiers import supplier_key
from pipeline.review.duplicates import document_key, invoice_key
from pipeline.review.fieldstore import current_values, field_rows
from pipeline.sales.contacts import client_profile
from pipeline.ubl import belgian

log = logging.getLogger(__name__)

OPEN_STATUSES = (DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED)
PREPARED, PAID = PaymentStatus.PREPARED, PaymentStatus.PAID  # Document.payment_status
DEFAULT_SCHEMA = "pain.001.001.03"


class PaymentsError(BoekbrugError):
    code = "payments"
    hint = N_("Fill in the client's IBAN (and BIC) under Payments, then prepare the payments again.")


@dataclass(frozen=True)
class Payable:
    document_id: int
    supplier_key: str
    supplier_name: str
    iban: str
    bic: str | None
    amount: Decimal
    reference: str  # formatted OGM, or free text
    structured: bool
    due_date: date | None
    invoice_number: str | None
    issue_date: date | None = None

    @property
    def key(self) -> tuple[str, str, str] | None:
        """Supplier, number and amount: one key is one invoice (``invoice_key``)."""
        return invoice_key(self.supplier_key, self.invoice_number, self.issue_date, self.amount)

    @property
    def end_to_end_id(self) -> str:
        return f"BOEKBRUG-{self.document_id}"


@dataclass(frozen=True)
class Held:
    payable: Payable
    previous_iban: str


@dataclass(frozen=True)
class Skipped:
    document_id: int
    reason: str


@dataclass(frozen=True)
class PaymentBatch:
    xml: bytes | None
    message_id: str | None
    included: list[Payable] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.included), Decimal(0))


def _clean_iban(value: object) -> str | None:
    return identifiers.iban_or_none(value)


def _bic(value: object, iban: str) -> str | None:
    """The BIC on the document when it is one, else the Belgian bank code's (IBAN-only is allowed in SEPA)."""
    text = identifiers.normalise_iban(str(value or ""))
    return text if text and identifiers.bic_valid(text) else identifiers.bic_of_belgian_iban(iban)


def payable(session: Session, document: Document) -> Payable | Skipped:
    """What paying this document takes, or why it cannot be paid from here."""
    if document.duplicate_of_id is not None:
        return Skipped(document.id, words.PAY_SECOND_COPY.format(id=document.duplicate_of_id))
    values = current_values(field_rows(session, document.id))
    iban = _clean_iban(values.get("iban"))
    if iban is None:
        return Skipped(document.id, words.PAY_NO_IBAN)
    currency = str(values.get("currency") or document.currency or "EUR").upper()
    if currency != "EUR":
        return Skipped(document.id, words.PAY_NOT_EURO.format(currency=currency))
    amount = values.get("total_incl_vat") if values.get("total_incl_vat") is not None else document.total_incl_vat
    if amount is None or Decimal(amount) <= 0:
        return Skipped(document.id, words.PAY_NO_AMOUNT)
    raw_reference = str(values.get("payment_reference") or "").strip()
    ogm = belgian.format_ogm(raw_reference) if raw_reference else None
    number = values.get("invoice_number") or document.invoice_number
    reference = ogm or raw_reference or (f"Factuur {number}" if number else f"Document {document.id}")
    key = document.supplier_key or supplier_key(values) or f"iban:{iban}"
    name = str(values.get("supplier_name") or document.supplier_name or key)
    return Payable(document.id, key[:64], name, iban, _bic(values.get("bic"), iban), Decimal(amount).quantize(
        Decimal("0.01")), reference[:140], ogm is not None, values.get("due_date") or document.due_date,
        str(number) if number else None, values.get("issue_date") or document.issue_date)


def paid_or_pending(session: Session, client_id: int) -> dict[tuple[str, str, str], tuple[int, str]]:
    """Invoice keys already paid or in a prepared batch → (document id, payment status)."""
    found: dict[tuple[str, str, str], tuple[int, str]] = {}
    for document in session.scalars(select(Document).where(
        Document.client_id == client_id, Document.payment_status.in_((PREPARED, PAID)),
    ).order_by(Document.id)):
        key = document_key(document)
        if key is not None:
            found.setdefault(key, (document.id, str(document.payment_status)))
    return found


def _once(found: Payable, taken: dict[tuple[str, str, str], tuple[int, str]]) -> Skipped | None:
    """Why ``found`` is a second payment of one invoice, or None."""
    key = found.key
    if key is None or key not in taken:
        return None
    other, state = taken[key]
    if state == PAID:
        why = words.PAY_ALREADY_PAID.format(id=other)
    elif state == PREPARED:
        why = words.PAY_ALREADY_PREPARED.format(id=other)
    else:
        why = words.PAY_SAME_IN_BATCH.format(id=other)
    return Skipped(found.document_id, why)


def plan(session: Session, client_id: int, documents: list[Document],
         exclude_ids: set[int] | frozenset[int] = frozenset()) -> tuple[list[Payable], list[Held], list[Skipped]]:
    """Split open documents into payments, IBAN changes held, and skipped with a reason (nothing is marked)."""
    taken = paid_or_pending(session, client_id)
    included: list[Payable] = []
    held: list[Held] = []
    skipped: list[Skipped] = []
    for document in documents:
        if document.id in exclude_ids:
            skipped.append(Skipped(document.id, words.PAY_LEFT_OUT))
            continue
        found = payable(session, document)
        if isinstance(found, Skipped):
            skipped.append(found)
            continue
        twice = _once(found, taken)
        if twice is not None:
            skipped.append(twice)
            continue
        previous = last_known_iban(session, client_id, found.supplier_key)
        in_batch = [p.iban for p in included if p.supplier_key == found.supplier_key]
        previous = in_batch[-1] if in_batch else previous
        if previous is not None and previous != found.iban:
            held.append(Held(found, previous))
            log.warning("supplier %s: IBAN changed from %s to %s; payment held", found.supplier_key, previous,
                        found.iban)
            continue
        included.append(found)
        if found.key is not None:
            taken[found.key] = (found.document_id, "batch")
    return included, held, skipped


def open_documents(session: Session, client_id: int, *, until: date | None = None,
                   document_ids: list[int] | None = None, lock: bool = False) -> list[Document]:
    """Released incoming invoices of ``client_id`` not paid yet, due by ``until`` (or undated).

    ``lock``: hold the rows until the caller commits (PostgreSQL; SQLite writes one at a time)."""
    query = select(Document).where(
        Document.client_id == client_id, Document.status.in_(OPEN_STATUSES), Document.channel != "sales",
        Document.payment_status.is_(None), Document.document_type.is_distinct_from(DocumentType.CREDIT_NOTE),
    )
    if document_ids is not None:
        query = query.where(Document.id.in_(document_ids))
    elif until is not None:
        query = query.where((Document.due_date.is_(None)) | (Document.due_date <= until))
    query = query.order_by(Document.due_date, Document.id)
    if lock:
        query = query.with_for_update(of=Document)
    return list(session.scalars(query))


def last_known_iban(session: Session, client_id: int, supplier_key: str) -> str | None:
    """The IBAN of the last payment to (or confirmed IBAN of) a supplier, from the payments log."""
    return session.scalars(
        select(PaymentLog.iban).where(PaymentLog.client_id == client_id, PaymentLog.supplier_key == supplier_key)
        .order_by(PaymentLog.id.desc()).limit(1)
    ).first()


def confirm_new_iban(session: Session, client_id: int, supplier_key: str, iban: str, *,
                     user_id: int | None = None, supplier_name: str | None = None) -> None:
    """A person checked the supplier's new IBAN (by phone, not by replying to the e-mail)."""
    clean = _clean_iban(iban)
    if clean is None:
        raise PaymentsError(N_("IBAN {iban} is not valid"), params={"iban": repr(iban)}, hint=N_("Check the IBAN's digits."))
    session.add(PaymentLog(client_id=client_id, supplier_key=supplier_key[:64], supplier_name=supplier_name,
                           kind="iban_confirmed", iban=clean, user_id=user_id))
    session.flush()
    log.info("client %s confirmed IBAN %s for supplier %s", client_id, clean, supplier_key)


def prepare_payments(
    session: Session,
    client_id: int,
    *,
    until: date | None = None,
    execution_date: date | None = None,
    document_ids: list[int] | None = None,
    exclude_ids: list[int] | None = None,
    user_id: int | None = None,
    schema: str = DEFAULT_SCHEMA,
) -> PaymentBatch:
    """The pain.001 for every open invoice due by ``until`` (default: a week from today).

    Marks the included documents ``payment_prepared`` and logs each payment; the
    caller commits. ``xml`` is None when nothing is to be paid. ``exclude_ids``: the
    invoices the client leaves out of this batch (they stay open).
    """
    client = session.get(Client, client_id)
    if client is None:
        raise PaymentsError(N_("client {id} not found"), params={"id": client_id})
    profile = client_profile(session, client_id)
    if profile is None or not profile.iban:
        raise PaymentsError(N_("client {name} has no IBAN to pay from"), params={"name": client.name})
    today = date.today()
    documents = open_documents(session, client_id, until=until or today + timedelta(days=7),
                               document_ids=document_ids, lock=True)
    included, held, skipped = plan(session, client_id, documents, frozenset(exclude_ids or ()))
    if not included:
        return PaymentBatch(None, None, included, held, skipped)
    xml, message_id = pain001(client.name, profile.iban, profile.bic, included,
                              execution_date or max(today, min((p.due_date or today) for p in included)), schema)
    errors = pain001_errors(xml, schema)
    if errors:
        raise PaymentsError(N_("the payment file does not pass the pain.001 schema (technical detail: {detail})"),
                            params={"detail": " / ".join(errors[:5])},
                            hint=N_("A name or reference holds characters the bank refuses; correct the document."))
    for item in included:
        document = session.get(Document, item.document_id)
        assert document is not None
        document.payment_status = PREPARED
        session.add(PaymentLog(client_id=client_id, document_id=item.document_id, supplier_key=item.supplier_key,
                               supplier_name=item.supplier_name[:255], kind="payment", iban=item.iban, bic=item.bic,
                               amount=item.amount, reference=item.reference, message_id=message_id,
                               user_id=user_id))
    session.flush()
    return PaymentBatch(xml, message_id, included, held, skipped)


def pain001(debtor_name: str, debtor_iban: str, debtor_bic: str | None, items: list[Payable],
            execution_date: date, schema: str = DEFAULT_SCHEMA) -> tuple[bytes, str]:
    """The pain.001 document (bytes) and its message id."""
    from sepaxml import SepaTransfer

    config: dict[str, object] = {"name": debtor_name, "IBAN": debtor_iban, "batch": True, "currency": "EUR"}
    if debtor_bic:
        config["BIC"] = debtor_bic
    transfer = SepaTransfer(config, schema=schema, clean=True)
    for item in items:
        payment: dict[str, object] = {
            "name": item.supplier_name, "IBAN": item.iban, "amount": int(item.amount * 100),
            "execution_date": execution_date, "description": item.reference, "endtoend_id": item.end_to_end_id,
        }
        if item.bic:
            payment["BIC"] = item.bic
        transfer.add_payment(payment)
    raw = transfer.export(validate=False)
    return _structure_references(raw, schema, {p.end_to_end_id: p for p in items}), transfer.msg_id


def _structure_references(raw: bytes, schema: str, by_id: dict[str, Payable]) -> bytes:
    """Replace ``Ustrd`` by ``Strd/CdtrRefInf`` (SCOR, issuer BBA) for Belgian structured communications."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:{schema}"
    q = f"{{{ns}}}"
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    for tx in root.iter(q + "CdtTrfTxInf"):
        item = by_id.get(tx.findtext(f"{q}PmtId/{q}EndToEndId") or "")
        remittance = tx.find(q + "RmtInf")
        if item is None or not item.structured or remittance is None:
            continue
        for child in list(remittance):
            remittance.remove(child)
        ref_info = etree.SubElement(etree.SubElement(remittance, q + "Strd"), q + "CdtrRefInf")
        kind = etree.SubElement(ref_info, q + "Tp")
        etree.SubElement(etree.SubElement(kind, q + "CdOrPrtry"), q + "Cd").text = "SCOR"
        etree.SubElement(kind, q + "Issr").text = "BBA"
        etree.SubElement(ref_info, q + "Ref").text = belgian.ogm_digits(item.reference)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def schema_path(schema: str) -> Path:
    import sepaxml

    return Path(sepaxml.__file__).parent / "schemas" / f"{schema}.xsd"


def pain001_errors(xml: bytes, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """XSD errors of a pain.001 document (empty when valid), with lxml and sepaxml's XSD."""
    xsd = etree.XMLSchema(etree.parse(str(schema_path(schema))))
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if xsd.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]
