"""Typed errors with a stable code and a message a person understands.

The library raises these; only the boundaries (CLI, job, workbench page) turn them
into a document status.
"""

from __future__ import annotations


class BoekbrugError(Exception):
    code = "error"
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def reason(self) -> str:
        """The text stored in a document's ``error`` column."""
        text = f"[{self.code}] {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class UnsupportedFormat(BoekbrugError):
    code = "unsupported_format"
    hint = "Upload a PDF, a JPEG/PNG/TIFF/WebP image, an .eml e-mail or a UBL XML invoice."


class EmptyFile(BoekbrugError):
    code = "empty_file"
    hint = "The file has no content; upload it again."


class CorruptFile(BoekbrugError):
    code = "corrupt_file"
    hint = "The file is damaged; ask the sender for a new copy."


class EncryptedPdf(BoekbrugError):
    code = "encrypted_pdf"
    hint = "The PDF needs a password to open; ask the sender for an unprotected copy."


class TooLarge(BoekbrugError):
    code = "too_large"
    hint = "The file exceeds the configured limits (MAX_UPLOAD_MB, MAX_PAGES, MAX_PIXELS)."


class HostileXml(BoekbrugError):
    code = "hostile_xml"
    hint = "The XML uses entities or external references, which are refused."


class NoAttachments(BoekbrugError):
    code = "no_attachments"
    hint = "The e-mail carries no PDF, image or XML invoice; forward the invoice as an attachment."


class ReadTimeout(BoekbrugError):
    code = "read_timeout"
    hint = "Reading took longer than SECONDS_PER_PAGE allows; retry or raise the limit."


class OcrUnavailable(BoekbrugError):
    code = "ocr_unavailable"
    hint = "Install the OCR engines (make install) or choose another OCR_ENGINE."


class NotFound(BoekbrugError):
    code = "not_found"


class Forbidden(BoekbrugError):
    code = "forbidden"


class Conflict(BoekbrugError):
    code = "conflict"
    hint = "Someone else changed this first; reload and try again."


class RuleViolation(BoekbrugError):
    code = "rule_violation"
