"""SQLAlchemy 2.0 typed models of Boekbrug. Imports nothing else of the project."""

import models.sales  # noqa: F401  (registers the sales and payment tables)
from models.base import Base
from models.document import Document, Page
from models.enums import (
    DeliveryChannel,
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    ReleaseStatus,
    Role,
    TaskKind,
    TaskState,
)
from models.invoice import ExtractedFieldRow
from models.release import BookingProposal, Delivery, SupplierProfile, UblRelease
from models.review import CalibrationMap, Correction, ValidationTask
from models.tenancy import AccountingOffice, AuditEntry, Client, User, UserSession

__all__ = [
    "AccountingOffice",
    "AuditEntry",
    "Base",
    "BookingProposal",
    "CalibrationMap",
    "Client",
    "Correction",
    "Delivery",
    "DeliveryChannel",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "DocumentType",
    "ExtractedFieldRow",
    "FieldSource",
    "FieldState",
    "Page",
    "ReleaseStatus",
    "Role",
    "SupplierProfile",
    "TaskKind",
    "TaskState",
    "UblRelease",
    "User",
    "UserSession",
    "ValidationTask",
]
