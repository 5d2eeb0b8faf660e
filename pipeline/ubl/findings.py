"""What validation reports: one ``Finding`` per rule failure, and the field names it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Which of our field names (pipeline.core.fields) a rule failure points at, when the rule id
# alone says it. Party rules are resolved to supplier_/customer_ by the location.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "BR-CO-10": ("lines", "total_excl_vat"),
    "BR-CO-13": ("total_excl_vat",),
    "BR-CO-14": ("total_vat", "vat_breakdown"),
    "BR-CO-15": ("total_incl_vat", "total_excl_vat", "total_vat"),
    "BR-CO-16": ("total_incl_vat",),
    "BR-CO-17": ("vat_breakdown",),
    "BR-CO-18": ("vat_breakdown",),
    "BR-CO-25": ("due_date",),
    "BR-CO-26": ("supplier_vat", "supplier_enterprise_number"),
    "BR-S-02": ("supplier_vat",),
    "BR-S-08": ("vat_breakdown", "lines"),
    "BR-S-09": ("vat_breakdown",),
    "BR-AE-02": ("supplier_vat", "customer_vat"),
    "BR-AE-08": ("vat_breakdown",),
    "BR-IC-02": ("supplier_vat", "customer_vat"),
    "BR-E-08": ("vat_breakdown",),
    "BR-Z-08": ("vat_breakdown",),
    "BR-O-08": ("vat_breakdown",),
    "BR-IC-08": ("vat_breakdown",),
    "BR-G-08": ("vat_breakdown",),
    "BR-61": ("iban",),
    "PEPPOL-EN16931-R003": ("buyer_reference", "order_reference"),
    "PEPPOL-EN16931-R010": ("customer_enterprise_number",),
    "PEPPOL-EN16931-R020": ("supplier_enterprise_number",),
    "PEPPOL-EN16931-R120": ("lines",),
    "PEPPOL-EN16931-R130": ("lines",),
    "PEPPOL-EN16931-R051": ("currency",),
    "PEPPOL-EN16931-R053": ("total_vat",),
    "PEPPOL-EN16931-R054": ("total_vat",),
    "PEPPOL-EN16931-R055": ("total_vat",),
    "PEPPOL-EN16931-R080": (),
    "PEPPOL-COMMON-R043": ("{party}_enterprise_number",),
    "BOEKBRUG-BE-OGM": ("payment_reference",),
    "BOEKBRUG-BE-KBO": ("{party}_enterprise_number",),
    "BOEKBRUG-BE-VAT": ("{party}_vat",),
    "BOEKBRUG-BE-KBO-VAT": ("{party}_enterprise_number", "{party}_vat"),
}

# EN 16931 business terms named in rule messages → our field names.
BT_FIELDS: dict[str, tuple[str, ...]] = {
    "BT-1": ("invoice_number",),
    "BT-2": ("issue_date",),
    "BT-5": ("currency",),
    "BT-9": ("due_date",),
    "BT-10": ("buyer_reference",),
    "BT-13": ("order_reference",),
    "BT-25": ("billing_reference",),
    "BT-27": ("supplier_name",),
    "BT-30": ("supplier_enterprise_number",),
    "BT-31": ("supplier_vat",),
    "BT-34": ("supplier_enterprise_number",),
    "BT-44": ("customer_name",),
    "BT-47": ("customer_enterprise_number",),
    "BT-48": ("customer_vat",),
    "BT-49": ("customer_enterprise_number",),
    "BT-83": ("payment_reference",),
    "BT-84": ("iban",),
    "BT-86": ("bic",),
    "BT-106": ("lines",),
    "BT-109": ("total_excl_vat",),
    "BT-110": ("total_vat",),
    "BT-112": ("total_incl_vat",),
    "BT-115": ("total_incl_vat",),
    "BT-116": ("vat_breakdown",),
    "BT-117": ("vat_breakdown",),
    "BT-118": ("vat_breakdown",),
    "BT-119": ("vat_breakdown",),
    "BT-120": ("vat_breakdown",),
    "BT-121": ("vat_breakdown",),
    "BG-23": ("vat_breakdown",),
    "BG-25": ("lines",),
}
for _n in (*range(35, 41),):
    BT_FIELDS[f"BT-{_n}"] = ("supplier_address",)
for _n in (*range(50, 56),):
    BT_FIELDS[f"BT-{_n}"] = ("customer_address",)
for _n in range(126, 161):
    BT_FIELDS.setdefault(f"BT-{_n}", ("lines",))

_BT_RE = re.compile(r"\b(B[TG]-\d+)\b")


def party_of(location: str) -> str | None:
    if "AccountingSupplierParty" in location or "PayeeParty" in location:
        return "supplier"
    if "AccountingCustomerParty" in location:
        return "customer"
    return None


def fields_for(rule_id: str, message: str, location: str) -> tuple[str, ...]:
    """Our field names a finding concerns: from the rule table, else from BT-xx in the text."""
    names = list(RULE_FIELDS.get(rule_id, ()))
    if rule_id not in RULE_FIELDS:
        for term in _BT_RE.findall(message):
            names.extend(BT_FIELDS.get(term, ()))
    party = party_of(location)
    resolved: list[str] = []
    for name in names:
        if "{party}" in name:
            if party is None:
                resolved.extend(name.format(party=p) for p in ("supplier", "customer"))
                continue
            name = name.format(party=party)
        if name not in resolved:
            resolved.append(name)
    return tuple(resolved)


@dataclass(frozen=True)
class Finding:
    layer: str  # "xsd", "cen", "peppol", "own"
    rule_id: str  # "BR-CO-16", "PEPPOL-COMMON-R043", "XSD", "BOEKBRUG-BE-OGM"
    flag: str  # "fatal" or "warning" (or "information")
    message: str
    location: str = ""  # XPath (schematron) or /path:line (XSD)
    fields: tuple[str, ...] = ()

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal"

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.flag.upper():7} {self.layer:6} {self.rule_id}: {self.message}{where}"


@dataclass(frozen=True)
class ValidationReport:
    ruleset: str
    root: str  # "Invoice", "CreditNote" or the unexpected root name
    findings: tuple[Finding, ...] = ()
    layers: tuple[str, ...] = field(default=())

    @property
    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fatal)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag == "warning")

    @property
    def ok(self) -> bool:
        """No fatal finding: Peppol access points and Mercurius accept the document."""
        return not self.fatal

    @property
    def fatal_ids(self) -> set[str]:
        return {f.rule_id for f in self.fatal}

    @property
    def warning_ids(self) -> set[str]:
        return {f.rule_id for f in self.warnings}

    def fields_in_error(self) -> set[str]:
        return {name for f in self.fatal for name in f.fields}
