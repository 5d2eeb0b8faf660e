"""The library for accounting packages: released documents page by page, the period ZIP,
marking documents delivered and booked (the booking feedback that trains the proposals)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from models.enums import DocumentStatus
from pipeline import api
from pipeline.api import feed
from pipeline.http.auth import READ, UPLOAD, Caller
from pipeline.http.problems import Problem
from pipeline.http.routes._files import FILE_RESPONSE, attachment
from pipeline.http.schemas import (
    BookingIn,
    DeliveredOut,
    ProposalOut,
    ReleasedOut,
    ReleasedPageOut,
    money,
)

router = APIRouter(tags=["library"])
CURSOR_PREFIX = "r1:"


def encode_cursor(release_id: int) -> str:
    return (
        base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{release_id}".encode())
        .decode()
        .rstrip("=")
    )


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(CURSOR_PREFIX) or not text[len(CURSOR_PREFIX) :].isdigit():
        raise Problem(422, "invalid_cursor", "the cursor is not one this API gave out")
    return int(text[len(CURSOR_PREFIX) :])


@router.get(
    "/clients/{client_id}/released-documents",
    response_model=ReleasedPageOut,
    summary="Released documents of a client, in release order, a page at a time",
    description="`from`/`to` filter on the issue date (inclusive). Pages follow the order of release, so "
    "documents released while you page never shift a page: keep `next_cursor` and ask again "
    "later for what was released since.",
)
def released(
    client_id: int,
    caller: Caller = READ,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    status: Annotated[
        list[DocumentStatus] | None, Query(description="released, delivered, booked")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = 100,
) -> ReleasedPageOut:
    page = feed.released_page(
        caller.principal,
        client_id,
        date_from=date_from,
        date_to=date_to,
        after=decode_cursor(cursor),
        limit=limit,
        statuses=status or feed.HANDED_OVER,
    )
    items = [
        ReleasedOut(
            id=d.id,
            client_id=d.client_id,
            status=str(d.status),
            document_type=d.document_type,
            supplier_name=d.supplier_name,
            supplier_key=d.supplier_key,
            invoice_number=d.invoice_number,
            issue_date=d.issue_date,
            due_date=d.due_date,
            currency=d.currency,
            total_incl_vat=money(d.total_incl_vat),
            released_at=d.released_at,
            delivered=d.delivered,
            ubl_filename=d.ubl_filename,
        )
        for d in page.items
    ]
    return ReleasedPageOut(
        items=items, next_cursor=encode_cursor(page.cursor), has_more=page.has_more
    )


@router.get(
    "/clients/{client_id}/zip",
    response_class=Response,
    responses={200: FILE_RESPONSE},
    summary="A period's UBLs with summary.csv and bookings.csv, each recorded as delivered",
    description="Leaves out what was delivered before unless `include_delivered=true`.",
)
def period_zip(
    client_id: int,
    caller: Caller = READ,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    include_delivered: bool = False,
) -> Response:
    name, data = api.deliver_zip(
        caller.principal,
        client_id,
        date_from,
        date_to,
        include_delivered=include_delivered,
    )
    return attachment(name, data, "application/zip")


@router.post(
    "/documents/{document_id}/delivered",
    response_model=DeliveredOut,
    summary="Mark a released document delivered (taken over without downloading it here)",
)
def delivered(document_id: int, caller: Caller = UPLOAD) -> DeliveredOut:
    return DeliveredOut(
        document_id=document_id,
        status=str(feed.mark_delivered(caller.principal, document_id)),
    )


@router.get(
    "/documents/{document_id}/booking",
    response_model=list[ProposalOut],
    summary="The booking proposals of a document (ledger account, VAT code), and what was booked",
)
def proposals(document_id: int, caller: Caller = READ) -> list[ProposalOut]:
    return [
        _proposal(p)
        for p in api.library_document(caller.principal, document_id).proposals
    ]


@router.post(
    "/documents/{document_id}/booking",
    response_model=list[ProposalOut],
    summary="Book a released document (marks it booked; trains the next proposals)",
    description="An omitted value is booked as proposed (accepted); a given one overrides the proposal, "
    "and the supplier's next document is proposed the same way.",
)
def book(
    document_id: int, booking: BookingIn, caller: Caller = UPLOAD
) -> list[ProposalOut]:
    lines = [
        feed.LineBooking(line.line_index, line.ledger_account, line.vat_code)
        for line in booking.lines
    ]
    decided = feed.book(
        caller.principal,
        document_id,
        ledger_account=booking.ledger_account,
        vat_code=booking.vat_code,
        lines=lines,
    )
    return [_proposal(p) for p in decided]


def _proposal(p: api.ProposalView) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        line_index=p.line_index,
        label=p.label,
        ledger_account=p.ledger_account,
        vat_code=p.vat_code,
        confidence=round(p.confidence, 4),
        basis=p.basis,
        state=p.state,
        booked_ledger_account=p.booked_ledger_account,
        booked_vat_code=p.booked_vat_code,
        decided_by=p.decided_by,
        decided_at=p.decided_at,
    )
