"""How long each text a person types on an invoice may be: a longer one is refused with the limit,
never stored or cut silently (a 3,000-character customer name was once accepted)."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.core.i18n import N_
from pipeline.sales.amounts import SalesError

# what each limit bounds, in words ({what} of the message: said in the reader's language)
WHAT = (N_("customer name"), N_("street"), N_("postal code"), N_("city"), N_("e-mail address"), N_("line description"),
        N_("note"))
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
        raise SalesError(N_("the {what} has {length} characters; at most {limit} fit on an invoice"),
                         params={"what": what, "length": f"{len(text):,}", "limit": limit}, hint=N_("Shorten the text."))
    return text
