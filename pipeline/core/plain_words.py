"""What a state means to the person looking at it, in plain words — never the code.

Clients and accountants see these; operators see them too, beside the detail they
need. Codes (``needs_validation``, ``[incomplete_invoice]``) stay in logs and the API.
"""

from __future__ import annotations

import re

from models.enums import DocumentStatus
from pipeline.core.i18n import N_, _, current_language, normalise_language, translate

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


# A field's title, as the validation screen and the documents page name it (the workbench shows these too)
FIELD_TITLES: dict[str, str] = {
    "supplier_name": N_("Supplier name"), "supplier_vat": N_("Supplier VAT number"),
    "supplier_enterprise_number": N_("Supplier enterprise number"), "supplier_address": N_("Supplier address"),
    "customer_name": N_("Customer name"), "customer_vat": N_("Customer VAT number"),
    "customer_enterprise_number": N_("Customer enterprise number"), "customer_address": N_("Customer address"),
    "invoice_number": N_("Invoice number"), "issue_date": N_("Invoice date"), "due_date": N_("Due date"),
    "currency": N_("Currency"), "total_excl_vat": N_("Total excl. VAT"), "total_vat": N_("Total VAT"),
    "total_incl_vat": N_("Total incl. VAT"), "iban": N_("IBAN"), "bic": N_("BIC"),
    "payment_reference": N_("Structured communication"), "buyer_reference": N_("Buyer reference"),
    "order_reference": N_("Order reference"), "vat_breakdown": N_("VAT breakdown"), "lines": N_("Invoice lines"),
    "vat_exemption_reason": N_("VAT exemption reason"), "vat_exemption_code": N_("VAT exemption code"),
    "supplier_electronic_address": N_("Supplier electronic address"),
    "supplier_identifier": N_("Supplier identifier"), "customer_electronic_address": N_("Customer electronic address"),
    "document_type": N_("Document type"),
}


def field_title(name: str, lang: str | None = None) -> str:
    """A field's title in ``lang`` (the current language when None): ``iban`` → ``IBAN``."""
    if name in FIELD_TITLES:
        return translate(FIELD_TITLES[name], lang)
    return name.replace("_", " ").capitalize().replace("Vat", "VAT").replace("vat", "VAT").replace("Iban", "IBAN")


def status_words(status: DocumentStatus | str, *, for_client: bool = True) -> str:
    """The state in plain words, in the current language."""
    table = _STATUS_FOR_CLIENT if for_client else _STATUS_FOR_CENTRE
    try:
        return _(table[DocumentStatus(status)])
    except (KeyError, ValueError):
        return _("Unknown state")


# Why a document was refused or failed, for the person who sent it: what to do next, never the code.
_REASON_FOR_CLIENT = {
    "unsupported_format": N_("We cannot use this kind of file. Send a PDF, a photo (JPEG, PNG), an e-mail or an "
                             "e-invoice (UBL XML)."),
    "empty_file": N_("The file is empty. Please upload it again."),
    "corrupt_file": N_("The file is damaged. Ask the sender for a new copy."),
    "encrypted_pdf": N_("The PDF is protected with a password. Ask the sender for a copy without a password."),
    "too_large": N_("The file is too large (too many pages or megabytes). Send it in smaller parts."),
    "hostile_xml": N_("This XML file cannot be accepted safely. Ask the sender for a PDF or a standard e-invoice."),
    "no_attachments": N_("The e-mail has no invoice attached. Forward the invoice as an attachment."),
    "read_timeout": N_("Reading this document took too long. We will try again; a sharper photo helps."),
    "ocr_unavailable": N_("We could not read this page right now. We will try again shortly."),
    "incomplete_invoice": N_("This e-invoice misses information an invoice must have. Ask the sender for a "
                             "complete one."),
    "rule_violation": N_("This invoice does not meet the official e-invoicing rules. Ask the sender for a "
                         "corrected invoice."),
    "quota_exceeded": N_("Too many documents were sent at once. Please try again later."),
    "unreadable": N_("We could not read this page — please send a sharper photo."),
    "not_an_invoice": N_("This does not look like an invoice, so it was not taken."),
    "duplicate": N_("This invoice was already received earlier; it is not booked twice."),
}
_CODE = re.compile(r"^\s*\[([a-z_]+)\]\s*")


def reason_code(reason: str | None) -> str | None:
    """The code of a stored reason ``"[code] message — hint"``, None when it has none."""
    found = _CODE.match(reason or "")
    return found.group(1) if found else None


def reason_words(reason: str | None, *, for_client: bool = True) -> str:
    """A stored reason (``"[code] message — hint"``) for a person: for clients and accountants
    the plain words of its code (no code, no engine detail); for the centre the whole text, in full."""
    if not reason:
        return ""
    if not for_client:
        return centre_words(reason)
    code = reason_code(reason)
    if code in _REASON_FOR_CLIENT:
        return _(_REASON_FOR_CLIENT[code])
    if code is not None:
        return _("We could not process this document. Your accountant has been told.")
    return said_in_words(reason.strip())


def said_in_words(text: str, lang: str | None = None) -> str:
    """A reason with no code (a rejection, an e-mail's attachments one by one), each part said in ``lang``."""
    from pipeline.core.check_words import several_words

    return " — ".join(several_words(part, lang) for part in text.split(" — "))


def centre_words(reason: str, lang: str | None = None) -> str:
    """A stored reason for the centre's staff, in ``lang``: the code kept (they look it up), the message and the
    hint said in words; a message no template made (an engine's own text) shown after the plain words of its
    code, as the technical detail it is."""
    # (imported here: check_words names fields with this module's titles)
    from pipeline.core.check_words import several_words

    text = reason.strip()
    code = reason_code(text)
    body = _CODE.sub("", text, count=1) if code else text
    message, _dash, hint = body.partition(" — ")
    said = several_words(message, lang)
    if said == message and code and normalise_language(lang or current_language()) != "en":
        detail = translate("Technical detail: {detail}", lang).format(detail=message)
        plain = translate(_REASON_FOR_CLIENT[code], lang) if code in _REASON_FOR_CLIENT and not hint else ""
        said = f"{plain} {detail}".strip()
    parts = [f"[{code}] {said}" if code else said]
    if hint:
        parts.append(several_words(hint, lang))
    return " — ".join(parts)
