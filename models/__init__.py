"""SQLAlchemy 2.0 typed models of Boekbrug. Imports nothing else of the project."""

import models.sales  # noqa: F401  (registers the sales and payment tables)
from models.api_token import ApiToken
from models.base import Base
from models.delivery import (
    DeliveryTarget,
    Forwarding,
    ForwardingAttempt,
    InboundAddress,
)
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
from models.notices import ClientNotice, ClientNoticeSetting
from models.release import BookingProposal, Delivery, SupplierProfile, UblRelease
from models.review import CalibrationMap, Correction, ValidationTask
from models.tenancy import (
    AccountingOffice,
    AuditEntry,
    Client,
    SignInAttempt,
    User,
    UserSession,
)

__all__ = [
    "AccountingOffice",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BookingProposal",
    "CalibrationMap",
    "Client",
    "ClientNotice",
    "ClientNoticeSetting",
    "Correction",
    "Delivery",
    "DeliveryChannel",
    "DeliveryTarget",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "DocumentType",
    "ExtractedFieldRow",
    "FieldSource",
    "FieldState",
    "Forwarding",
    "ForwardingAttempt",
    "InboundAddress",
    "Page",
    "ReleaseStatus",
    "Role",
    "SignInAttempt",
    "SupplierProfile",
    "TaskKind",
    "TaskState",
    "UblRelease",
    "User",
    "UserSession",
    "ValidationTask",
]
