"""The client's own sales invoices: customers, drafts, issuing (gap-free number, PDF, UBL), sending."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pipeline.http.auth import READ, UPLOAD, Caller
from pipeline.http.routes._files import FILE_RESPONSE, attachment
from pipeline.http.schemas import (
    CustomerIn,
    CustomerOut,
    IssueIn,
    SalesInvoiceIn,
    SalesInvoiceOut,
    SendIn,
    SentOut,
    money,
)
from pipeline.sales import api as sales
from pipeline.sales.contacts import ContactInput
from pipeline.sales.invoices import LineInput

router = APIRouter(tags=["sales"])


@router.get(
    "/clients/{client_id}/customers",
    response_model=list[CustomerOut],
    summary="The client's customers",
)
def customers(client_id: int, caller: Caller = READ) -> list[CustomerOut]:
    return [_customer(c) for c in sales.list_contacts(caller.principal, client_id)]


@router.post(
    "/clients/{client_id}/customers",
    status_code=201,
    response_model=CustomerOut,
    summary="Add a customer (VAT and enterprise numbers are checked)",
)
def add_customer(
    client_id: int, customer: CustomerIn, caller: Caller = UPLOAD
) -> CustomerOut:
    return _customer(
        sales.save_contact(
            caller.principal, client_id, ContactInput(**customer.model_dump())
        )
    )


@router.get(
    "/clients/{client_id}/sales-invoices",
    response_model=list[SalesInvoiceOut],
    summary="The client's sales invoices and credit notes",
)
def invoices(client_id: int, caller: Caller = READ) -> list[SalesInvoiceOut]:
    return [_invoice(row) for row in sales.list_sales(caller.principal, client_id)]


@router.post(
    "/clients/{client_id}/sales-invoices",
    status_code=201,
    response_model=SalesInvoiceOut,
    summary="Create a draft sales invoice (issue it to number it)",
)
def create(
    client_id: int, invoice: SalesInvoiceIn, caller: Caller = UPLOAD
) -> SalesInvoiceOut:
    lines = [
        LineInput(
            line.description,
            line.quantity,
            line.unit_price,
            line.vat_rate,
            line.vat_category,
            line.discount_percent,
        )
        for line in invoice.lines
    ]
    return _invoice(
        sales.create_invoice(
            caller.principal, client_id, invoice.customer_id, lines, note=invoice.note
        )
    )


@router.post(
    "/sales-invoices/{invoice_id}/issue",
    response_model=SalesInvoiceOut,
    summary="Issue a draft: gap-free number, PDF, UBL checked by the official rules",
)
def issue(
    invoice_id: int, caller: Caller = UPLOAD, body: IssueIn | None = None
) -> SalesInvoiceOut:
    return _invoice(
        sales.issue_invoice(
            caller.principal, invoice_id, issue_date=body.issue_date if body else None
        )
    )


@router.post(
    "/sales-invoices/{invoice_id}/send",
    response_model=SentOut,
    summary="E-mail an issued invoice (PDF + UBL) to the customer",
)
def send(
    invoice_id: int, caller: Caller = UPLOAD, body: SendIn | None = None
) -> SentOut:
    return SentOut(
        invoice_id=invoice_id,
        sent_to=sales.send(caller.principal, invoice_id, to=body.to if body else None),
    )


@router.get(
    "/sales-invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: FILE_RESPONSE},
    summary="The issued invoice's PDF",
)
def pdf(invoice_id: int, caller: Caller = READ) -> Response:
    name, data, _ = sales.files(caller.principal, invoice_id)
    return attachment(f"{name}.pdf", data, "application/pdf")


@router.get(
    "/sales-invoices/{invoice_id}/ubl",
    response_class=Response,
    responses={200: FILE_RESPONSE},
    summary="The issued invoice's Peppol BIS 3 UBL",
)
def ubl(invoice_id: int, caller: Caller = READ) -> Response:
    name, _, xml = sales.files(caller.principal, invoice_id)
    return attachment(f"{name}.xml", xml, "application/xml")


def _customer(c: sales.ContactRow) -> CustomerOut:
    return CustomerOut(
        id=c.id,
        name=c.name,
        vat=c.vat,
        enterprise_number=c.enterprise_number,
        address=c.address,
        country=c.country,
        email=c.email,
        payment_terms_days=c.payment_terms_days,
    )


def _invoice(row: sales.InvoiceRow) -> SalesInvoiceOut:
    return SalesInvoiceOut(
        id=row.id,
        document_type=row.document_type,
        status=row.status,
        number=row.number,
        customer=row.customer,
        issue_date=row.issue_date,
        due_date=row.due_date,
        total_incl_vat=money(row.total_incl_vat),
        payment_reference=row.payment_reference,
        payment_status=row.payment_status,
        sent_to=row.sent_to,
        credit_of=row.credit_of,
    )
