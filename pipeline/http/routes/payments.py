"""Paying incoming invoices (a SEPA pain.001 for what is due) and reading bank statements (camt.053)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from pipeline.http.auth import UPLOAD, Caller
from pipeline.http.routes._files import read_upload
from pipeline.http.schemas import (
    HeldOut,
    MatchedOut,
    PayableOut,
    PaymentBatchIn,
    PaymentBatchOut,
    SkippedOut,
    StatementOut,
    UnmatchedOut,
    money,
)
from pipeline.payments import api as payments
from pipeline.payments.prepare import Payable

router = APIRouter(tags=["payments"])


@router.post(
    "/clients/{client_id}/payment-batches",
    status_code=201,
    response_model=PaymentBatchOut,
    summary="A SEPA credit transfer (pain.001) for the released invoices due",
    description="Invoices whose supplier IBAN changed are held (listed in `held`) until a person confirms "
    "the new IBAN in the workbench. The included invoices are marked as being paid.",
)
def payment_batch(
    client_id: int, caller: Caller = UPLOAD, body: PaymentBatchIn | None = None
) -> PaymentBatchOut:
    wanted = body or PaymentBatchIn()
    batch = payments.prepare_payments(
        caller.principal,
        client_id,
        until=wanted.until,
        execution_date=wanted.execution_date,
    )
    return PaymentBatchOut(
        message_id=batch.message_id,
        total=money(batch.total) or "0.00",
        included=[_payable(p) for p in batch.included],
        held=[
            HeldOut(payable=_payable(h.payable), previous_iban=h.previous_iban)
            for h in batch.held
        ],
        skipped=[
            SkippedOut(document_id=s.document_id, reason=s.reason)
            for s in batch.skipped
        ],
        pain001=None if batch.xml is None else batch.xml.decode("utf-8"),
    )


@router.post(
    "/clients/{client_id}/bank-statements",
    response_model=StatementOut,
    summary="Upload a camt.053 bank statement: what it pays is marked paid, the rest listed",
)
def bank_statement(
    client_id: int, file: Annotated[UploadFile, File()], caller: Caller = UPLOAD
) -> StatementOut:
    _, data = read_upload(file)
    result = payments.match_statement(caller.principal, client_id, data)
    return StatementOut(
        matched=[
            MatchedOut(
                booking_date=m.entry.booking_date,
                amount=money(m.entry.amount) or "0",
                credit=m.entry.credit,
                counterparty=m.entry.counterparty_name,
                item=m.item.label,
                how=m.how,
            )
            for m in result.matched
        ],
        unmatched=[
            UnmatchedOut(
                booking_date=u.entry.booking_date,
                amount=money(u.entry.amount) or "0",
                credit=u.entry.credit,
                counterparty=u.entry.counterparty_name,
                communication=u.entry.structured_reference or u.entry.unstructured,
                reason=u.reason,
            )
            for u in result.unmatched
        ],
    )


def _payable(p: Payable) -> PayableOut:
    return PayableOut(
        document_id=p.document_id,
        supplier_name=p.supplier_name,
        iban=p.iban,
        amount=money(p.amount) or "0",
        reference=p.reference,
        due_date=p.due_date,
        invoice_number=p.invoice_number,
    )
