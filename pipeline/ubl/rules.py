"""Registry of the vendored, versioned official rule sets.

A rule set is the combination of UBL 2.1 XSDs + the CEN EN 16931 XSLT + the Peppol
BIS Billing XSLT that one Peppol release bundles. Each release lives in its own folder
under ``pipeline/ubl/rules/`` and is registered here with the date from which it is
mandatory. When OpenPeppol publishes 3.0.22, copy its two XSLTs into
``rules/peppol-bis-3.0.22/`` and add a ``RuleSet`` to ``RULESETS``; the old one stays
until its successor's mandatory date has passed.

The active rule set is chosen by ``active_ruleset(on=date)``: the newest one whose
``mandatory_from`` is on or before that date, unless the environment variable
``UBL_RULESET`` names one explicitly (e.g. to try a new release before its date).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
# EN 16931 core UBL for import into an accounting package (no Peppol business process)
EN16931_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017"

# Peppol rules that only concern sending the document over the Peppol network: the
# business process and specification identifiers, the buyer reference used to route it
# inside the buyer's organisation, and both parties' electronic addresses. Under the
# EN 16931 profile they are reported as warnings; every other rule still blocks.
ROUTING_RULES = frozenset({
    "PEPPOL-EN16931-R001",  # business process (ProfileID) must be provided
    "PEPPOL-EN16931-R003",  # buyer reference or order reference (buyer-side routing)
    "PEPPOL-EN16931-R004",  # specification identifier must be the Peppol one
    "PEPPOL-EN16931-R007",  # business process must be an approved Peppol identifier
    "PEPPOL-EN16931-R010",  # buyer electronic address
    "PEPPOL-EN16931-R020",  # seller electronic address
})
# Peppol's national rules (DE-R-…, NL-R-…, NO-R-…): what a receiver in that country asks
# of a Peppol exchange; not part of EN 16931, so reported under the EN 16931 profile.
NATIONAL_RULE = re.compile(r"^[A-Z]{2}-R-\d+$")


def peppol_only(rule_id: str) -> bool:
    """A rule that binds a Peppol exchange but not an EN 16931 invoice for import."""
    return rule_id in ROUTING_RULES or bool(NATIONAL_RULE.match(rule_id))


@dataclass(frozen=True)
class RuleSet:
    id: str  # "peppol-bis-3.0.21"
    mandatory_from: date
    invoice_xsd: Path
    creditnote_xsd: Path
    cen_xslt: Path
    peppol_xslt: Path
    description: str = ""

    def files(self) -> tuple[Path, ...]:
        return (self.invoice_xsd, self.creditnote_xsd, self.cen_xslt, self.peppol_xslt)


_UBL21 = RULES_DIR / "ubl-2.1" / "xsd" / "maindoc"

RULESETS: dict[str, RuleSet] = {
    "peppol-bis-3.0.21": RuleSet(
        id="peppol-bis-3.0.21",
        mandatory_from=date(2026, 8, 17),
        invoice_xsd=_UBL21 / "UBL-Invoice-2.1.xsd",
        creditnote_xsd=_UBL21 / "UBL-CreditNote-2.1.xsd",
        cen_xslt=RULES_DIR / "peppol-bis-3.0.21" / "CEN-EN16931-UBL.xslt",
        peppol_xslt=RULES_DIR / "peppol-bis-3.0.21" / "PEPPOL-EN16931-UBL.xslt",
        description="UBL 2.1 OS + CEN EN 16931 UBL 1.3.16 + Peppol BIS Billing 3.0.21 (May 2026)",
    ),
}

# Optional UBL.BE 1.31 rules (Belgian, not Peppol); vendored for a later UBL.BE export.
UBLBE_XSLT = RULES_DIR / "ublbe-1.31" / "GLOBALUBL.BE.xslt"


class UnknownRuleSet(KeyError):
    pass


def get_ruleset(ruleset_id: str) -> RuleSet:
    try:
        return RULESETS[ruleset_id]
    except KeyError:
        raise UnknownRuleSet(f"unknown rule set {ruleset_id!r}; known: {sorted(RULESETS)}") from None


def active_ruleset(on: date | None = None, env: dict[str, str] | None = None) -> RuleSet:
    """The rule set to validate with: ``UBL_RULESET`` if set, else the newest in force on ``on``."""
    env = dict(os.environ if env is None else env)
    chosen = env.get("UBL_RULESET")
    if chosen:
        return get_ruleset(chosen)
    day = on or date.today()
    in_force = [r for r in RULESETS.values() if r.mandatory_from <= day]
    pool = in_force or list(RULESETS.values())  # before the first date: the oldest we have
    key = (lambda r: r.mandatory_from)
    return max(pool, key=key) if in_force else min(pool, key=key)
