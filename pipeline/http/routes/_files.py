"""File answers: a download with a safe Content-Disposition, and reading an uploaded part."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import UploadFile
from starlette.responses import Response

FILE_RESPONSE = {"content": {"application/octet-stream": {}}, "description": "the file"}


def attachment(name: str, data: bytes, media_type: str) -> Response:
    """A download; the name is never trusted as a header value (ASCII fallback + RFC 6266 ``filename*``)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:150] or "download"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name[:200], safe='')}"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def read_upload(file: UploadFile) -> tuple[str, bytes]:
    file.file.seek(0)
    return file.filename or "upload", file.file.read()
