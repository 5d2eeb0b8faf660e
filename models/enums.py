"""One status vocabulary shared by workers, the CLI and the workbench.

Every enum is a ``StrEnum`` stored in the database by its value, so a row reads the
same in SQL, in Python and on screen.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ACCOUNTANT = "accountant"
    CLIENT = "client"
    ADMIN = "admin"


class DocumentStatus(StrEnum):
    """Where a document stands in intake → read → extract → queue → validate → ubl → deliver."""

    RECEIVED = "received"  # original stored, nothing done yet
    READING = "reading"  # a worker is reading / extracting it
    NEEDS_VALIDATION = "needs_validation"  # a validation task waits for an operator
    IN_VALIDATION = "in_validation"  # an operator holds the task
    VALIDATED = "validated"  # every required field is right; UBL job enqueued
    RELEASED = "released"  # UBL built and passed the official rules
    DELIVERED = "delivered"  # downloaded / exported to the accountant
    BOOKED = "booked"  # the accountant booked it
    FAILED = "failed"  # a step failed; ``error`` says why; retryable
    REJECTED = "rejected"  # rejected (not an invoice, unreadable …); ``rejection_reason`` says why
    DUPLICATE = "duplicate"  # same invoice as an earlier document; ``rejection_reason`` names it
    SPLIT = "split"  # a container (e-mail, multi-invoice PDF) split into children


class DocumentKind(StrEnum):
    """What the original file is, decided by content sniffing, not by its name."""

    PDF = "pdf"
    IMAGE = "image"
    EMAIL = "email"
    UBL = "ubl"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"
    NOT_AN_INVOICE = "not_an_invoice"


class FieldSource(StrEnum):
    TEXT_LAYER = "text_layer"
    OCR = "ocr"
    STRUCTURED = "structured"  # read from UBL / Factur-X / ZUGFeRD XML
    OPERATOR = "operator"
    SUPPLIER_MEMORY = "supplier_memory"
    COMPUTED = "computed"  # derived from other fields (e.g. net + VAT)


class FieldState(StrEnum):
    """How a field looks to an operator."""

    CERTAIN = "certain"
    UNCERTAIN = "uncertain"
    FAILED_CHECK = "failed_check"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    MISSING = "missing"


class TaskState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class TaskKind(StrEnum):
    VALIDATE = "validate"  # uncertain fields need a look
    SECOND_LOOK = "second_look"  # random sample of auto-released documents
    DUPLICATE = "duplicate"  # suspected duplicate of an earlier document
    RULE_FAILURE = "rule_failure"  # the official rules rejected the UBL
    SUPERVISOR = "supervisor"  # the same rule failure came back twice: a supervisor decides


class ReleaseStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class DeliveryChannel(StrEnum):
    DOWNLOAD = "download"
    ZIP = "zip"
    EXPORT_FOLDER = "export_folder"
    EMAIL = "email"  # to the accounting package's import mailbox
    WEBHOOK = "webhook"  # an HTTPS POST, HMAC-signed


class TargetKind(StrEnum):
    """Where an office's accounting package reads its UBL."""

    EXPORT_FOLDER = "export_folder"
    EMAIL = "email"
    WEBHOOK = "webhook"


class ForwardingState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # the last attempt failed; the upkeep tries again at next_attempt_at


class UblProfile(StrEnum):
    """Which specification a released UBL meets (see README, "Which UBL")."""

    PEPPOL_BIS3 = "peppol_bis3"  # both parties have an electronic address: sendable on the Peppol network
    EN16931 = "en16931"  # EN 16931 UBL for import into an accounting package


class CorrectionAction(StrEnum):
    """What an operator did to one field."""

    CONFIRM = "confirm"  # the value as read is right
    CORRECT = "correct"  # the value was changed, old → new


class PaymentStatus(StrEnum):
    """Where paying an incoming invoice stands (``None``: not paid, nothing prepared)."""

    PREPARED = "payment_prepared"  # in a SEPA pain.001 file made for the client's bank
    PAID = "paid"  # matched to a payment on a bank statement (camt.053)
