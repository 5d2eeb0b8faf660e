"""What a state means to the person looking at it, in plain words — never the code.

Clients and accountants see these; operators see them too, beside the detail they
need. Codes (``needs_validation``, ``[incomplete_invoice]``) stay in logs and the API.
"""

from __future__ import annotations

from models.enums import DocumentStatus
from pipeline.core.i18n import N_, _

_STATUS_FOR_CLIENT = {
    DocumentStatus.RECEIVED: N_("Received"),
    DocumentStatus.READING: N_("Being read"),
    DocumentStatus.NEEDS_VALIDATION: N_("Being checked"),
    DocumentStatus.IN_VALIDATION: N_("Being checked"),
    DocumentStatus.VALIDATED: N_("Checked, on its way to your accountant"),
    DocumentStatus.RELEASED: N_("With your accountant"),
    DocumentStatus.DELIVERED: N_("With your accountant"),
    DocumentStatus.BOOKED: N_("Booked by your accountant"),
    DocumentStatus.FAILED: N_("We could not read this document — please send it again or a sharper photo"),
    DocumentStatus.REJECTED: N_("Not taken: see the reason"),
    DocumentStatus.DUPLICATE: N_("Already received earlier"),
    DocumentStatus.SPLIT: N_("Split into separate documents"),
}

_STATUS_FOR_CENTRE = {
    DocumentStatus.RECEIVED: N_("Received"),
    DocumentStatus.READING: N_("Being read"),
    DocumentStatus.NEEDS_VALIDATION: N_("Waiting for an operator"),
    DocumentStatus.IN_VALIDATION: N_("An operator is checking it"),
    DocumentStatus.VALIDATED: N_("Validated, UBL being built"),
    DocumentStatus.RELEASED: N_("Released"),
    DocumentStatus.DELIVERED: N_("Delivered"),
    DocumentStatus.BOOKED: N_("Booked"),
    DocumentStatus.FAILED: N_("Failed"),
    DocumentStatus.REJECTED: N_("Rejected"),
    DocumentStatus.DUPLICATE: N_("Duplicate"),
    DocumentStatus.SPLIT: N_("Split"),
}


def status_words(status: DocumentStatus | str, *, for_client: bool = True) -> str:
    """The state in plain words, in the current language."""
    table = _STATUS_FOR_CLIENT if for_client else _STATUS_FOR_CENTRE
    try:
        return _(table[DocumentStatus(status)])
    except (KeyError, ValueError):
        return _("Unknown state")
