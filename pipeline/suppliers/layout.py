"""A supplier's learnt layout applied to its next invoice: agreement, doubt, a value offered.

For every field an operator validated on an earlier invoice of this supplier (see
:mod:`pipeline.suppliers.positions`), the value printed after the same label at the
same offset is read again and compared with what the general extractor found:

* **agreement** — same value, in the same format, after the same label, and the
  extractor's checks for it all pass: two independent readings say the same, so the
  field may become certain (:func:`pipeline.review.confidence.supplier_agreement`); a
  name read by OCR only when it is also the very value a person validated there (the
  layout reads the same misread letters as the extractor);
* **disagreement** — a value in the learnt format is printed there and it differs: a
  failed check says so in words, so a person decides. Where the operator had to
  correct the extractor on that field last time, the layout's value is offered
  instead (still to be checked);
* **missed** — the extractor found nothing: the layout's value is offered, not certain;
* nothing readable after the label, the label absent, or another format there: no
  evidence either way (the layout may have changed), the extraction stands as it is; so
  too another amount at the place of a total two independent sums agree on (the place
  misread, a photo's totals block shifted by a line).

A supplier's first credit note is read at the places learnt on its invoices (most print
both from one template; see :func:`pipeline.suppliers.positions.layout_for`): there a
value may agree, as weaker evidence; a different value or none is no evidence, and its
number and reference are never looked for there.

A value is never made certain by its position alone: a field learnt without a label
(a name in a letterhead) gives no agreement. A place learnt from a field a person
released with the whole form without looking at it (``evidence: released``, see
:func:`pipeline.suppliers.positions.learn_at_release`) is weaker evidence: it agrees only
with a reading the extractor was already fairly sure of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from models.enums import FieldSource
from pipeline.core.fields import FIELD_TYPES, FieldType
from pipeline.core.records import Check, ExtractedField, doubted
from pipeline.extract.scoring import agreeing_sums
from pipeline.review.confidence import (
    SUPPLIER_DOUBT,
    SUPPLIER_OFFERED,
    supplier_agreement,
    supplier_doubt,
)
from pipeline.suppliers.memory import PROVING_CHECKS
from pipeline.suppliers.positions import (
    RELEASED_EVIDENCE,
    PageWords,
    Reading,
    read_field,
    same_value,
    text_format,
)
from pipeline.suppliers.series import (
    apply_series,
    doubt_date_before_series,
    doubt_lost_digits,
)

LAYOUT_CHECK = "supplier_layout"
_TITLES = {
    "invoice_number": "invoice number", "issue_date": "issue date", "due_date": "due date",
    "total_excl_vat": "total excluding VAT", "total_vat": "VAT total", "total_incl_vat": "total including VAT",
    "payment_reference": "payment reference", "supplier_vat": "supplier's VAT number", "iban": "IBAN",
    "customer_vat": "customer's VAT number", "customer_name": "customer name", "supplier_name": "supplier name",
}  # fmt: skip


def _title(name: str) -> str:
    return _TITLES.get(name, name.replace("_", " "))


def _shown(name: str, value: Any) -> str:
    if FIELD_TYPES.get(name) is FieldType.AMOUNT:
        return format(value, "f")
    if FIELD_TYPES.get(name) is FieldType.DATE:
        return value.isoformat()
    return str(value)


def apply_layout(
    fields: dict[str, ExtractedField],
    layout: Mapping[str, Any],
    pages: Sequence[PageWords],
) -> dict[str, str]:
    """Compare each learnt field with the extraction, in place; returns {field: outcome}
    (``agrees``, ``disagrees``, ``offered``, ``no evidence``) for logs and tests."""
    outcomes: dict[str, str] = {}
    for name, entry in layout.items():
        if not isinstance(entry, Mapping):
            continue
        lost = doubt_lost_digits(fields, name, entry)
        if lost:
            outcomes[name] = lost  # read short: no agreement makes it certain
            continue
        if not entry.get("anchor"):
            # a place without a label (or an old absolute position) is no evidence; the
            # number validated there still says how the supplier's series goes on
            series = apply_series(fields, name, entry)
            if series:
                outcomes[name] = series
            continue
        reading = read_field(pages, name, entry)
        if reading is None or not reading.same_format:
            outcomes[name] = apply_series(fields, name, entry) or "no evidence"
            continue
        found = fields.get(name)
        if entry.get("borrowed") and (found is None or not same_value(name, reading.value, found.value)):
            # a credit note read at its invoices' places: agreement counts, nothing else does
            outcomes[name] = "no evidence"
        elif found is None or found.value in (None, "", []):
            fields[name] = _offered(name, reading)
            outcomes[name] = "offered"
        elif same_value(name, reading.value, found.value):
            if _misread_text(name, found, entry):
                outcomes[name] = "no evidence"
                continue
            weak = entry.get("evidence") == RELEASED_EVIDENCE
            if weak and supplier_agreement(found.confidence, found.checks, weak=True) <= found.confidence:
                outcomes[name] = "no evidence"  # a place nobody looked at does not rescue a doubtful reading
                continue
            fields[name] = _agreed(found, reading, weak=weak)
            outcomes[name] = "agrees"
        elif FIELD_TYPES.get(name) is FieldType.TEXT:
            # free text (names, addresses) has no format to tell where the value ends: a
            # longer or shorter phrase there is no evidence against the reading
            outcomes[name] = "no evidence"
        elif _another_kind_proven(name, found, entry):
            # a structured communication with valid check digits where the supplier's place
            # holds its invoice number: this time it chose the other kind of reference
            outcomes[name] = "no evidence"
        elif FIELD_TYPES.get(name) is FieldType.AMOUNT and agreeing_sums(found.checks) >= 2:
            # two sums agree on the amount read: another amount at the learnt place is the
            # place misread (a photo's totals block shifted a line), not the amount
            outcomes[name] = "no evidence"
        else:
            fields[name] = _doubted(
                found,
                reading,
                machine_was_right=bool(entry.get("machine_was_right", True)),
            )
            outcomes[name] = "disagrees"
    series = layout.get("invoice_number")
    if isinstance(series, Mapping) and doubt_date_before_series(fields, series):
        outcomes["issue_date"] = "dated before the series"
    return outcomes


# check digits that prove an identifier was read whole and right: the supplier's numbers', a reference's
_CHECK_DIGITS = PROVING_CHECKS | {"ogm_check_digits"}


def _another_kind_proven(name: str, found: ExtractedField, entry: Mapping[str, Any]) -> bool:
    """The reading passes its check digits and is not in the format learnt at the place: a
    value of another kind (a structured communication, not the invoice number used as the
    reference last time), not a misreading of the learnt one. A changed IBAN keeps its
    format, so it is still doubted here (and flagged by the supplier memory)."""
    return any(c.ok and c.name in _CHECK_DIGITS for c in found.checks) and text_format(
        name, str(found.value)
    ) != entry.get("format")


def _misread_text(name: str, found: ExtractedField, entry: Mapping[str, Any]) -> bool:
    """A name read by OCR agrees with the layout trivially: both read the same words, so a
    misread letter ("SRE" for "SRL") agrees with itself. Only the value a person validated
    at that place vouches for its letters; anything else there is no evidence."""
    if FIELD_TYPES.get(name) is not FieldType.TEXT or found.source is not FieldSource.OCR:
        return False
    return not same_value(name, found.value, entry.get("value"))


def _offered(name: str, reading: Reading) -> ExtractedField:
    check = Check(
        LAYOUT_CHECK,
        True,
        f"read after “{reading.anchor}”, where an operator found the {_title(name)} "
        "on this supplier's earlier invoice; nothing else found it, so check it",
    )
    return ExtractedField(
        name,
        reading.value,
        SUPPLIER_OFFERED,
        FieldSource.SUPPLIER_MEMORY,
        reading.page,
        reading.bbox,
        (check,),
        reading.text,
    )


def _agreed(found: ExtractedField, reading: Reading, *, weak: bool = False) -> ExtractedField:
    confidence = supplier_agreement(found.confidence, found.checks, weak=weak)
    check = Check(
        LAYOUT_CHECK,
        True,
        f"also printed after “{reading.anchor}”, where an operator validated the "
        f"{_title(found.name)} on this supplier's earlier invoice",
    )
    return replace(found, confidence=confidence, checks=(*found.checks, check))


def _doubted(
    found: ExtractedField, reading: Reading, *, machine_was_right: bool
) -> ExtractedField:
    name = found.name
    if machine_was_right:
        check = Check(
            LAYOUT_CHECK,
            False,
            f"this supplier prints the {_title(name)} after “{reading.anchor}”, and "
            f"there it reads {_shown(name, reading.value)}, not {_shown(name, found.value)}: "
            "check which is right",
        )
        return doubted(found, check, SUPPLIER_DOUBT)
    # last time the operator had to correct the machine on this field: the layout's value is proposed
    check = Check(
        LAYOUT_CHECK,
        False,
        f"read {_shown(name, reading.value)} after “{reading.anchor}”, where an operator "
        f"corrected the {_title(name)} on this supplier's earlier invoice; the general "
        f"reading was {_shown(name, found.value)}: check which is right",
    )
    return ExtractedField(
        name,
        reading.value,
        supplier_doubt(found.confidence),
        FieldSource.SUPPLIER_MEMORY,
        reading.page,
        reading.bbox,
        (
            *(c for c in found.checks if not c.ok),
            check,
        ),  # a loud flag (a changed IBAN) stays
        reading.text,
    )
