"""Documents: hand one in, ask what became of it, fetch its UBL or its original."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile

from models.enums import DocumentStatus
from pipeline import api
from pipeline.api import feed
from pipeline.http import problems
from pipeline.http.auth import READ, UPLOAD, Caller
from pipeline.http.routes._files import FILE_RESPONSE, attachment, read_upload
from pipeline.http.schemas import (
    DocumentOut,
    FieldOut,
    ProblemOut,
    UploadOut,
    error_info,
    money,
)

router = APIRouter(tags=["documents"])
REFUSED = {
    "model": ProblemOut,
    "content": {
        "application/problem+json": {
            "schema": {"$ref": "#/components/schemas/ProblemOut"}
        }
    },
    "description": "refused with the intake's stable code: at the door (`too_large`, `quota_exceeded`: nothing "
    "kept), or by the intake or the reading (kept as a failed document: `document_id`, retryable)",
}


@router.post(
    "/clients/{client_id}/documents",
    status_code=201,
    response_model=UploadOut,
    summary="Hand in a document (PDF, image, .eml, UBL/CII XML)",
    description="Multipart field `file`. Idempotent by content: the same bytes for the same client answer 200 with "
    "the earlier document. A refused file (a program, an archive, hostile XML, …) or one that failed "
    "reading answers 422 with the stable code, the original kept as a failed document (`document_id`, "
    "retryable); a file over MAX_UPLOAD_MB answers 413 `too_large` and nothing is kept.",
    responses={
        200: {"model": UploadOut, "description": "handed in before (same SHA-256)"},
        413: REFUSED,
        422: REFUSED,
    },
)
def upload(
    client_id: int,
    request: Request,
    response: Response,
    file: Annotated[UploadFile, File()],
    caller: Caller = UPLOAD,
) -> UploadOut | Response:
    name, data = read_upload(file)
    (result,) = api.upload(caller.principal, client_id, [(name, data)])
    if result.document_id is None:
        found = error_info(result.error)
        code = found.code if found else "error"
        return problems.response(
            problems.STATUS_OF_CODE.get(code, 422),
            code,
            found.message if found else "refused",
            request.url.path,
        )
    now = api.document_detail(caller.principal, result.document_id)
    if (
        now.status is DocumentStatus.FAILED
    ):  # refused at intake, or (read in-process) failed reading
        found = error_info(now.error) or error_info("[error] the document failed")
        assert found is not None
        return problems.response(
            problems.STATUS_OF_CODE.get(found.code, 422),
            found.code,
            found.message,
            request.url.path,
            document_id=now.id,
            created=result.created,
        )
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = f"/v1/documents/{result.document_id}"
    return UploadOut(
        document_id=now.id,
        created=result.created,
        filename=now.filename,
        status=str(now.status),
        error=error_info(now.error),
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentOut,
    summary="A document's status and fields, each with its confidence and state",
)
def document(document_id: int, caller: Caller = READ) -> DocumentOut:
    row = api.document_detail(caller.principal, document_id)
    detail = api.library_document(caller.principal, document_id)
    return DocumentOut(
        id=row.id,
        client_id=row.client_id,
        filename=row.filename,
        status=str(row.status),
        error=error_info(row.error),
        document_type=None
        if detail.document_type is None
        else str(detail.document_type),
        supplier_name=row.supplier_name,
        invoice_number=row.invoice_number,
        total_incl_vat=money(row.total_incl_vat),
        received_at=row.received_at,
        updated_at=row.updated_at,
        validated_by=detail.validated_by,
        auto_released=detail.auto_released,
        ubl_available=detail.ubl_filename is not None,
        fields=[
            FieldOut(
                name=f.name,
                value=f.text,
                machine_value=f.machine_text,
                state=str(f.state),
                source=str(f.source),
                confidence=round(f.confidence, 4),
                checked_by=f.checked_by,
            )
            for f in detail.fields
        ],
    )


@router.get(
    "/documents/{document_id}/ubl",
    response_class=Response,
    responses={200: FILE_RESPONSE},
    summary="The released Peppol BIS 3 UBL (for the office: recorded as delivered)",
)
def ubl(document_id: int, caller: Caller = READ) -> Response:
    name, xml = api.download_ubl(caller.principal, document_id)
    return attachment(name, xml, "application/xml")


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    responses={200: FILE_RESPONSE},
    summary="The original file as it was received",
)
def original(document_id: int, caller: Caller = READ) -> Response:
    found = feed.original(caller.principal, document_id)
    return attachment(found.filename, found.data, found.media_type)
