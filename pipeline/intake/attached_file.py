"""A file that travels inside another one (the PDF inside an incoming UBL) is checked like an upload.

An incoming UBL may carry its "original" as an ``EmbeddedDocumentBinaryObject``: a
mime code and a file name chosen by the sender, and bytes. Both are the sender's word.
Before such a file goes on to the accountant it is sniffed by its content as an upload
is (:func:`pipeline.intake.sniff.sniff`): a PDF must be a PDF that opens, a name with
folders or a program's extension is never passed on (``..\\..\\Startup\\x.pdf.exe``
becomes ``x.pdf``), and whatever disagrees with what it claims to be is a *problem*,
said in words, that keeps the document from being released without a person's look.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

import pymupdf

from models.enums import DocumentKind
from pipeline.core.errors import BoekbrugError
from pipeline.core.storage import display_name
from pipeline.intake.sniff import DANGEROUS_EXTENSIONS, sniff

log = logging.getLogger(__name__)

_EXTENSION = {
    DocumentKind.PDF: "pdf",
    DocumentKind.IMAGE: "img",
    DocumentKind.UBL: "xml",
    DocumentKind.EMAIL: "eml",
}
_DOCUMENT_EXTENSIONS = frozenset(
    ["pdf", "xml", "eml", "jpg", "jpeg", "png", "tif", "tiff", "webp", "img", "bin"]
)


@dataclass(frozen=True)
class AttachedFile:
    filename: str  # safe to show and to use as a download name; its extension is what the content is
    mime: str  # as declared by the sender
    content: bytes
    kind: DocumentKind | None  # as sniffed from the content; None when refused
    problem: str | None  # None: it is what it claims to be

    @property
    def is_pdf(self) -> bool:
        return self.problem is None and self.kind is DocumentKind.PDF


def pdf_opens(data: bytes) -> bool:
    """A PDF that a reader can open and that has at least one page."""
    try:
        with pymupdf.open(stream=data, filetype="pdf") as document:
            if document.needs_pass and not document.authenticate(""):
                return False
            return document.page_count > 0
    except Exception as error:  # noqa: BLE001 - any failure to open means: not a PDF that opens
        log.info("an attached file claimed to be a PDF does not open: %s", error)
        return False


def safe_name(
    name: str | None, kind: DocumentKind | None, fallback: str = "attachment"
) -> str:
    """No folders, no control characters, no program extension; ends with the kind's extension."""
    base = display_name(name or "")
    if base == "unnamed":
        base = fallback
    stem = base
    while True:  # "factuur.pdf.exe" → "factuur"; "a.b.c" keeps "a.b.c"
        suffix = PurePosixPath(stem).suffix.lower().lstrip(".")
        if not suffix or (
            suffix not in DANGEROUS_EXTENSIONS and suffix not in _DOCUMENT_EXTENSIONS
        ):
            break
        stem = stem[: -len(suffix) - 1].rstrip(" .")
    stem = stem or fallback
    extension = _EXTENSION.get(kind, "bin") if kind is not None else "bin"
    return f"{stem[:180]}.{extension}"


def check_attached_file(
    name: str | None, mime: str | None, content: bytes
) -> AttachedFile:
    """Sniff the bytes, clean the name, and say what does not match what was claimed."""
    declared = (mime or "").strip().lower()
    problems: list[str] = []
    raw_extension = (
        PurePosixPath((name or "").replace("\\", "/")).suffix.lower().lstrip(".")
    )
    if name and ("/" in name or "\\" in name):
        problems.append(f"its name {name[:120]!r} holds folders")
    if raw_extension in DANGEROUS_EXTENSIONS or any(
        part.lower() in DANGEROUS_EXTENSIONS
        for part in display_name(name or "").split(".")[1:]
    ):
        problems.append(f"its name {name[:120]!r} is a program's name")
    try:
        kind: DocumentKind | None = sniff(content, "")
    except BoekbrugError as error:
        kind = None
        problems.append(f"its content is refused: {error.message}")
    if kind is DocumentKind.PDF and not pdf_opens(content):
        problems.append("it starts like a PDF but does not open as one")
        kind = None
    if kind is not None and declared:
        expected = (
            DocumentKind.PDF
            if declared == "application/pdf"
            else (DocumentKind.IMAGE if declared.startswith("image/") else None)
        )
        if expected is not None and expected is not kind:
            problems.append(
                f"it is declared {declared} but its content is {kind.value}"
            )
    problem = "; ".join(problems) or None
    if problem:
        log.warning(
            "attached file %r (%s, %d bytes): %s", name, declared, len(content), problem
        )
    return AttachedFile(safe_name(name, kind), declared, content, kind, problem)


def decode_embedded(
    name: str | None, mime: str | None, text: str | None
) -> AttachedFile:
    """An ``EmbeddedDocumentBinaryObject``'s base64 text, decoded and checked."""
    try:
        content = base64.b64decode((text or "").strip(), validate=False)
    except (binascii.Error, ValueError) as error:
        return AttachedFile(
            safe_name(name, None),
            (mime or "").lower(),
            b"",
            None,
            f"its content is not base64: {error}",
        )
    if not content:
        return AttachedFile(
            safe_name(name, None), (mime or "").lower(), b"", None, "it is empty"
        )
    return check_attached_file(name, mime, content)
