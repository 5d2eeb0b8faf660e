"""Typed errors with a stable code, a message a person understands, and an exit code.

The library raises these; only the boundaries turn them into something else: a job
or a workbench page into a document status, the HTTP API into a problem response,
and the command line (``pipeline.__main__``, in one place) into a message on stderr
and the error's ``exit_code`` (the BSD ``sysexits.h`` numbers where one fits).
"""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.core.i18n import N_, current_language, translate

# exit codes (sysexits.h): the command line returns one per kind of failure
EX_FAILURE = 1  # anything else that went wrong
EX_DATAERR = 65  # the input is wrong: unreadable, unsupported, refused, breaks a rule
EX_NOINPUT = 66  # what was named does not exist
EX_UNAVAILABLE = 69  # a service or engine this needs is missing
EX_TEMPFAIL = 75  # try again: someone changed it first, or it took too long
EX_NOPERM = 77  # not allowed
WORD_PARAMETERS = frozenset({"problem", "why", "what", "role"})  # parameters that are words, translated with the message
# a parameter given as a list or tuple is several messages, joined by "; ", each said in the language


class BoekbrugError(Exception):
    code = "error"
    hint = ""
    exit_code = EX_FAILURE

    def __init__(self, message: str, *, hint: str | None = None, params: Mapping[str, object] | None = None) -> None:
        """``message``: a template (``N_("client {id} not found")``) filled with ``params``, or plain text.

        The filled English is the message (logs, the API, the stored reason); ``words`` says it in a
        reader's language, from the template, at the moment it is shown."""
        self.template = message
        self.params = dict(params or {})
        self.message = message.format(**{k: _joined(v) for k, v in self.params.items()}) if params else message
        super().__init__(self.message)
        if hint is not None:
            self.hint = hint

    def words(self, lang: str | None = None) -> str:
        """The message and its hint in ``lang`` (the current language when None), without the code."""
        said = translate(self.template, lang)
        if self.params:  # a parameter that is words itself ({problem}, {why}, a list of messages) is said in ``lang`` too
            said = said.format(**{k: _joined(v, lang or current_language()) if isinstance(v, list | tuple) else
                                  translate(v, lang) if k in WORD_PARAMETERS and isinstance(v, str) else v
                                  for k, v in self.params.items()})
        return f"{said} — {translate(self.hint, lang)}" if self.hint else said

    def reason(self) -> str:
        """The text stored in a document's ``error`` column."""
        text = f"[{self.code}] {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


def _joined(value: object, lang: str | None = None) -> object:
    """A list of messages as one text, ``"; "`` between them: in English (``lang`` None), else each in ``lang``."""
    if not isinstance(value, list | tuple):
        return value
    return "; ".join(str(v) if lang is None or not isinstance(v, str) else translate(v, lang) for v in value)


class UnsupportedFormat(BoekbrugError):
    code = "unsupported_format"
    hint = N_("Upload a PDF, a JPEG/PNG/TIFF/WebP image, an .eml e-mail or a UBL XML invoice.")
    exit_code = EX_DATAERR


class EmptyFile(BoekbrugError):
    code = "empty_file"
    hint = N_("The file has no content; upload it again.")
    exit_code = EX_DATAERR


class CorruptFile(BoekbrugError):
    code = "corrupt_file"
    hint = N_("The file is damaged; ask the sender for a new copy.")
    exit_code = EX_DATAERR


class EncryptedPdf(BoekbrugError):
    code = "encrypted_pdf"
    hint = N_("The PDF needs a password to open; ask the sender for an unprotected copy.")
    exit_code = EX_DATAERR


class TooLarge(BoekbrugError):
    code = "too_large"
    hint = N_("The file exceeds the configured limits (MAX_UPLOAD_MB, MAX_PAGES, MAX_PIXELS).")
    exit_code = EX_DATAERR


class HostileXml(BoekbrugError):
    code = "hostile_xml"
    hint = N_("The XML uses entities or external references, which are refused.")
    exit_code = EX_DATAERR


class NoAttachments(BoekbrugError):
    code = "no_attachments"
    hint = N_("The e-mail carries no PDF, image or XML invoice; forward the invoice as an attachment.")
    exit_code = EX_DATAERR


class ReadTimeout(BoekbrugError):
    code = "read_timeout"
    hint = N_("Reading took longer than SECONDS_PER_PAGE allows; retry or raise the limit.")
    exit_code = EX_TEMPFAIL


class OcrUnavailable(BoekbrugError):
    code = "ocr_unavailable"
    hint = N_("Install the OCR engines (make install) or choose another OCR_ENGINE.")
    exit_code = EX_UNAVAILABLE


class NotFound(BoekbrugError):
    code = "not_found"
    exit_code = EX_NOINPUT


class Forbidden(BoekbrugError):
    code = "forbidden"
    exit_code = EX_NOPERM


class Conflict(BoekbrugError):
    code = "conflict"
    hint = N_("Someone else changed this first; reload and try again.")
    exit_code = EX_TEMPFAIL


class RuleViolation(BoekbrugError):
    code = "rule_violation"
    exit_code = EX_DATAERR
