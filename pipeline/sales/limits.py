"""How long each text a person types on an invoice may be: a longer one is refused with the limit,
never stored or cut silently (a 3,000-character customer name was once accepted)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.sales.amounts import SalesError

# the longest text each field may hold (the database column; the note as the UBL and PDF carry it)
LIMITS: Mapping[str, int] = {
    "customer name": 200, "street": 200, "postal code": 16, "city": 100, "e-mail address": 254,
    "line description": 500, "note": 1000,
}


def bounded(value: str | None, what: str) -> str | None:
    """``value`` stripped (None when empty); ``SalesError`` when longer than ``what``'s limit."""
    text = " ".join((value or "").split()) if what != "note" else (value or "").strip()
    if not text:
        return None
    limit = LIMITS[what]
    if len(text) > limit:
        raise SalesError(f"the {what} has {len(text):,} characters; at most {limit} fit on an invoice",
                         hint=f"Shorten the {what}.")
    return text
