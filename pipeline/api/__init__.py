"""The one door the workbench and the CLI use.

Every function takes the signed-in :class:`~pipeline.core.accounts.Principal` and checks
what it may do (see ``pipeline.api._common``), opens its own unit of work, and
returns plain frozen dataclasses: a page never holds a database session.
"""

from __future__ import annotations

from pipeline.api._common import InvalidValue
from pipeline.api.auth import SignedIn, resume, sign_in, sign_out
from pipeline.api.dashboard import (
    ClientChoice,
    OfficeRef,
    dashboard,
    dashboard_clients,
    dashboard_offices,
)
from pipeline.api.decisions import (
    give_back,
    mark_duplicate_of,
    not_a_duplicate,
    not_an_invoice,
    postpone,
    reject,
    split,
)
from pipeline.api.documents import (
    Box,
    ClientRef,
    DocumentRow,
    PageImage,
    UploadResult,
    clients_for,
    document_detail,
    download_ubl,
    list_documents,
    page_image,
    retry,
    status_counts,
    upload,
)
from pipeline.api.group import GROUPABLE, GroupItem, GroupOutcome, confirm_group, group
from pipeline.api.library import (
    DeliveryView,
    LibraryDocument,
    LibraryField,
    PeriodCounts,
    ProposalView,
    acceptance_rate,
    decide_booking,
    deliver_zip,
    library_document,
    library_rows,
    may_book,
    may_download,
    period_counts,
    propose_booking,
    zip_filename,
)
from pipeline.api.live import (
    breakdown_sums,
    check_value,
    checks_for,
    display_text,
    parse_input,
)
from pipeline.api.preferences import set_language
from pipeline.api.render import crop_png
from pipeline.api.tasks import (
    CheckView,
    SaveResult,
    TaskField,
    TaskView,
    fields_to_check,
    next_task,
    open_task_count,
    open_task_view,
    record_conflict,
    renew,
    save,
)
from pipeline.api.upkeep import start_queue_upkeep
from pipeline.core.accounts import Principal, SignInError
from pipeline.core.errors import BoekbrugError, Conflict, Forbidden, NotFound

__all__ = [
    "GROUPABLE",
    "BoekbrugError",
    "Box",
    "CheckView",
    "ClientChoice",
    "ClientRef",
    "Conflict",
    "DeliveryView",
    "DocumentRow",
    "Forbidden",
    "GroupItem",
    "GroupOutcome",
    "InvalidValue",
    "LibraryDocument",
    "LibraryField",
    "NotFound",
    "OfficeRef",
    "PageImage",
    "PeriodCounts",
    "Principal",
    "ProposalView",
    "SaveResult",
    "SignInError",
    "SignedIn",
    "TaskField",
    "TaskView",
    "UploadResult",
    "acceptance_rate",
    "breakdown_sums",
    "check_value",
    "checks_for",
    "clients_for",
    "confirm_group",
    "crop_png",
    "dashboard",
    "dashboard_clients",
    "dashboard_offices",
    "decide_booking",
    "deliver_zip",
    "display_text",
    "document_detail",
    "download_ubl",
    "fields_to_check",
    "give_back",
    "group",
    "library_document",
    "library_rows",
    "list_documents",
    "mark_duplicate_of",
    "may_book",
    "may_download",
    "next_task",
    "not_a_duplicate",
    "not_an_invoice",
    "open_task_count",
    "open_task_view",
    "page_image",
    "parse_input",
    "period_counts",
    "postpone",
    "propose_booking",
    "record_conflict",
    "reject",
    "renew",
    "resume",
    "retry",
    "save",
    "set_language",
    "sign_in",
    "sign_out",
    "split",
    "start_queue_upkeep",
    "status_counts",
    "upload",
    "zip_filename",
]
