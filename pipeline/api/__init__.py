"""The one door the workbench and the CLI use.

Every function takes the signed-in :class:`~pipeline.accounts.Principal` and checks
what it may do (see ``pipeline.api._common``), opens its own unit of work, and
returns plain frozen dataclasses: a page never holds a database session.
"""

from __future__ import annotations

from pipeline.accounts import Principal, SignInError
from pipeline.api._common import InvalidValue
from pipeline.api.auth import SignedIn, resume, sign_in, sign_out
from pipeline.api.decisions import (
    give_back,
    mark_duplicate_of,
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
from pipeline.api.live import (
    breakdown_sums,
    check_value,
    checks_for,
    display_text,
    parse_input,
)
from pipeline.api.render import crop_png
from pipeline.api.tasks import (
    CheckView,
    SaveResult,
    TaskField,
    TaskView,
    next_task,
    open_task_count,
    open_task_view,
    record_conflict,
    save,
)
from pipeline.errors import BoekbrugError, Conflict, Forbidden, NotFound

__all__ = [
    "GROUPABLE",
    "BoekbrugError",
    "Box",
    "CheckView",
    "ClientRef",
    "Conflict",
    "DocumentRow",
    "Forbidden",
    "GroupItem",
    "GroupOutcome",
    "InvalidValue",
    "NotFound",
    "PageImage",
    "Principal",
    "SaveResult",
    "SignInError",
    "SignedIn",
    "TaskField",
    "TaskView",
    "UploadResult",
    "breakdown_sums",
    "check_value",
    "checks_for",
    "clients_for",
    "confirm_group",
    "crop_png",
    "display_text",
    "document_detail",
    "download_ubl",
    "give_back",
    "group",
    "list_documents",
    "mark_duplicate_of",
    "next_task",
    "not_an_invoice",
    "open_task_count",
    "open_task_view",
    "page_image",
    "parse_input",
    "postpone",
    "record_conflict",
    "reject",
    "resume",
    "retry",
    "save",
    "sign_in",
    "sign_out",
    "split",
    "status_counts",
    "upload",
]
