"""What an operator types, read as a field value and checked in words.

``parse_input`` turns the text of an input box into the field's JSON form (amounts
as decimal strings, dates ISO, identifiers normalised), accepting the ways people in
Belgium write them (``1.234,56``, ``31/12/2026``, ``be 0123.456.749``).
``check_value`` runs the same checks as extraction (``pipeline.core.checks``) on one value
in the light of the others, and says what is wrong in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.api._common import InvalidValue
from pipeline.core import check_words as words
from pipeline.core import checks as ck
from pipeline.core import money
from pipeline.core.fields import FIELD_TYPES, FieldType, value_from_json
from pipeline.core.i18n import N_
from pipeline.core.plain_words import FIELD_TITLES
from pipeline.core.records import Check

VAT_FIELDS = frozenset({"supplier_vat", "customer_vat"})
_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{2})$"),
)


def parse_amount(text: str) -> Decimal:
    """What was typed, read in Belgian notation (``pipeline.core.money``): ``"1.234,56"`` →
    1234.56, ``"1.234"`` → 1234 (as the extractor reads it), ``"€ 12,5"`` → 12.5, ``"-3.00"`` → -3.00."""
    try:
        return money.parse_amount(text)
    except money.NotAnAmount as exc:
        said = words.NOT_AN_AMOUNT_FORM if exc.ambiguous else words.NOT_AN_AMOUNT
        raise InvalidValue(said, params={"text": repr(text)}) from exc


def parse_date(text: str) -> date:
    value = text.strip()
    for pattern in _DATE_FORMATS:
        found = pattern.match(value)
        if found:
            year = int(found["y"])
            year = year + 2000 if year < 100 else year
            try:
                return date(year, int(found["m"]), int(found["d"]))
            except ValueError as exc:
                raise InvalidValue(words.NOT_IN_CALENDAR, params={"text": repr(text)}) from exc
    raise InvalidValue(words.NOT_A_DATE, params={"text": repr(text)})


def parse_input(field: str, text: Any) -> Any:
    """The JSON form of what was typed for ``field``; an empty box is ``None``.

    Lists (VAT breakdown, lines) are passed through after a round trip through their
    records, so a malformed row is refused here rather than at release.
    """
    if text is None:
        return None
    kind = FIELD_TYPES.get(field, FieldType.TEXT)
    if kind in (FieldType.VAT_BREAKDOWN, FieldType.LINES):
        if not isinstance(text, list):
            raise InvalidValue(words.LIST_OF_ROWS, params={"field": field})
        try:
            records = value_from_json(field, text)
        except (ValueError, TypeError) as exc:
            # the row's own problem (core's English) stays in the chained exception: the hint says how to write it
            raise InvalidValue(N_("{what}: a row cannot be read"), params={"what": FIELD_TITLES.get(field, field)}) from exc
        from pipeline.core.fields import value_to_json

        return value_to_json(field, records)
    raw = str(text).strip()
    if raw == "":
        return None
    if kind is FieldType.AMOUNT:
        return format(parse_amount(raw), "f")
    if kind is FieldType.DATE:
        return parse_date(raw).isoformat()
    if kind is FieldType.CURRENCY:
        code = raw.upper().replace("€", "EUR")
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise InvalidValue(words.NOT_A_CURRENCY, params={"text": repr(raw)})
        return code
    if field in VAT_FIELDS:
        return ck.normalise_vat(raw)
    if field.endswith("_enterprise_number"):
        return ck.normalise_kbo(raw)
    if field in ("iban", "bic"):
        return ck.normalise_iban(raw)
    if field == "payment_reference" and ck.OGM_RE.fullmatch(raw):
        return ck.ogm_from_digits(raw)
    return raw


def display_text(field: str, value: Any) -> str:
    """How a stored JSON value is shown in an input box."""
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{len(value)} rows"
    return str(value)


def checks_for(field: str, value: Any, all_values: Mapping[str, Any]) -> list[Check]:
    """The checks of one value (JSON form or typed text) in the light of the others."""
    try:
        parsed = value_from_json(field, parse_input(field, value))
    except InvalidValue as error:
        return [Check("parse", False, error.message)]
    if parsed in (None, "", []):
        return []
    others = _parsed_values(all_values)
    others[field] = parsed
    found: list[Check] = []
    if field in VAT_FIELDS:
        found.append(ck.check_vat(parsed))
    elif field.endswith("_enterprise_number"):
        found.append(ck.check_kbo(parsed))
    elif field == "iban":
        found.append(ck.check_iban(parsed))
    elif field == "bic":
        found.append(ck.check_bic(parsed))
    elif field == "payment_reference" and re.fullmatch(r"[+*\d/ ]+", parsed) and len(re.sub(r"\D", "", parsed)) == 12:
        found.append(ck.check_ogm(parsed))
    elif field == "issue_date":
        found.append(ck.check_issue_date(parsed))
    elif field == "due_date":
        found.append(ck.check_due_date(others.get("issue_date"), parsed))
    elif field in ("total_excl_vat", "total_vat", "total_incl_vat"):
        net, vat, total = (others.get(n) for n in ("total_excl_vat", "total_vat", "total_incl_vat"))
        if net is not None and vat is not None and total is not None:
            found.append(ck.check_net_plus_vat(net, vat, total))
    elif field == "vat_breakdown":
        found.extend(ck.check_vat_line(line) for line in parsed)
        found.extend(ck.check_breakdown_sums(parsed, others.get("total_excl_vat"), others.get("total_vat")))
    elif field == "lines" and others.get("total_excl_vat") is not None and any(
        line.net_amount is not None for line in parsed
    ):
        found.append(ck.check_lines_sum(parsed, others["total_excl_vat"]))
    return found


def check_value(field: str, value: Any, all_values: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``value`` for ``field``, in words; an empty list when nothing is."""
    return [check.message for check in checks_for(field, value, all_values) if not check.ok]


def _parsed_values(values: Mapping[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        try:
            parsed[name] = value_from_json(name, parse_input(name, raw))
        except (InvalidValue, ValueError, TypeError):
            continue
    return parsed


def breakdown_sums(rows: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    """(sum of bases, sum of VAT amounts) of VAT breakdown rows, skipping blanks."""
    base, vat = Decimal(0), Decimal(0)
    for row in rows:
        for key, acc in (("base", "b"), ("amount", "v")):
            raw = row.get(key)
            if raw in (None, ""):
                continue
            amount = parse_amount(str(raw))
            if acc == "b":
                base += amount
            else:
                vat += amount
    return base, vat
