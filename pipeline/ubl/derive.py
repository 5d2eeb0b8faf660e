"""Derivations the UBL builder makes from validated values, each one documented.

Nothing here changes an amount the operator validated. Missing *structure* is filled
in (category from rate, a line per VAT rate when there are no lines, country from the
VAT prefix, enterprise number from a Belgian VAT number); wrong *numbers* are left
wrong so the official rules report them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from models.enums import UblProfile
from pipeline.core.records import InvoiceData, InvoiceLine, Party, VatBreakdownLine
from pipeline.ubl import belgian

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal(0)

# Default exemption reason codes (CEF VATEX) implied by the category itself.
CATEGORY_VATEX = {
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}
ZERO_RATE_CATEGORIES = {"Z", "E", "AE", "K", "G", "O"}

# Peppol EAS scheme for a VAT number used as electronic address, by VAT prefix.
VAT_EAS = {
    "HU": "9910", "AT": "9914", "ES": "9920", "AD": "9922", "AL": "9923", "BA": "9924",
    "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930",
    "EE": "9931", "GB": "9932", "EL": "9933", "HR": "9934", "IE": "9935", "LI": "9936",
    "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942",
    "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948",
    "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953", "FR": "9957",
}
# VAT prefixes that are not the ISO 3166 country code.
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
DEFAULT_COUNTRY = "BE"

# Standard VAT rates tried when a rate must be derived from base and amount.
KNOWN_RATES = tuple(Decimal(r) for r in (
    ["0", "2.1", "3", "4", "5", "5.5", "6", "7", "8", "8.1", "9", "10", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "25.5", "27"]
))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def normalise_vat(vat: str | None) -> str | None:
    if not vat:
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", vat).upper()
    return text or None


def vat_country(vat: str | None) -> str | None:
    text = normalise_vat(vat)
    if not text or not text[:2].isalpha():
        return None
    return VAT_PREFIX_COUNTRY.get(text[:2], text[:2])


def party_country(party: Party) -> str:
    """Address country, else the VAT prefix, else Belgium."""
    if party.address.country:
        return party.address.country.strip().upper()
    return vat_country(party.vat) or DEFAULT_COUNTRY


def enterprise_number(party: Party) -> str | None:
    """KBO/BCE number: as given (normalised), else derived from a Belgian VAT number."""
    if party.enterprise_number:
        return belgian.normalise_kbo(party.enterprise_number) or party.enterprise_number
    return belgian.kbo_from_vat(party.vat)


@dataclass(frozen=True)
class Identity:
    endpoint: tuple[str, str] | None  # (schemeID, value)
    legal_id: tuple[str, str] | None  # PartyLegalEntity/CompanyID (schemeID, value)


def identity(party: Party) -> Identity:
    """EndpointID and legal ID. Belgian: 0208 KBO. Else the VAT number with its EAS code.

    A party with neither an enterprise number nor a VAT number gets no EndpointID: there
    is no honest Peppol address for it (e-mail "EM" is not in the Peppol EAS list), and
    PEPPOL-EN16931-R010/R020 then report the missing address.
    """
    kbo = enterprise_number(party)
    country = party_country(party)
    vat = normalise_vat(party.vat)
    given = _electronic_address(party.peppol_id)
    belgian_kbo = bool(kbo) and (country == "BE" or vat_country(vat) == "BE" or bool(party.enterprise_number))
    legal = ("0208", kbo) if belgian_kbo else _legal_id(party.legal_id)
    if legal is None and vat and re.fullmatch(r"DK\d{8}", vat):
        legal = ("0184", vat[2:])  # Danish CVR number = the digits of the DK VAT number
    if given:
        return Identity(given, legal)
    if belgian_kbo:
        return Identity(("0208", kbo), legal)
    if vat and vat[:2] in VAT_EAS:
        return Identity((VAT_EAS[vat[:2]], vat), legal)
    if legal and legal[0] == "0184":
        return Identity(legal, legal)  # Danish CVR (EAS 0184) is the usual Peppol address
    if vat and re.fullmatch(r"NO\d{9}MVA", vat) and norwegian_org_valid(vat[2:11]):
        return Identity(("0192", vat[2:11]), legal)  # Norwegian organisation number
    return Identity(None, legal)


def norwegian_org_valid(number: str) -> bool:
    """A Norwegian organisation number's mod-11 check digit (an address we derive must be valid)."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    if not re.fullmatch(r"\d{9}", number):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(number, weights, strict=False)) % 11
    return (0 if check == 11 else check) == int(number[8])


def _peppol_id(text: str | None) -> tuple[str, str] | None:
    """("0088", "7300010000001") from "0088:7300010000001"; None when not in that form."""
    if not text or ":" not in text:
        return None
    scheme, _, value = text.strip().partition(":")
    return (scheme.strip(), value.strip()) if scheme.strip().isdigit() and value.strip() else None


def _electronic_address(text: str | None) -> tuple[str, str] | None:
    """An electronic address as an operator types it: "0208:0123456749", or a bare Belgian
    enterprise number (scheme 0208), or a VAT number (its country's VAT scheme)."""
    found = _peppol_id(text)
    if found or not text:
        return found
    bare = re.sub(r"[\s.\-]", "", text).upper()
    if re.fullmatch(r"[01]\d{9}", bare):
        return ("0208", bare)
    if bare[:2] in VAT_EAS and len(bare) > 4:
        return (VAT_EAS[bare[:2]], bare)
    return None


def _legal_id(text: str | None) -> tuple[str, str] | None:
    """("0192", "987654325") from "0192:987654325"; ("", "123") for an id without scheme."""
    if not text or not text.strip():
        return None
    return _peppol_id(text) or ("", text.strip())


def choose_profile(invoice: InvoiceData) -> UblProfile:
    """Peppol BIS 3 when both parties have an electronic address; else EN 16931 UBL.

    A Peppol invoice must name the seller's and the buyer's Peppol address (EndpointID).
    A shop without a VAT or enterprise number, a private buyer, a foreign supplier with
    no known scheme: there is no honest address to write, so the UBL is EN 16931 for
    import into an accounting package (the same EN 16931 rules, no network routing).
    """
    both = identity(invoice.supplier).endpoint is not None and identity(invoice.customer).endpoint is not None
    return UblProfile.PEPPOL_BIS3 if both else UblProfile.EN16931


def derived_number(sha256: str, part: str = "") -> str:
    """A stable document number for a ticket that prints none: from the original's SHA-256
    (and the part of a split PDF), the same on every rebuild."""
    suffix = f"-{part}" if part else ""
    return f"R-{sha256[:12].upper()}{suffix}"


# ----------------------------------------------------------------- VAT breakdown
def category_of(rate: Decimal | None, category: str | None) -> str:
    if category:
        return category.strip().upper()
    return "S" if rate is not None and rate > 0 else "Z"


def snap_rate(base: Decimal, amount: Decimal) -> Decimal:
    """The VAT rate that turns base into amount: a standard rate if one fits to the cent."""
    if base == 0:
        return ZERO
    for rate in KNOWN_RATES:
        if cents(base * rate / 100) == cents(amount):
            return rate
    rate = (amount * 100 / base).quantize(CENT)
    log.warning("VAT rate %s%% derived from base %s and amount %s", rate, base, amount)
    return rate


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal | None  # None for O
    base: Decimal | None
    amount: Decimal | None
    reason_code: str | None
    reason_text: str | None


def vat_groups(invoice: InvoiceData) -> list[VatGroup]:
    """One group per VAT breakdown line; one synthesised group when there is no breakdown.

    Without a breakdown the whole invoice is one group: base = total excl. VAT,
    amount = total VAT, category S (rate derived) when VAT > 0, else Z.
    """
    lines = list(invoice.vat_breakdown)
    if not lines:
        base, amount = invoice.total_excl_vat, invoice.total_vat
        rate = snap_rate(base, amount) if amount else ZERO
        lines = [VatBreakdownLine(rate=rate, base=base, amount=amount)]
        log.info("no VAT breakdown: one group %s%% built from the totals", rate)
    groups = []
    for item in lines:
        rate = item.rate
        if rate is None and item.base and item.amount is not None:
            rate = snap_rate(item.base, item.amount)
        category = category_of(rate, item.category)
        if category in ZERO_RATE_CATEGORIES and rate is None:
            rate = ZERO
        code, text = split_reason(item.exemption_reason)
        code = code or CATEGORY_VATEX.get(category)
        groups.append(VatGroup(category, None if category == "O" else rate, item.base, item.amount,
                               code.upper() if code else None, text))
    return groups


_VATEX = re.compile(r"VATEX(?:-[A-Za-z0-9]+)+", re.IGNORECASE)


def split_reason(reason: str | None) -> tuple[str | None, str | None]:
    """("VATEX-EU-132", "Exempt under art. 44") from "VATEX-EU-132: Exempt under art. 44";
    a reason without a VATEX code is text only, a bare code is code only."""
    text = (reason or "").strip()
    if not text:
        return None, None
    if not text.upper().startswith("VATEX"):
        return None, text
    found = _VATEX.match(text)
    if found is None:
        return None, text
    rest = text[found.end():].strip(" :;-–") or None
    return found.group(0).upper(), rest


def group_for_line(line: InvoiceLine, groups: list[VatGroup]) -> VatGroup | None:
    """The VAT group a line belongs to: by category and rate, else by rate, else the only one."""
    if line.vat_category:
        cat = line.vat_category.strip().upper()
        for g in groups:
            if g.category == cat and (line.vat_rate is None or g.rate is None or g.rate == line.vat_rate):
                return g
    if line.vat_rate is not None:
        matches = [g for g in groups if g.rate is not None and g.rate == line.vat_rate]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return VatGroup(category_of(line.vat_rate, None), line.vat_rate, None, None, None, None)
    distinct = {(g.category, g.rate) for g in groups}
    return groups[0] if len(distinct) == 1 else None


@dataclass(frozen=True)
class LineOut:
    description: str
    quantity: Decimal
    price: Decimal
    base_quantity: Decimal | None
    net: Decimal
    unit_code: str
    group: VatGroup
    accounting_cost: str | None


def lines_out(invoice: InvoiceData, groups: list[VatGroup]) -> list[LineOut]:
    """Invoice lines for the UBL, or one synthesised line per VAT group.

    The invoice's own lines are used when each has a net amount and can be tied to a VAT
    group; otherwise (or when there are none) one line per VAT group is written, with
    quantity 1 (−1 for a negative base, since a price may not be negative) and the
    group's taxable amount as price, described as "Total at R% VAT (C)".
    """
    out: list[LineOut] = []
    usable = bool(invoice.lines) and all(line.net_amount is not None for line in invoice.lines)
    if usable:
        for line in invoice.lines:
            group = group_for_line(line, groups)
            if group is None:
                usable = False
                log.warning("line %r cannot be tied to one VAT rate; lines synthesised", line.description)
                break
            out.append(_line_out(line, group))
    if usable and not _reconciles(out, groups):
        usable = False
        log.warning("invoice lines do not add up to the VAT breakdown; one line per VAT rate synthesised")
    if usable:
        return out
    out = []
    for g in groups:
        base = g.base if g.base is not None else ZERO
        sign = Decimal(-1) if base < 0 else Decimal(1)
        label = "not subject to VAT" if g.category == "O" else f"{_num(g.rate or ZERO)}% VAT"
        out.append(LineOut(f"Total at {label} ({g.category})", sign, abs(base), None, base, "C62", g,
                           invoice.accounting_cost))
    return out


def _reconciles(lines: list[LineOut], groups: list[VatGroup]) -> bool:
    """Each VAT group's taxable amount is the sum of its lines' net amounts, to the cent."""
    for g in groups:
        total = sum((ln.net for ln in lines if ln.group is g or (ln.group.category, ln.group.rate) == (g.category, g.rate)), ZERO)
        if g.base is None or cents(total) != cents(g.base):
            return False
    known = {(g.category, g.rate) for g in groups}
    return all((ln.group.category, ln.group.rate) in known for ln in lines)


def _line_out(line: InvoiceLine, group: VatGroup) -> LineOut:
    net = line.net_amount if line.net_amount is not None else ZERO
    qty = line.quantity if line.quantity else None
    price = line.unit_price
    base_qty: Decimal | None = None
    if qty is None:
        ratio = net / price if price else None
        if ratio is not None and ratio != 0 and ratio == ratio.quantize(Decimal("0.0001")):
            qty = ratio
        else:
            qty, price = Decimal(1), net
    elif price is None or abs(qty * price - net) > Decimal("0.02"):
        # no usable unit price (or line allowances/charges): the net amount is the price of
        # `qty` units, so net = qty * (price / base_qty) exactly (PEPPOL-EN16931-R120)
        if price is not None:
            log.warning("line %r: quantity x price != net amount; net amount kept", line.description)
        price, base_qty = abs(net), abs(qty)
    if price < 0:  # BR-27: the item price may not be negative; the quantity carries the sign
        price, qty = -price, -qty
    if base_qty is not None and net != 0 and (qty > 0) != (net > 0):
        qty = -qty
    return LineOut(line.description or "Item", qty, price, base_qty, net, line.unit_code or "C62",
                   group, line.ledger_account)


def _num(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
